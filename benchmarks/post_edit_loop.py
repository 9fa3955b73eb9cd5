"""The post-editing loop on simulated post-edits: does the corpus learn from corrections?

Tatoeba de–en (CC BY 2.0 FR): the references of lines 301–1,000 play the annotators' post-edits;
lines 1–N are held out from the memory and scored. Measured, as the translate stage does it:
1. the translation memory: how many held-out sentences get a fuzzy suggestion (score >= 75) and
   how close the suggestion is to the held-out reference (chrF), by score band;
2. with ``--translate``: chrF/TER of the llm against the held-out references before (no
   examples) and after (the post-edits as the pool, retrieved per document, post_edits=...),
   through ``translate_sentences`` with checks and retries, as ``dvc repro`` runs it.

    .venv/bin/python benchmarks/post_edit_loop.py [--lines 200] [--translate]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import sacrebleu

from pipelines.core.settings import ExecutorSettings, load_settings
from pipelines.core.translation_memory import TranslationMemory
from pipelines.engines.translate.translation_checks import TranslationChecker
from pipelines.engines.translate.translation_requests import line_sentence
from pipelines.stages.translate import translate_sentences

ROOT = Path(__file__).resolve().parents[1]
TATOEBA = ROOT.parent / "shared" / "data" / "tatoeba_deu_eng"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=200)
    parser.add_argument("--translate", action="store_true")
    args = parser.parse_args()
    german = (TATOEBA / "tatoeba.deu-eng.deu").read_text(encoding="utf-8").splitlines()
    english = (TATOEBA / "tatoeba.deu-eng.eng").read_text(encoding="utf-8").splitlines()
    held_de, held_en = german[: args.lines], english[: args.lines]
    post_edits = list(zip(german[300:], english[300:], strict=True))
    memory = TranslationMemory(post_edits)
    suggested = [(memory.nearest(g), e) for g, e in zip(held_de, held_en, strict=True)]
    hits = [(m, e) for m, e in suggested if m is not None]
    print(f"memory: {len(memory)} post-edits; {len(hits)} of {len(held_de)} held-out sentences get a suggestion")
    for low, high in ((75, 85), (85, 95), (95, 101)):
        band = [(m, e) for m, e in hits if low <= m.score < high]
        if band:
            chrf = sacrebleu.corpus_chrf([m.english for m, _ in band], [[e for _, e in band]]).score
            print(f"  fuzzy {low}-{min(high, 100)}: {len(band)} suggestions, chrF vs the held-out reference {chrf:.1f}")
    if not args.translate:
        return
    work = Path(tempfile.mkdtemp(prefix="bench-post-edit-"))
    base = load_settings(ROOT / "params.yaml").translate
    sentences = [line_sentence(n, text, "de") for n, text in enumerate(held_de, 1)]
    for name, pairs in (("before (no post-edits)", None), ("after (post-edits as examples)", post_edits)):
        settings = base.model_copy(
            update={"engine": "llm", "example_pool_de": None, "example_pool_en": None,
                    "cache_path": work / "t.sqlite", "quality_cache_path": None}
        )  # fmt: skip
        result = translate_sentences(
            sentences, settings, ExecutorSettings(), TranslationChecker(settings, 2), [], pairs
        )
        print(json.dumps({
            "run": name,
            "chrf": round(sacrebleu.corpus_chrf(result.texts, [held_en]).score, 1),
            "ter": round(sacrebleu.corpus_ter(result.texts, [held_en]).score, 1),
            "bleu": round(sacrebleu.corpus_bleu(result.texts, [held_en]).score, 1),
            "rejected": sum(r is not None for r in result.rejected),
        }), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
