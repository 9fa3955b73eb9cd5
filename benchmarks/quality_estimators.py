"""Which quality estimate predicts translation quality: correlation with sentence chrF.

Reads a ``translation_quality.py --dump`` file (German source, English reference, the engine's
output and the stage's quality estimate) and compares, per sentence, against chrF of the output
with the human reference (sacrebleu): the USE-multilingual cosine (the stage's estimate), the
multilingual-e5-small cosine, and, with ``--back-translation``, chrF of the llm's back-translation
into German against the German source. Pearson and Spearman correlations; higher is better.

    .venv/bin/python benchmarks/quality_estimators.py /tmp/tq.llm.v2-pool-examples.jsonl [--back-translation]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import sacrebleu

from pipelines.core.settings import load_settings
from pipelines.engines.vectors.embedders import make_embedder

ROOT = Path(__file__).resolve().parents[1]


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1])


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson of the ranks (ties broken by order: the estimates are continuous)."""
    return pearson(np.argsort(np.argsort(a)).astype(float), np.argsort(np.argsort(b)).astype(float))


def cosines(name: str, left: list[str], right: list[str]) -> np.ndarray:
    embedder = make_embedder(name, 2)
    a, b = embedder.embed(left), embedder.embed(right)
    return np.sum(a * b, axis=1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dump", type=Path)
    parser.add_argument("--back-translation", action="store_true")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.dump.read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if r["mt"]]  # rejected rows have no output to score
    german, outputs = [r["de"] for r in rows], [r["mt"] for r in rows]
    truth = np.array([sacrebleu.sentence_chrf(r["mt"], [r["en"]]).score for r in rows])
    estimates = {
        "USE-multilingual cosine (the stage's)": np.array([r["quality"] for r in rows]),
        "multilingual-e5-small cosine": cosines("multilingual-e5-small", german, outputs),
    }
    if args.back_translation:
        from pipelines.engines.translate.llm import LLMEngine

        settings = load_settings(ROOT / "params.yaml").translate.model_copy(
            update={"source_lang": "en", "target_lang": "de", "examples_per_document": 0}
        )
        back = LLMEngine(settings, threads=2).translate_texts(outputs, lang="en")
        estimates["back-translation chrF vs source"] = np.array(
            [sacrebleu.sentence_chrf(b, [g]).score for b, g in zip(back, german, strict=True)]
        )
    print(f"{len(rows)} sentences; target: sentence chrF against the human reference")
    print("| estimate | Pearson | Spearman |")
    print("|---|---|---|")
    for name, values in estimates.items():
        print(f"| {name} | {pearson(values, truth):.3f} | {spearman(values, truth):.3f} |")


if __name__ == "__main__":
    main()
