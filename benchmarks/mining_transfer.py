"""Does the mining threshold transfer? Comparable recipes from Tatoeba and Text+Berg.

.venv/bin/python benchmarks/mining_transfer.py [--data ../shared/data] [--keep-source 0.45 --keep-target 0.5]
    [--translator llm --pairs 300]

Mining is for comparable documents: many sentences have no counterpart. Each recipe keeps a
random share of each side's sentences independently (seeded), so a kept sentence whose
counterpart was dropped has none, and mines what is left:

- Tatoeba de-en (CC BY 2.0 FR): short everyday sentences, unrelated to each other.
- Text+Berg de-fr dev (GPL-2.0), first and second half of the book kept apart: long, topical
  prose, where every sentence has look-alikes on the same subject. The gold's 1-1 links with
  both sentences kept are the true pairs; sentences of 1-2/2-1/2-2 links are left out (half a
  pair is neither a true pair nor a sentence without counterpart).

Prints P/R/F1 at ``align.threshold`` and the best F1 over a threshold sweep (with its threshold)
for the anchor penalty as configured and switched off, and with ``--translator`` the
translation fused on the Tatoeba recipe (the only one whose target is English). The threshold was chosen on Tatoeba and
the first Text+Berg half; the second half was not looked at while tuning.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.core.settings import load_settings  # noqa: E402
from pipelines.engines.align.mining import mine  # noqa: E402
from pipelines.engines.vectors.embedders import embedder_from_settings  # noqa: E402
from pipelines.evaluation.align_eval import prf, read_lines, read_links, sweep  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from alignment_quality import translate  # noqa: E402


def comparable(
    src: list[str],
    tgt: list[str],
    pairs: list[tuple[int, int]],
    keep: tuple[float, float],
    seed: int,
    candidates: tuple[Sequence[int], Sequence[int]] | None = None,
):
    """Both sides thinned independently (among ``candidates``, the sentence ids that may stay:
    all by default); the gold pairs whose two sentences are both kept, renumbered."""
    rng = random.Random(seed)
    src_ids, tgt_ids = candidates or (range(len(src)), range(len(tgt)))
    kept_src = [i for i in src_ids if rng.random() < keep[0]]
    kept_tgt = [j for j in tgt_ids if rng.random() < keep[1]]
    new_src, new_tgt = {i: k for k, i in enumerate(kept_src)}, {j: k for k, j in enumerate(kept_tgt)}
    gold = {(new_src[i], new_tgt[j]) for i, j in pairs if i in new_src and j in new_tgt}
    return [src[i] for i in kept_src], [tgt[j] for j in kept_tgt], gold


def recipes(data: Path, keep: tuple[float, float], seed: int, pairs: int = 0):
    german = read_lines(data / "tatoeba_deu_eng" / "tatoeba.deu-eng.deu")[: pairs or None]
    english = read_lines(data / "tatoeba_deu_eng" / "tatoeba.deu-eng.eng")[: pairs or None]
    yield "Tatoeba de-en", comparable(german, english, [(k, k) for k in range(len(german))], keep, seed)
    dev = data / "textberg_defr_dev"
    de, fr = read_lines(dev / "dev.de"), read_lines(dev / "dev.fr")
    gold = read_links(dev / "dev.defr")
    # a sentence of a 2-1, 1-2 or 2-2 link is half a pair: such sentences leave the recipe
    partial_de = {i for s, t in gold if len(s) + len(t) > 2 for i in s}
    partial_fr = {j for s, t in gold if len(s) + len(t) > 2 for j in t}
    one_to_one = [(s[0], t[0]) for s, t in gold if len(s) == 1 and len(t) == 1]
    middle_de, middle_fr = len(de) // 2, next(j for i, j in one_to_one if i >= len(de) // 2)
    for name, (de_ids, fr_ids) in (
        ("Text+Berg de-fr, 1st half", (range(middle_de), range(middle_fr))),
        ("Text+Berg de-fr, 2nd half (untuned)", (range(middle_de, len(de)), range(middle_fr, len(fr)))),
    ):
        candidates = ([i for i in de_ids if i not in partial_de], [j for j in fr_ids if j not in partial_fr])
        yield name, comparable(de, fr, one_to_one, keep, seed + 100, candidates)


def mined(src: list[str], tgt: list[str], settings, embedder, mt=None) -> list[tuple[int, int, float]]:
    best = mine(embedder.embed(src), embedder.embed(tgt), mt, tgt, settings, src_texts=src)
    return [(c.src, c.tgt, c.margin) for c in best if c.linked]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--keep-source", type=float, default=0.45, help="share of source sentences kept")
    parser.add_argument("--keep-target", type=float, default=0.5, help="share of target sentences kept")
    parser.add_argument("--seeds", type=int, default=5, help="recipes per corpus, pooled")
    parser.add_argument("--translator", help="also fuse this de->en engine's translation on Tatoeba: gloss | llm")
    parser.add_argument("--pairs", type=int, default=0, help="Tatoeba pairs used (0: all 1,000)")
    parser.add_argument("--thresholds", default="1.12,1.2,1.25,1.28,1.3,1.32,1.35", help="F1 printed at each")
    args = parser.parse_args()
    settings = load_settings(ROOT / "params.yaml").align
    embedder = embedder_from_settings(settings)
    variants = {"anchor penalty": settings, "no anchor penalty": settings.model_copy(update={"anchor_penalty": 0.0})}
    if args.translator:
        variants[f"{args.translator} fused"] = settings
    pooled: dict[tuple[str, str], list] = {}
    sizes: dict[str, list[int]] = {}
    for seed in range(1, args.seeds + 1):
        for name, (src, tgt, gold) in recipes(args.data, (args.keep_source, args.keep_target), seed, args.pairs):
            counts = sizes.setdefault(name, [0, 0, 0])
            counts[0], counts[1], counts[2] = counts[0] + len(src), counts[1] + len(tgt), counts[2] + len(gold)
            for label, variant in variants.items():
                fused = label.endswith(" fused")
                if fused and not name.startswith("Tatoeba"):
                    continue  # a translation is fused only into the target's language (no de->fr engine)
                mt = translate(src, args.translator) if fused else None
                scored, truth = pooled.setdefault((name, label), [[], set()])
                scored += [((seed, i), (seed, j), m) for i, j, m in mined(src, tgt, variant, embedder, mt)]
                truth |= {((seed, i), (seed, j)) for i, j in gold}
    thresholds = [float(t) for t in args.thresholds.split(",")]
    for name, (n_src, n_tgt, n_gold) in sizes.items():
        print(f"{name}: {args.seeds} recipes, {n_src} source, {n_tgt} target sentences, {n_gold} true pairs")
        for label in [label for label in variants if (name, label) in pooled]:
            scored, truth = pooled[(name, label)]
            at = prf({(i, j) for i, j, m in scored if m >= settings.threshold}, truth)
            best = sweep(scored, truth)
            f1_at = {t: prf({(i, j) for i, j, m in scored if m >= t}, truth)["f1"] for t in thresholds}
            curve = " ".join(f"{t}:{f1:.3f}" for t, f1 in f1_at.items())
            print(
                f"  {label:>18}: at {settings.threshold}: P {at['precision']:.3f} R {at['recall']:.3f} "
                f"F1 {at['f1']:.3f}; best F1 {best['f1']:.3f} at {best['threshold']:.3f}; F1 by threshold {curve}"
            )


if __name__ == "__main__":
    main()
