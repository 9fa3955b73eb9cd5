"""Alignment quality and speed on public gold data (read from ../shared/data, never copied).

- Document mode on the Text+Berg de-fr dev set (Bleualign's eval1957 via Vecalign, GPL-2.0):
  strict/lax F1 as Vecalign's score.py defines them, without and with a translation of the
  source (the project's offline dictionary gloss, de->en: the only translator available here);
  and the time at 1x, 4x and 16x the document length (the dev documents repeated).
- Mining on the Tatoeba de-en pairs (CC BY 2.0 FR): P/R/F1 at the configured threshold, P@1,
  and the best F1 over a threshold sweep.

    .venv/bin/python benchmarks/alignment_quality.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.core.records import Provenance, Sentence, Token  # noqa: E402
from pipelines.core.settings import load_settings  # noqa: E402
from pipelines.engines.document_aligner import align_document  # noqa: E402
from pipelines.engines.embedders import embedder_from_settings  # noqa: E402
from pipelines.engines.gloss import GlossEngine  # noqa: E402
from pipelines.evaluation.align_eval import evaluate_mining, read_lines, read_links, score_links  # noqa: E402


def gloss(lines: list[str]) -> list[str]:
    """The dictionary gloss of pre-tokenised German lines (tokens are space-separated)."""
    engine, out = GlossEngine(), []
    for k, line in enumerate(lines):
        tokens, position = [], 0
        for word in line.split(" "):
            if word:
                tokens.append(Token(start=position, end=position + len(word), text=word))
            position += len(word) + 1
        sentence = Sentence(
            sent_id=f"s{k}", doc_id="dev", para_id="p", index=k, lang="de", text=line, start=0, end=len(line),
            section=[], tokens=tokens, provenance=Provenance(engine="benchmark"),
        )  # fmt: skip
        out.append(engine.gloss(sentence) if tokens else line)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    settings = load_settings(ROOT / "params.yaml").align
    embedder = embedder_from_settings(settings)
    dev = args.data / "textberg_defr_dev"
    src, tgt, gold = read_lines(dev / "dev.de"), read_lines(dev / "dev.fr"), read_links(dev / "dev.defr")
    embedder.embed(src + tgt)  # warm the cache so timings measure the aligner

    for label, mt in (("without translation", None), ("with gloss translation", gloss(src))):
        start = time.perf_counter()
        links = align_document(src, tgt, mt, embedder, settings, "de-fr")
        seconds = time.perf_counter() - start
        scores = score_links([gold], [[(link.src, link.tgt) for link in links]])
        print(
            f"document, Text+Berg dev, {label}: strict F1 {scores['f1_strict']:.3f} "
            f"(P {scores['precision_strict']:.3f} R {scores['recall_strict']:.3f}), lax F1 {scores['f1_lax']:.3f}, "
            f"{seconds:.1f} s"
        )

    times = {}
    for factor in (1, 4, 16):
        align_document(src * factor, tgt * factor, None, embedder, settings, "de-fr")  # blocks across copies
        start = time.perf_counter()
        align_document(src * factor, tgt * factor, None, embedder, settings, "de-fr")
        times[factor] = time.perf_counter() - start
        print(
            f"document, {factor:>2}x dev ({len(src) * factor} x {len(tgt) * factor} sentences): {times[factor]:.1f} s"
        )
    print(f"time ratio 4x/1x {times[4] / times[1]:.1f}, 16x/1x {times[16] / times[1]:.1f} (linear: 4, 16)")

    tatoeba = args.data / "tatoeba_deu_eng"
    german, english = read_lines(tatoeba / "tatoeba.deu-eng.deu"), read_lines(tatoeba / "tatoeba.deu-eng.eng")
    result = evaluate_mining(german, english, {(k, k) for k in range(len(german))}, None, settings, embedder)
    at, best = result["at_threshold"], result["best"]
    print(
        f"mining, Tatoeba de-en, threshold {at['threshold']}: P {at['precision']:.3f} R {at['recall']:.3f} "
        f"F1 {at['f1']:.3f}; P@1 {result['p_at_1']:.3f}; best F1 {best['f1']:.3f} at {best['threshold']:.3f}"
    )


if __name__ == "__main__":
    main()
