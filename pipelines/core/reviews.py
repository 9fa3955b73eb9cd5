"""Human work as typed records: what an annotator decided about one item.

:mod:`pipelines.labelstudio` reads Label Studio's JSON when it pulls and writes these rows
(``annotations/<kind>.human.jsonl``); every other layer (export, training, agreement) reads
the typed fields and never Label Studio's JSON. The pull also keeps Label Studio's snapshot
export (``annotations/<kind>.json``), so a newer reading of it (``corpus annotate reparse``)
never needs the server again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipelines.core.errors import StageError
from pipelines.core.hashing import text_hash
from pipelines.core.records import Alignment, Event, Record, Sentence, SentenceEntities, Span

REVIEW_KINDS = ("tagging", "alignment", "translation")
ReviewKind = Literal["tagging", "alignment", "translation"]
PostEditDecision = Literal["good", "edited", "cannot"]
ACCEPTING_VERDICTS = ("correct", "partial")  # the picked candidate is a full or partial translation
TYPED_FIELDS = ("verdict", "pick", "entities", "events")


class TextSpan(Record):
    start: int
    end: int
    text: str


class LabelledSpan(TextSpan):
    label: str


class EventArgument(TextSpan):
    role: str  # actor, recipient, place, time (or what the annotator's relation says)
    code: str | None = None  # CAMEO actor code


class EventDate(Record):
    text: str
    iso: str | None
    granularity: str | None


class CodedEvent(Record):
    """An event as the dataset's ``events`` config holds it, predicted or annotated."""

    type: str
    mode: str | None
    cameo: str | None
    trigger: TextSpan
    arguments: list[EventArgument]
    date: EventDate | None
    negated: bool
    historical: bool

    @classmethod
    def from_event(cls, event: Event) -> CodedEvent:
        """The tagger's event in this shape (the shape a human review has): the one conversion."""

        def span(value: Span) -> dict:
            return {"start": value.start, "end": value.end, "text": value.text}

        roles = [("actor", a) for a in event.actor] + [("recipient", a) for a in event.recipient]
        arguments = [EventArgument(**span(a), role=role, code=a.code) for role, a in roles]
        if event.location:
            arguments.append(EventArgument(**span(event.location), role="place"))
        if event.date:
            arguments.append(EventArgument(**span(event.date), role="time"))
        date = event.date and EventDate(text=event.date.text, iso=event.date.iso, granularity=event.date.granularity)
        return cls(
            type=event.type,
            mode=event.mode,
            cameo=event.cameo,
            trigger=TextSpan(**span(event.trigger)),
            arguments=arguments,
            date=date,
            negated=event.negated,
            historical=event.historical,
        )


class Review(BaseModel):
    """The latest submitted annotation of one item (``sent_id`` or ``align_id``), as decided.

    ``stale`` marks an annotation of text that has since changed: kept, never applied.
    Alignment reviews fill ``verdict`` and ``pick`` (the 1-based review candidate chosen, None
    for none); tagging reviews fill ``entities`` and ``events``.
    """

    model_config = ConfigDict(extra="allow")

    key: str
    kind: ReviewKind
    task_id: int
    annotation_id: int
    completed_by: Any = None
    updated_at: str | None = None
    # sha1 of the text the annotator saw: a row is applied only while the corpus text still has it
    text_sha1: str = Field(pattern=r"^[0-9a-f]{40}$")
    stale: bool
    verdict: Literal["correct", "partial", "incorrect"] | None
    pick: int | None
    entities: list[LabelledSpan]
    events: list[CodedEvent]
    # post-editing reviews: the annotator's translation of the German sentence and the decision
    # ("good" as the machine wrote it, "edited", or "cannot" be translated); ``machine`` is the
    # machine translation the task showed, so the edit rate is measured against what was seen
    translation: str | None = None
    decision: PostEditDecision | None = None
    machine: str | None = None

    @property
    def accepted(self) -> bool:
        """An alignment reviewer's yes: the picked candidate is a full or partial translation."""
        return self.verdict in ACCEPTING_VERDICTS

    @property
    def post_edit(self) -> str | None:
        """The human translation a post-editing review gives: None for "cannot" or an empty box."""
        if self.kind != "translation" or self.decision not in ("good", "edited"):
            return None
        return (self.translation or "").strip() or None


def review_sha1(text: str) -> str:
    """The fingerprint a tagging task carries: the sentence text the annotator saw."""
    return text_hash(text, 40)


def alignment_review_sha1(row: Alignment) -> str:
    """The fingerprint an alignment-review task carries: the German text and every candidate shown."""
    return review_sha1(row.src_text + "\n" + "\n".join(c.text or "" for c in row.review_candidates()))


def tagging_fingerprints(rows: Iterable[Sentence | SentenceEntities]) -> dict[str, str]:
    """``sent_id`` -> the fingerprint its tagging task carries."""
    return {row.sent_id: review_sha1(row.text) for row in rows}


def alignment_fingerprints(rows: Iterable[Alignment]) -> dict[str, str]:
    """``align_id`` -> the fingerprint its alignment-review task carries."""
    return {row.align_id: alignment_review_sha1(row) for row in rows}


def read_reviews(path: Path) -> dict[str, Review]:
    """Pulled reviews by key; a bad row is reported as ``file:line: problem``."""
    if not path.exists():
        return {}
    rows = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                row = Review.model_validate_json(line)
            except ValidationError as error:
                missing = {str(e["loc"][0]) for e in error.errors() if e["type"] == "missing" and e["loc"]}
                if missing and missing <= set(TYPED_FIELDS):
                    raise StageError(
                        f"{path}:{number}: pulled by an older version of the pipeline "
                        f"(no {', '.join(sorted(missing))}); "
                        "run `corpus annotate reparse` (offline) or `corpus annotate pull` to read it again"
                    ) from None
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in item['loc']) or 'row'}: {item['msg']}" for item in error.errors()
                )
                raise StageError(f"{path}:{number}: not a human-annotation row: {problems}") from None
            rows[row.key] = row
    return rows


def review_locations(path: Path) -> dict[str, str]:
    """Each key's row as ``file:line`` (the last row of a key wins, as in ``read_reviews``), for
    errors found after reading, so that a user knows which line to fix."""
    locations = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if path.exists() else []:
        if line.strip():
            locations[str(json.loads(line).get("key"))] = f"{path}:{number}"
    return locations


def current_reviews(reviews: dict[str, Review], fingerprints: dict[str, str]) -> dict[str, Review]:
    """Reviews marked stale again against the corpus as it is now (not only as at the last pull):
    an annotation of text that has since changed, or of an item that is gone, is kept but not applied."""
    return {
        key: row if row.stale or fingerprints.get(key) == row.text_sha1 else row.model_copy(update={"stale": True})
        for key, row in reviews.items()
    }
