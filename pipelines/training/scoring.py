"""Exact-span NER scores (CoNLL style): precision, recall and F1 per type, micro, untyped."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pipelines.core.bio import spans


def _prf(true: int, predicted: int, gold: int) -> dict[str, float | int]:
    precision = true / predicted if predicted else 0.0
    recall = true / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "gold": gold}


def score(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> dict:
    """Scores over sentences given as tag sequences of equal length."""
    true, n_gold, n_pred = Counter(), Counter(), Counter()
    untyped_true = 0
    for gold_tags, predicted_tags in zip(gold, predicted, strict=True):
        gold_spans, predicted_spans = spans(gold_tags), spans(predicted_tags)
        n_gold.update(kind for _, _, kind in gold_spans)
        n_pred.update(kind for _, _, kind in predicted_spans)
        true.update(kind for _, _, kind in gold_spans & predicted_spans)
        untyped_true += len({s[:2] for s in gold_spans} & {s[:2] for s in predicted_spans})
    total_gold, total_pred = sum(n_gold.values()), sum(n_pred.values())
    return {
        **_prf(sum(true.values()), total_pred, total_gold),
        "untyped": _prf(untyped_true, total_pred, total_gold),
        "per_type": {kind: _prf(true[kind], n_pred[kind], n_gold[kind]) for kind in sorted(n_gold | n_pred)},
        "sentences": len(gold),
    }
