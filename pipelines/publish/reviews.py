"""Predictions merged with human reviews: per item, a current human review wins."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipelines.core.layout import human_file
from pipelines.core.reviews import Review, ReviewKind, current_reviews, read_reviews


@dataclass(frozen=True)
class Reviewed:
    """One item after merging: the human review (unless stale), else the model's prediction."""

    model_version: str  # the predictions' version (what the annotators were shown)
    review: Review | None = None

    @property
    def human(self) -> bool:
        return self.review is not None

    @property
    def annotation_source(self) -> str:
        """The dataset's ``annotation_source`` column: ``human`` or ``model:<version>``."""
        return "human" if self.review is not None else f"model:{self.model_version}"


def merge(fingerprints: dict[str, str], reviews: dict[str, Review], version: str) -> dict[str, Reviewed]:
    """Every predicted item (key -> the fingerprint of its text now), with its current review if any."""
    current = current_reviews(reviews, fingerprints)
    merged = {}
    for key in fingerprints:
        review = current.get(key)
        merged[key] = Reviewed(version, review if review is not None and not review.stale else None)
    return merged


def reviewed_items(
    kind: ReviewKind, fingerprints: dict[str, str], version: str, annotations: Path
) -> dict[str, Reviewed]:
    """The pulled reviews of one project kind merged into its predicted items."""
    return merge(fingerprints, read_reviews(human_file(annotations, kind)), version)
