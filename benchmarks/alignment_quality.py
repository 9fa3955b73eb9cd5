"""Alignment quality and speed on public gold data (read from ../shared/data, never copied).

- Document mode on the Text+Berg de-fr dev set (Bleualign's eval1957 via Vecalign, GPL-2.0):
  strict/lax F1 as Vecalign's score.py defines them, without and with a translation of the
  source (the project's offline dictionary gloss, de->en: the only translator available here).
  align-eval leaves a translation out when it is not in the target's language (Bleualign's
  premise), so the gloss is also scored fused anyway, as a second multilingual view;
  and the time at 1x, 4x and 16x the document length (the dev documents repeated).
- Document mode on a synthetic de-en document built from the Tatoeba pairs (merges, insertions
  and deletions with known gold), without and with the gloss: a translation *into the target
  language*, the case Bleualign's idea is for.
- Mining on the Tatoeba de-en pairs (CC BY 2.0 FR): P/R/F1 at the configured threshold, P@1,
  and the best F1 over a threshold sweep.

    .venv/bin/python benchmarks/alignment_quality.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.core.settings import ExecutorSettings, load_settings  # noqa: E402
from pipelines.engines.align.document_aligner import align_document  # noqa: E402
from pipelines.engines.translate.gloss import GlossEngine  # noqa: E402
from pipelines.engines.translate.translation_checks import TranslationChecker  # noqa: E402
from pipelines.engines.vectors.embedders import embedder_from_settings  # noqa: E402
from pipelines.evaluation.align_eval import (  # noqa: E402
    evaluate_mining,
    read_lines,
    read_links,
    score_links,
    translation_to_fuse,
)
from pipelines.stages.translate import line_sentence, translate_sentences  # noqa: E402


def gloss(lines: list[str]) -> list[str]:
    """The dictionary gloss of German lines (words and punctuation marks are its tokens)."""
    engine, out = GlossEngine(), []
    for k, line in enumerate(lines):
        sentence = line_sentence(k, line, "de")
        out.append(engine.gloss(sentence) if sentence.tokens else line)
    return out


def translate(lines: list[str], engine: str) -> list[str]:
    """German lines into English with a translate engine, through the project's cache and checks."""
    if engine == "gloss":
        return gloss(lines)
    settings = load_settings(ROOT / "params.yaml").translate.model_copy(update={"engine": engine})
    sentences = [line_sentence(k, line, "de") for k, line in enumerate(lines)]
    return translate_sentences(sentences, settings, ExecutorSettings(), TranslationChecker(settings)).texts


class GoldDocument:
    """A de-en document built link by link from translation pairs, with its gold links."""

    def __init__(self, german: list[str], english: list[str]) -> None:
        self.german, self.english = german, english
        self.src: list[str] = []
        self.tgt: list[str] = []
        self.links: list[tuple[tuple[int, ...], tuple[int, ...]]] = []

    def link(self, german: list[list[int]], english: list[list[int]]) -> None:
        """One gold link: its German and its English sentences, each the given pairs' sides joined
        (``[[a], [b]], [[a, b]]`` is a 2-1; ``[[a]], []`` a German sentence without counterpart)."""
        first_src, first_tgt = len(self.src), len(self.tgt)
        self.src += [" ".join(self.german[k] for k in joined) for joined in german]
        self.tgt += [" ".join(self.english[k] for k in joined) for joined in english]
        self.links.append((tuple(range(first_src, len(self.src))), tuple(range(first_tgt, len(self.tgt)))))


def synthetic_document(german: list[str], english: list[str], seed: int = 0):
    """A de-en "document" from Tatoeba pairs with known gold links: about 1 in 10 links a 2-1,
    1 in 10 a 1-2 (two sentences joined on one side), 1 in 20 a German and 1 in 20 an English
    sentence without counterpart; the rest 1-1. Sentences are in random order."""
    rng, order = random.Random(seed), list(range(len(german)))
    random.Random(seed).shuffle(order)
    document, k = GoldDocument(german, english), 0
    while k < len(order):
        a, b, roll = order[k], order[min(k + 1, len(order) - 1)], rng.random()
        two = k + 1 < len(order)
        if roll < 0.1 and two:
            document.link([[a], [b]], [[a, b]])
        elif roll < 0.2 and two:
            document.link([[a, b]], [[a], [b]])
        elif roll < 0.25:
            document.link([[a]], [])
        elif roll < 0.3:
            document.link([], [[a]])
        else:
            document.link([[a]], [[a]])
        k += 2 if (roll < 0.2 and two) else 1
    return document.src, document.tgt, document.links


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--translator", default="gloss", help="de->en engine for the Tatoeba runs: gloss | llm")
    parser.add_argument("--pairs", type=int, default=0, help="Tatoeba pairs (0: all 1,000)")
    args = parser.parse_args()
    settings = load_settings(ROOT / "params.yaml").align
    embedder = embedder_from_settings(settings)
    dev = args.data / "textberg_defr_dev"
    src, tgt, gold = read_lines(dev / "dev.de"), read_lines(dev / "dev.fr"), read_links(dev / "dev.defr")
    embedder.embed(src + tgt)  # warm the cache so timings measure the aligner

    glossed = gloss(src)
    fused = translation_to_fuse(glossed, "en", tgt, "fr", "dev.de gloss")  # what align-eval does: left out
    runs = (
        ("without translation", None),
        ("with gloss translation, as align-eval fuses it", fused),
        ("with gloss translation fused anyway (English vs French)", glossed),
    )
    for label, mt in runs:
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
    german = read_lines(tatoeba / "tatoeba.deu-eng.deu")[: args.pairs or None]
    english = read_lines(tatoeba / "tatoeba.deu-eng.eng")[: args.pairs or None]
    src, tgt, gold = synthetic_document(german, english)
    translated = translate(src, args.translator)
    fused_label = f"with {args.translator} translation (into English)"
    for label, mt in (("without translation", None), (fused_label, translated)):
        links = align_document(src, tgt, mt, embedder, settings, "de-en")
        scores = score_links([gold], [[(link.src, link.tgt) for link in links]])
        print(
            f"document, Tatoeba de-en synthetic ({len(src)} x {len(tgt)}), {label}: strict F1 "
            f"{scores['f1_strict']:.3f} (P {scores['precision_strict']:.3f} R {scores['recall_strict']:.3f})"
        )
    gold = {(k, k) for k in range(len(german))}
    for label, mt in (("without translation", None), (f"{args.translator} fused", translate(german, args.translator))):
        result = evaluate_mining(german, english, gold, mt, settings, embedder)
        at, best = result["at_threshold"], result["best"]
        print(
            f"mining, Tatoeba de-en, {label}, threshold {at['threshold']}: P {at['precision']:.3f} "
            f"R {at['recall']:.3f} F1 {at['f1']:.3f}; P@1 {result['p_at_1']:.3f}; best F1 {best['f1']:.3f} at "
            f"{best['threshold']:.3f}"
        )


if __name__ == "__main__":
    main()
