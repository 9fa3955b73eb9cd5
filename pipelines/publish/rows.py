"""Dataset rows per config, from records and reviewed (merged human/model) items."""

from __future__ import annotations

from pipelines.core.records import (
    Alignment,
    AlignmentCandidate,
    Document,
    Sentence,
    SentenceEntities,
    SentenceEvents,
    Translation,
)
from pipelines.core.reviews import CodedEvent
from pipelines.publish.reviews import Reviewed


def alignment_rows(rows: list[Alignment], reviewed: dict[str, Reviewed]) -> tuple[list[dict], list[dict]]:
    """``parallel`` (accepted pairs) and ``alignments`` (every German sentence with its candidates).

    A human review picks one of the candidates (or none) and says correct or partial; that
    choice, not the aligner's, decides the pair. Without one, the aligner's match stands.
    """
    parallel, everything = [], []
    for row in rows:
        item = reviewed[row.align_id]
        review = item.review
        verdict = review.verdict if review else None
        candidates = row.review_candidates()
        pick = review.pick if review else (1 if row.status == "match" else None)
        chosen = candidates[pick - 1] if pick and pick <= len(candidates) else None
        shown = chosen or (candidates[0] if candidates else None)
        common = {
            "align_id": row.align_id,
            "machine_translation": row.translation,
            "translation_engine": row.translation_engine,
            "score": row.score,
            "method": row.method,
            "de_doc": row.src_doc,
            "en_doc": shown.tgt_doc if shown else None,
            "annotation_source": item.annotation_source,
            "verdict": verdict,
            "human_pick": pick if review else None,
        }
        everything.append(
            {
                **common,
                "status": row.status,
                "de": row.src_text,
                "en_candidate": (shown.text if shown else None) or "",
                "mutual_best": bool(row.components.get("mutual_best", 1.0)),
                "candidates": [_candidate_row(c) for c in candidates],
            }
        )
        accepted = review.accepted if review else row.status == "match"
        if accepted and chosen and chosen.text:
            scores = {k: row.components.get(k) for k in ("cosine", "chrf_mt", "margin")}
            if pick != 1:  # a runner-up: its own scores
                scores = {"cosine": chosen.cosine, "chrf_mt": chosen.chrf_mt, "margin": chosen.score}
            parallel.append(
                {
                    **common,
                    "translation": {"de": row.src_text, "en": chosen.text},
                    "scores": scores,
                    "embedding_model": row.embedding_model,
                    "de_ids": row.src_ids,
                    "en_ids": chosen.tgt_ids,
                }
            )
    return parallel, everything


def _candidate_row(candidate: AlignmentCandidate) -> dict:
    return {
        "en": candidate.text or "",
        "en_doc": candidate.tgt_doc,
        "en_ids": candidate.tgt_ids,
        "score": candidate.score,
    }


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
    if item.review is None:
        spans = [
            {"start": e.start, "end": e.end, "text": e.text, "label": e.label, "type_source": str(e.type_source)}
            for e in entities.entities
        ]
    else:
        spans = [{**s.model_dump(), "type_source": "human"} for s in item.review.entities]
    return {
        "sent_id": sentence.sent_id,
        "doc_id": sentence.doc_id,
        "lang": sentence.lang,
        "text": sentence.text,
        "tokens": [t.text for t in sentence.tokens],
        "ner_tags": bio_tags(sentence, spans),
        "spans": spans,
        "annotation_source": item.annotation_source,
    }


def coded_events(row: SentenceEvents) -> list[CodedEvent]:
    """The tagger's events in the dataset's shape (the shape a human review has too)."""
    return [CodedEvent.from_event(event) for event in row.events]


def translation_row(translation: Translation) -> dict:
    """One translation: the final text and who wrote it (a human post-edit, or the machine), with
    the machine translation beside it and the engine, model and checks that describe that."""
    provenance = translation.provenance
    machine = translation.machine if translation.translation_source.startswith("human") else translation.text
    return {
        "sent_id": translation.sent_id,
        "doc_id": translation.doc_id,
        "de": translation.source,
        "en": translation.text,
        "translation_source": translation.translation_source or f"model:{provenance.engine}",
        "machine_translation": machine,
        "rejected": translation.rejected,
        "engine": provenance.engine,
        "model": provenance.model,
        "model_sha256": provenance.model_sha256,
        "prompt": translation.settings.get("prompt"),
        "substitute_for": provenance.substitute_for,
        "quality": translation.quality,
        "flagged": translation.flagged,
        "flags": translation.flags,
        "attempts": translation.attempts,
    }


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
        "publisher": document.source,
        "url": document.url,
        "licence": document.licence,
    }


def events_row(sentence: Sentence, predicted: SentenceEvents, item: Reviewed) -> dict:
    found = item.review.events if item.review is not None else coded_events(predicted)
    return {
        "sent_id": sentence.sent_id,
        "doc_id": sentence.doc_id,
        "lang": sentence.lang,
        "text": sentence.text,
        "events": [event.model_dump() for event in found],
        "annotation_source": item.annotation_source,
    }
