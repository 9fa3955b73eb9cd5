"""Anchor tokens: numbers and names that a translation carries over unchanged.

Sentence embeddings say two blocks mean roughly the same; they say little about *where* a
sentence boundary falls when the two sides split a passage differently. Numbers, dates and
proper names do: "Abalakow" and "1933" sit in one sentence on each side, whatever the
language pair. Hunalign and Bleualign use the same evidence (identical tokens).

An anchor is a token with a digit (reduced to its digits) or a name: a word of three or more
letters that the texts write capitalised somewhere not at the start of a sentence and never in
lower case, on either side. That is capitalisation in both languages' sense: a German noun
("System", "Organisation") is no name, since the English or French side writes it in lower case,
and neither is a word capitalised only by its place ("Sie", "All"). Anchors are kept only when
they occur on *both* sides. A link is charged for the anchors
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


def names(*sides: Sequence[str]) -> set[str]:
    """Lower-cased words of 3+ letters written capitalised after a sentence's first word and
    never in lower case, in any of the texts."""
    capitalised, lower = set(), set()
    for texts in sides:
        for text in texts:
            for position, token in enumerate(WORD.findall(text)):
                if len(token) < 3 or not token.isalpha():
                    continue
                if token[0].islower():
                    lower.add(token)
                elif position > 0:
                    capitalised.add(token.lower())
    return capitalised - lower


def anchor_tokens(text: str, known_names: set[str] | None = None) -> list[str]:
    """Numbers (their digits) and names, lower-cased; without ``known_names``, every
    capitalised word of 3+ letters."""
    out = []
    for token in WORD.findall(text):
        if any(c.isdigit() for c in token):
            out.append("".join(c for c in token if c.isdigit()))
        elif len(token) >= 3 and token[0].isupper() and (known_names is None or token.lower() in known_names):
            out.append(token.lower())
    return out


def shared_anchors(src_texts: Sequence[str], tgt_texts: Sequence[str]) -> tuple[list[Counter], list[Counter]]:
    """Each sentence's anchors, keeping only those that occur somewhere on the other side too."""
    known = names(src_texts, tgt_texts)
    src = [Counter(anchor_tokens(t, known)) for t in src_texts]
    tgt = [Counter(anchor_tokens(t, known)) for t in tgt_texts]
    shared = set().union(*src, set()) & set().union(*tgt, set())
    keep = [Counter({k: v for k, v in c.items() if k in shared}) for c in (*src, *tgt)]
    return keep[: len(src)], keep[len(src) :]


def mismatch_share(source: Counter, target: Counter) -> float:
    """Share of the two sentences' anchors that the other one lacks (0 when neither has any)."""
    total = sum(source.values()) + sum(target.values())
    return sum(((source - target) + (target - source)).values()) / total if total else 0.0


class Anchors:
    """Anchor counts of two documents, kept sparse so that long documents with thousands of
    distinct numbers and names cost memory and time by their anchors, not by sentences x anchors.

    Per source sentence its anchors; per target anchor the sorted sentence positions where it
    occurs (once per occurrence), so its count in any target block is two binary searches.
    """

    def __init__(self, src_texts: Sequence[str], tgt_texts: Sequence[str]) -> None:
        self.src, tgt = shared_anchors(src_texts, tgt_texts)
        self.size = len(set().union(*self.src, set()))
        self.tgt_per_sentence = np.array([sum(c.values()) for c in tgt], dtype=np.float64)
        self.tgt_cumulative = np.concatenate([[0.0], np.cumsum(self.tgt_per_sentence)])
        positions: dict[str, list[int]] = {}
        for k, counts in enumerate(tgt):
            for token, count in counts.items():
                positions.setdefault(token, []).extend([k] * count)
        self.tgt_positions = {token: np.array(found) for token, found in positions.items()}
        self._blocks: dict[tuple[int, int], Counter] = {}

    def src_counts(self) -> np.ndarray:
        """Anchors per source sentence (what skipping it leaves unmatched)."""
        return np.array([sum(c.values()) for c in self.src], dtype=np.float64)

    def tgt_counts(self) -> np.ndarray:
        return self.tgt_per_sentence

    def mismatch(self, i: int, a: int, js: np.ndarray, b: int) -> np.ndarray:
        """Anchors of source block (i, a) and each target block (j, b) that the other lacks:
        sum over anchors of |target count - source count|, i.e. the target block's total plus,
        for each anchor of the source block, |t - s| - t."""
        js = np.asarray(js)
        result = self.tgt_cumulative[js + b] - self.tgt_cumulative[js]
        source = self._blocks.get((i, a))
        if source is None:
            source = self._blocks[(i, a)] = sum(self.src[i : i + a], Counter())
        for token, count in source.items():
            found = self.tgt_positions[token]
            inside = np.searchsorted(found, js + b) - np.searchsorted(found, js)
            result = result + np.abs(inside - count) - inside
        return result
