"""Anchor tokens: numbers and names that a translation carries over unchanged.

Sentence embeddings say two blocks mean roughly the same; they say little about *where* a
sentence boundary falls when the two sides split a passage differently. Numbers, dates and
proper names do: "Abalakow" and "1933" sit in one sentence on each side, whatever the
language pair. Hunalign and Bleualign use the same evidence (identical tokens).

An anchor is a token with a digit (reduced to its digits) or a capitalised word of three or
more letters, kept only when it occurs on *both* sides of the document pair, so German nouns
and other words with no identical counterpart never count. A link is charged for the anchors
one side has and the other lacks; a skipped sentence for all of its anchors. Every anchor is
charged at most once along any path, so only anchors that a path could match change the choice.
Mining uses the same counts as a share: of a pair's anchors, how many the other side lacks
("29. August 1960" against "September 30, 1990" shares none).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

WORD = re.compile(r"\w+")


def anchor_tokens(text: str) -> list[str]:
    """Numbers (their digits) and capitalised words of 3+ letters, lower-cased."""
    out = []
    for token in WORD.findall(text):
        if any(c.isdigit() for c in token):
            out.append("".join(c for c in token if c.isdigit()))
        elif len(token) >= 3 and token[0].isupper():
            out.append(token.lower())
    return out


def shared_anchors(src_texts: Sequence[str], tgt_texts: Sequence[str]) -> tuple[list[Counter], list[Counter]]:
    """Each sentence's anchors, keeping only those that occur somewhere on the other side too."""
    src = [Counter(anchor_tokens(t)) for t in src_texts]
    tgt = [Counter(anchor_tokens(t)) for t in tgt_texts]
    shared = set().union(*src, set()) & set().union(*tgt, set())
    keep = [Counter({k: v for k, v in c.items() if k in shared}) for c in (*src, *tgt)]
    return keep[: len(src)], keep[len(src) :]


def mismatch_share(source: Counter, target: Counter) -> float:
    """Share of the two sentences' anchors that the other one lacks (0 when neither has any)."""
    total = sum(source.values()) + sum(target.values())
    return sum(((source - target) + (target - source)).values()) / total if total else 0.0


class Anchors:
    """Per-sentence anchor counts of two documents, with block sums by cumulative rows."""

    def __init__(self, src_texts: Sequence[str], tgt_texts: Sequence[str]) -> None:
        src, tgt = shared_anchors(src_texts, tgt_texts)
        column = {token: k for k, token in enumerate(sorted(set().union(*src, set())))}
        self.size = len(column)
        self.src = self._cumulative(src, column)
        self.tgt = self._cumulative(tgt, column)

    def _cumulative(self, counters: list[Counter], column: dict[str, int]) -> np.ndarray:
        rows = np.zeros((len(counters) + 1, max(self.size, 1)), dtype=np.float32)
        for k, counts in enumerate(counters, start=1):
            for token, count in counts.items():
                rows[k, column[token]] = count
        return np.cumsum(rows, axis=0)

    def src_counts(self) -> np.ndarray:
        """Anchors per source sentence (what skipping it leaves unmatched)."""
        return np.diff(self.src, axis=0).sum(axis=1)

    def tgt_counts(self) -> np.ndarray:
        return np.diff(self.tgt, axis=0).sum(axis=1)

    def mismatch(self, i: int, a: int, js: np.ndarray, b: int) -> np.ndarray:
        """Anchors of source block (i, a) and each target block (j, b) that the other lacks."""
        if not self.size:
            return np.zeros(len(js))
        source = self.src[i + a] - self.src[i]
        targets = self.tgt[js + b] - self.tgt[js]
        return np.abs(targets - source).sum(axis=1)
