"""A translation memory of the annotators' post-edits, as CAT tools keep one.

An exact German sentence seen again (in another document, or after a re-segmentation) reuses
its human translation; the translate stage applies it and labels the row ``human (memory)``.
A near match is only a suggestion shown to the post-editor, with its fuzzy score: the
character-level similarity (difflib's ratio, 0-100) of the two German sentences, as CAT tools
report match percentages. Exact matching ignores surrounding and repeated white space.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

from pipelines.core.reviews import Review

FUZZY_MIN = 75  # CAT tools' usual floor for showing a fuzzy match
LENGTH_SLACK = 0.25  # a candidate whose length differs more cannot reach FUZZY_MIN (ratio bound)


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Match:
    score: int  # 0-100
    german: str
    english: str


class TranslationMemory:
    """German sentence -> the annotators' translation (the latest post-edit wins)."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self.entries: dict[str, str] = {}
        for german, english in pairs:
            self.entries[normalised(german)] = english

    @classmethod
    def from_reviews(cls, reviews: Iterable[Review], sources: dict[str, str]) -> TranslationMemory:
        """Current (not stale) post-edits; ``sources`` maps each reviewed sent_id to its German text."""
        pairs = [
            (sources[r.key], r.post_edit)
            for r in sorted(reviews, key=lambda r: (r.updated_at or "", r.annotation_id))
            if not r.stale and r.post_edit and r.key in sources
        ]
        return cls(pairs)  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self.entries)

    def pairs(self) -> list[tuple[str, str]]:
        return list(self.entries.items())

    def exact(self, german: str) -> str | None:
        return self.entries.get(normalised(german))

    def nearest(self, german: str, minimum: int = FUZZY_MIN) -> Match | None:
        """The best fuzzy match of at least ``minimum`` other than the sentence itself."""
        key = normalised(german)
        best: Match | None = None
        for other, english in self.entries.items():
            if other == key or abs(len(other) - len(key)) > LENGTH_SLACK * max(len(key), 1):
                continue
            matcher = SequenceMatcher(None, key, other, autojunk=False)
            if matcher.quick_ratio() * 100 < max(minimum, best.score if best else 0):
                continue
            score = round(matcher.ratio() * 100)
            if score >= minimum and (best is None or score > best.score):
                best = Match(score, other, english)
        return best
