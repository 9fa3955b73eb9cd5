"""Alignment mining time vs corpus size, dense matrix vs faiss HNSW candidates, with F1 kept.

The English side of the seed corpus is replicated x1, x10, x100: copies are perturbed
embeddings (Gaussian noise, renormalised) so they act as near-duplicate distractors. The
German side is the seed article plus the human translations in tests/data (the gold pairs).
Embeddings are computed once (USE multilingual v3) and cached; only mining is timed.

    .venv/bin/python benchmarks/align_scaling.py [--factors 1 10 100]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from pipelines.core.io import read_jsonl
from pipelines.core.records import Sentence
from pipelines.core.settings import AlignSettings
from pipelines.engines.align.mining import mine
from pipelines.engines.vectors.embedders import CachedEmbedder, make_embedder, normalise
from pipelines.evaluation import align_eval

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--noise", type=float, default=0.04, help="std of the noise added to copies")
    args = parser.parse_args()
    sentences = ROOT / "corpus" / "sentences"
    german = [s.text for s in read_jsonl(sentences / "de-dprk-cuba.jsonl", Sentence)]
    english = [s.text for p in sorted(sentences.glob("en-*.jsonl")) for s in read_jsonl(p, Sentence)]
    rows = [
        line.split("\t")
        for line in (ROOT / "tests/data/de_translations_of_en_seed_sentences.tsv")
        .read_text(encoding="utf-8")
        .splitlines()
        if line and not line.startswith("#")
    ]
    src_texts = german + [de for _, de in rows]
    gold = {(len(german) + k, english.index(en)) for k, (en, _) in enumerate(rows)}
    embedder = CachedEmbedder(make_embedder("use-multilingual-v3", threads=2), ROOT / ".cache/embeddings.sqlite")
    src, base = embedder.embed(src_texts), embedder.embed(english)
    rng = np.random.default_rng(0)
    print(f"source sentences: {len(src)}; gold pairs: {len(gold)}; threshold 1.3")
    results = {}
    for factor in args.factors:
        copies = [base] + [normalise(base + rng.normal(0, args.noise, base.shape)) for _ in range(factor - 1)]
        targets = np.vstack(copies)
        for path in ("dense", "ann"):
            start = time.perf_counter()
            best = mine(src, targets, None, [""] * len(targets), AlignSettings(candidate_search=path))
            seconds = time.perf_counter() - start
            predicted = {(c.src, c.tgt) for c in best if c.mutual and c.margin >= 1.3}
            f1 = align_eval.prf(predicted, gold)["f1"]
            results[(factor, path)] = seconds
            print(f"x{factor:<4} targets={len(targets):>6} {path:<5} {seconds:8.3f} s  F1={f1:.3f}")
    largest = max(args.factors)
    smallest = min(args.factors)
    print(f"dense time x{largest}/x{smallest}: {results[(largest, 'dense')] / results[(smallest, 'dense')]:.1f}")
    print(f"ann time x{largest}/x{smallest}: {results[(largest, 'ann')] / results[(smallest, 'ann')]:.1f}")
    print(f"dense/ann time at x{largest}: {results[(largest, 'dense')] / results[(largest, 'ann')]:.2f}")


if __name__ == "__main__":
    main()
