"""Model vs human on the items people reviewed: per-label P/R, and the alignment accept rate."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from pipelines.core.corpus import load_alignments
from pipelines.core.io import read_jsonl
from pipelines.core.layout import ALIGNMENTS, ENTITIES, EVENTS, human_file
from pipelines.core.records import SentenceEntities, SentenceEvents
from pipelines.core.reviews import (
    Review,
    alignment_fingerprints,
    current_reviews,
    read_reviews,
    tagging_fingerprints,
)
from pipelines.tagging.labels import prediction_version

Spans = set[tuple[int, int, str]]


def label_scores(pairs: list[tuple[Spans, Spans]]) -> dict[str, dict[str, Any]]:
    """(model, human) span sets per reviewed item -> tp/fp/fn and precision/recall per label."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for model, gold in pairs:
        for span in model & gold:
            counts[span[2]]["tp"] += 1
        for span in model - gold:
            counts[span[2]]["fp"] += 1
        for span in gold - model:
            counts[span[2]]["fn"] += 1
    per_label = {}
    for label, c in sorted(counts.items()):
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else None
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else None
        per_label[label] = {**dict(c), "precision": precision, "recall": recall}
    return per_label


def tagging_agreement(
    entities: dict[str, SentenceEntities], events: dict[str, SentenceEvents], reviewed: dict[str, Review]
) -> dict[str, Any]:
    entity_pairs, trigger_pairs = [], []
    for key, review in reviewed.items():
        entity_pairs.append(
            (
                {(e.start, e.end, e.label) for e in entities[key].entities},
                {(s.start, s.end, s.label) for s in review.entities},
            )
        )
        trigger_pairs.append(
            (
                {(e.trigger.start, e.trigger.end, e.type) for e in events[key].events},
                {(e.trigger.start, e.trigger.end, e.type) for e in review.events},
            )
        )
    return {"reviewed": len(reviewed), "entities": label_scores(entity_pairs), "triggers": label_scores(trigger_pairs)}


def alignment_agreement(status: dict[str, str], reviewed: dict[str, Review]) -> dict[str, Any]:
    """The aligner's match / no match against the reviewer's verdict."""
    verdicts: Counter = Counter()
    for key, review in reviewed.items():
        model = "correct" if status[key] == "match" else "incorrect"
        verdicts[(model, review.verdict)] += 1
    said_match = sum(v for (m, _), v in verdicts.items() if m == "correct")
    return {
        "reviewed": len(reviewed),
        "matches_reviewed": said_match,
        "match_accept_rate": verdicts[("correct", "correct")] / said_match if said_match else None,
        "verdicts": {f"{m}->{c}": v for (m, c), v in sorted(verdicts.items(), key=str)},
    }


def agreement_report(corpus: Path, annotations: Path) -> dict[str, Any]:
    """Per project kind: the predictions' version, items, stale reviews, and the agreement."""
    entities = {r.sent_id: r for r in read_jsonl(corpus / ENTITIES.name, SentenceEntities)}
    events = {r.sent_id: r for r in read_jsonl(corpus / EVENTS.name, SentenceEvents)}
    alignments = load_alignments(corpus / ALIGNMENTS.name)
    predicted = {
        "tagging": (tagging_fingerprints(entities.values()), [r.provenance for r in entities.values()]),
        "alignment": (alignment_fingerprints(alignments), [r.provenance for r in alignments]),
    }
    report = {}  # post-edits are measured by the export (publish/post_editing.py), with the translations
    for kind, (fingerprints, provenances) in predicted.items():
        version = prediction_version(kind, provenances)
        current = current_reviews(read_reviews(human_file(annotations, kind)), fingerprints)
        reviewed = {key: row for key, row in current.items() if not row.stale}  # a current row's item exists
        figures = (
            tagging_agreement(entities, events, reviewed)
            if kind == "tagging"
            else alignment_agreement({r.align_id: r.status for r in alignments}, reviewed)
        )
        report[kind] = {
            "model_version": version,
            "items": len(fingerprints),
            "stale_annotations": len(current) - len(reviewed),
            **figures,
        }
    return report
