"""Dataset rows per config, from records and reviewed (merged human/model) items."""

from __future__ import annotations

from typing import Any

from pipelines.core.records import Alignment, Document, Sentence, SentenceEntities, SentenceEvents
from pipelines.labelstudio.results import Reviewed


def alignment_rows(rows: list[Alignment], reviewed: dict[str, Reviewed]) -> tuple[list[dict], list[dict]]:
    parallel, everything = [], []
    for row in rows:
        item = reviewed[row.align_id]
        source, verdict = item.source, item.verdict()
        candidate_ids, candidate_doc, candidate = row.candidate()
        candidate = candidate or ""
        common = {
            "align_id": row.align_id,
            "machine_translation": row.translation,
            "translation_engine": row.translation_engine,
            "score": row.score,
            "method": row.method,
            "de_doc": row.src_doc,
            "en_doc": candidate_doc,
            "source": source,
            "verdict": verdict,
        }
        everything.append(
            {
                **common,
                "status": row.status,
                "de": row.src_text,
                "en_candidate": candidate,
                "mutual_best": bool(row.components.get("mutual_best", 1.0)),
            }
        )
        accepted = verdict in ("correct", "partial") if source == "human" else row.status == "match"
        if accepted and candidate:
            parallel.append(
                {
                    **common,
                    "translation": {"de": row.src_text, "en": candidate},
                    "scores": {k: row.components.get(k) for k in ("cosine", "chrf_mt", "margin")},
                    "embedding_model": row.embedding_model,
                    "de_ids": row.src_ids,
                    "en_ids": candidate_ids,
                }
            )
    return parallel, everything


def bio_tags(sentence: Sentence, spans: list[dict]) -> list[str]:
    tags = ["O"] * len(sentence.tokens)
    for span in sorted(spans, key=lambda s: (s["start"], -s["end"])):
        inside = [k for k, t in enumerate(sentence.tokens) if t.start < span["end"] and t.end > span["start"]]
        if not inside or any(tags[k] != "O" for k in inside):
            continue
        tags[inside[0]] = f"B-{span['label']}"
        for k in inside[1:]:
            tags[k] = f"I-{span['label']}"
    return tags


def ner_row(sentence: Sentence, entities: SentenceEntities, item: Reviewed) -> dict:
    if not item.human:
        spans = [
            {"start": e.start, "end": e.end, "text": e.text, "label": e.label, "type_source": e.type_source}
            for e in entities.entities
        ]
    else:
        spans = [{**s, "type_source": "human"} for s in item.entity_spans()]
    return {
        "sent_id": sentence.sent_id,
        "doc_id": sentence.doc_id,
        "lang": sentence.lang,
        "text": sentence.text,
        "tokens": [t.text for t in sentence.tokens],
        "ner_tags": bio_tags(sentence, spans),
        "spans": spans,
        "source": item.source,
    }


def _span(value: Any) -> dict:
    return {"start": value.start, "end": value.end, "text": value.text}


def events_from_predictions(row: SentenceEvents) -> list[dict]:
    events = []
    for event in row.events:
        arguments = [{**_span(a), "role": "actor", "code": a.code} for a in event.actor]
        arguments += [{**_span(a), "role": "recipient", "code": a.code} for a in event.recipient]
        if event.location:
            arguments.append({**_span(event.location), "role": "place", "code": None})
        if event.date:
            arguments.append({**_span(event.date), "role": "time", "code": None})
        date = (
            {"text": event.date.text, "iso": event.date.iso, "granularity": event.date.granularity}
            if event.date
            else None
        )
        events.append(
            {
                "type": event.type,
                "mode": event.mode,
                "cameo": event.cameo,
                "trigger": _span(event.trigger),
                "arguments": arguments,
                "date": date,
                "negated": event.negated,
                "historical": event.historical,
            }
        )
    return events


def document_row(document: Document) -> dict:
    return {
        "doc_id": document.doc_id,
        "lang": document.lang,
        "title": document.title,
        "text": document.text,
        "sections": [
            {"section": p.section, "kind": p.kind, "start": p.start, "end": p.end, "text": p.text}
            for p in document.paragraphs
        ],
        "source": document.source,
        "url": document.url,
        "licence": document.licence,
    }


def events_row(sentence: Sentence, predicted: SentenceEvents, item: Reviewed) -> dict:
    found = item.events(sentence.lang) if item.human else events_from_predictions(predicted)
    return {
        "sent_id": sentence.sent_id,
        "doc_id": sentence.doc_id,
        "lang": sentence.lang,
        "text": sentence.text,
        "events": found,
        "source": item.source,
    }
