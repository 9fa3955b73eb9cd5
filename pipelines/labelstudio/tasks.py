"""Records → Label Studio tasks and predictions (the push direction), validated before sending.

Tasks are keyed by the pipeline's stable ids (``sent_id``, ``align_id``) and carry a hash
of the text they show, so an annotation made on text that later changed can be told apart.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipelines.core.errors import StageError
from pipelines.core.io import read_jsonl
from pipelines.core.layout import ANNOTATIONS, human_file, sentence_file
from pipelines.core.records import (
    REVIEW_CANDIDATES,
    Alignment,
    Sentence,
    SentenceEntities,
    SentenceEvents,
    Translation,
)
from pipelines.core.reviews import (
    alignment_fingerprints,
    alignment_review_sha1,
    read_reviews,
    review_sha1,
    tagging_fingerprints,
)
from pipelines.core.translation_memory import TranslationMemory
from pipelines.tagging.labels import prediction_version

PROJECTS = {
    "tagging": "Corpus · entities and events",
    "alignment": "Corpus · alignment review",
    "translation": "Corpus · translation post-editing",
}
SUPERSEDED = "superseded"  # task data field: "yes: …" on tasks whose item left the corpus (filterable column)
NOT_SUPERSEDED = "no"
KEY_FIELD = {"tagging": "sent_id", "alignment": "align_id", "translation": "sent_id"}
# what an annotator reads in a task: a task with our key whose fields differ is not ours
SHOWN_FIELDS = {
    "tagging": ("text", "text_sha1"),
    "alignment": ("src_text", "candidate_1", "candidate_2", "candidate_3", "text_sha1"),
    "translation": ("german", "text_sha1"),
}


def label_interface(kind: str, configs: Path) -> Any:
    from label_studio_sdk.label_interface import LabelInterface

    return LabelInterface(config_text(kind, configs))


def config_text(kind: str, configs: Path) -> str:
    path = configs / f"{kind}.xml"
    if not path.exists():
        raise StageError(f"{path}: labelling config missing")
    return path.read_text(encoding="utf-8")


def _span_region(region_id: str, control: str, start: int, end: int, text: str, label: str) -> dict:
    return {
        "id": region_id,
        "from_name": control,
        "to_name": "text",
        "type": "labels",
        "value": {"start": start, "end": end, "text": text, "labels": [label]},
    }


def tagging_task(entities_row: Any, events_row: Any, translation: str = "") -> tuple[dict, list[dict]]:
    """Task data and prediction result for one sentence (entities, triggers, relations, details)."""
    text = entities_row.text
    result: list[dict] = []
    region_of_span: dict[tuple[int, int], str] = {}
    for entity in entities_row.entities:
        region_id = f"{entity.ent_id}-{entity.start}"
        region_of_span[(entity.start, entity.end)] = region_id
        result.append(_span_region(region_id, "entities", entity.start, entity.end, entity.text, entity.label))
    for number, event in enumerate(events_row.events):
        trigger = event.trigger
        trigger_id = f"t{number}-{trigger.start}"
        result.append(_span_region(trigger_id, "triggers", trigger.start, trigger.end, trigger.text, event.type))
        span_value = {"start": trigger.start, "end": trigger.end, "text": trigger.text}
        if event.cameo:
            result.append(
                {
                    "id": trigger_id,
                    "from_name": "cameo",
                    "to_name": "text",
                    "type": "textarea",
                    "value": {**span_value, "text": [event.cameo]},
                }
            )
        codes = actor_codes_text(event)
        if codes:
            result.append(
                {
                    "id": trigger_id,
                    "from_name": "actor_codes",
                    "to_name": "text",
                    "type": "textarea",
                    "value": {**span_value, "text": [codes]},
                }
            )
        if event.mode:
            result.append(
                {
                    "id": trigger_id,
                    "from_name": "mode",
                    "to_name": "text",
                    "type": "textarea",
                    "value": {**span_value, "text": [event.mode]},
                }
            )
        flags = [name for name, on in (("negated", event.negated), ("historical", event.historical)) if on]
        if flags:
            result.append(
                {
                    "id": trigger_id,
                    "from_name": "flags",
                    "to_name": "text",
                    "type": "choices",
                    "value": {**span_value, "choices": flags},
                }
            )
        arguments = [("actor", a) for a in event.actor] + [("recipient", a) for a in event.recipient]
        arguments += [("time", event.date)] if event.date else []
        arguments += [("place", event.location)] if event.location else []
        for role, argument in arguments:
            target = region_of_span.get((argument.start, argument.end))
            if target is not None:
                result.append(
                    {"type": "relation", "from_id": trigger_id, "to_id": target, "direction": "right", "labels": [role]}
                )
    data = {
        "sent_id": entities_row.sent_id,
        "doc_id": entities_row.doc_id,
        "lang": entities_row.lang,
        "text": text,
        "translation": translation or "(none: an English sentence, or no translation)",
        "text_sha1": review_sha1(text),
        SUPERSEDED: NOT_SUPERSEDED,
    }
    return data, result


def actor_codes_text(event: Any) -> str:
    """``actor=PRKGOV; recipient=CUB``: the actor codes annotators check and correct."""
    parts = [f"{role}={a.code}" for role, group in (("actor", event.actor), ("recipient", event.recipient))
             for a in group if a.code]  # fmt: skip
    return "; ".join(parts)


def alignment_task(row: Alignment, translation: Translation | None, threshold: float | None) -> tuple[dict, list[dict]]:
    """Task data and prediction for one German sentence and its top English candidates.

    The annotator picks the candidate that matches (``pick``: 1..3 or none) and says whether it
    is a full translation or a partial overlap (``verdict``). Candidate 1 is what the aligner
    linked (or its best guess for ``no_match``); the task shows the aligner's status, margin and
    threshold, and the translation's quality and flags, but ticks nothing for the reviewer.
    """
    candidates = row.review_candidates()
    data = {
        "align_id": row.align_id,
        "src_ids": row.src_ids,
        "src_doc": row.src_doc,
        "src_text": row.src_text,
        "translation": row.translation or "",
        "translation_engine": row.translation_engine or "none",
        "translation_quality": "n/a" if translation is None or translation.quality is None else translation.quality,
        "translation_flags": "; ".join(translation.flags) if translation is not None and translation.flags else "none",
        "score": row.score,
        "threshold": "n/a" if threshold is None else threshold,
        "status": row.status,
        "method": row.method,
        SUPERSEDED: NOT_SUPERSEDED,
    }
    for k in range(REVIEW_CANDIDATES):
        shown = candidates[k] if k < len(candidates) else None
        data[f"candidate_{k + 1}"] = (shown.text if shown else None) or ""
        data[f"candidate_{k + 1}_doc"] = (shown.tgt_doc if shown else None) or ""
        data[f"candidate_{k + 1}_ids"] = shown.tgt_ids if shown else []
        data[f"candidate_{k + 1}_score"] = shown.score if shown else None
    data["tgt_ids"], data["tgt_doc"], data["tgt_text"] = (
        data["candidate_1_ids"], data["candidate_1_doc"], data["candidate_1"]
    )  # fmt: skip
    data["text_sha1"] = alignment_review_sha1(row)
    return data, []  # nothing pre-ticked: the aligner's decision is in the header, the choice is the reviewer's


def translation_task(
    row: Translation, previous: str, following: str, memory: TranslationMemory
) -> tuple[dict, list[dict]]:
    """Task data and prediction for post-editing one German sentence's translation.

    The text area starts as the machine translation (the prediction); the decision is left for
    the annotator. ``priority`` orders the queue: rejected and flagged rows first, then by quality.
    """
    machine = row.text or row.rejected or ""
    suggestion = memory.nearest(row.source)
    flags = "; ".join(row.flags) if row.flags else "none"
    data = {
        "sent_id": row.sent_id,
        "doc_id": row.doc_id,
        "lang": row.src_lang,
        "german": row.source,  # not "source": Label Studio shows the whole task for $source
        "previous": previous,
        "next": following,
        "machine": machine,
        "engine": f"{row.provenance.engine}: {row.provenance.model or ''}".strip(": "),
        "quality": row.quality if row.quality is not None else "n/a",
        "flags": flags,
        "status": "rejected" if row.rejected is not None else "flagged" if row.flagged else "passed checks",
        "priority": post_edit_priority(row),
        "memory": f"{suggestion.english} ({suggestion.score}% match: {suggestion.german})" if suggestion else "none",
        "text_sha1": review_sha1(row.source),
        SUPERSEDED: NOT_SUPERSEDED,
    }
    result = [
        {
            "id": "translation",
            "from_name": "translation",
            "to_name": "src",
            "type": "textarea",
            "value": {"text": [machine]},
        }
    ]
    return data, result


def post_edit_priority(row: Translation) -> int:
    """0 rejected, 1 flagged, then 2-11 by quality (lower quality first): Label Studio sorts by it."""
    if row.rejected is not None:
        return 0
    if row.flagged:
        return 1
    return 2 + min(9, int((row.quality or 0.0) * 10))


def translation_items(
    rows: list[Translation], sentences: dict[str, list[Sentence]], memory: TranslationMemory
) -> tuple[list[tuple[dict, list[dict]]], str]:
    """Post-editing tasks (most urgent first) with the document's neighbouring sentences."""
    neighbours: dict[str, tuple[str, str]] = {}
    for members in sentences.values():
        ordered = sorted(members, key=lambda s: s.index)
        for position, sentence in enumerate(ordered):
            before = ordered[position - 1].text if position else ""
            after = ordered[position + 1].text if position + 1 < len(ordered) else ""
            neighbours[sentence.sent_id] = (before, after)
    ordered_rows = sorted(rows, key=lambda r: (post_edit_priority(r), r.quality or 0.0, r.sent_id))
    items = [translation_task(r, *neighbours.get(r.sent_id, ("", "")), memory) for r in ordered_rows]
    return items, prediction_version("translation", [r.provenance for r in rows])


def validate_result(interface: Any, data: dict, result: list[dict], where: str) -> None:
    """What the server does not check: config names/labels, span text, relation ends."""
    problems = interface.validate_prediction({"result": result}, return_errors=True)
    problems = (
        []
        if problems is True
        else [str(p) for item in (problems or []) for p in (item if isinstance(item, list) else [item])]
    )
    region_ids = {r["id"] for r in result if r.get("type") != "relation"}
    for region in result:
        if region.get("type") == "relation":
            for end in ("from_id", "to_id"):
                if region[end] not in region_ids:
                    problems.append(f"relation {region[end]!r} points to no region")
            continue
        value = region.get("value", {})
        if "start" in value and region.get("type") != "textarea":
            text = data.get(region["to_name"], "")
            if text[value["start"] : value["end"]] != value.get("text"):
                problems.append(
                    f"region {region['id']}: text[{value['start']}:{value['end']}] is "
                    f"{text[value['start'] : value['end']]!r}, not {value.get('text')!r}"
                )
    if problems:
        raise StageError(f"{where}: invalid prediction: " + "; ".join(problems))


def tagging_items(
    entities: list[SentenceEntities], events: dict[str, SentenceEvents], translations: dict[str, str] | None = None
) -> tuple[list[tuple[dict, list[dict]]], str]:
    """Tagging tasks with their predictions (German sentences show their translation), and the
    model version that made them."""
    translations = translations or {}
    items = [tagging_task(row, events[row.sent_id], translations.get(row.sent_id, "")) for row in entities]
    return items, prediction_version("tagging", [r.provenance for r in entities])


def alignment_items(
    rows: list[Alignment], translations: dict[str, Translation] | None = None, threshold: float | None = None
) -> tuple[list[tuple[dict, list[dict]]], str]:
    """Alignment-review tasks with their predictions, and the model version that made them."""
    translations = translations or {}
    items = [alignment_task(r, translations.get(r.src_ids[0]) if r.src_ids else None, threshold) for r in rows]
    return items, prediction_version("alignment", [r.provenance for r in rows])


def corpus_translations(corpus: Path) -> dict[str, Translation]:
    path = corpus / "translations.jsonl"
    return {t.sent_id: t for t in read_jsonl(path, Translation)} if path.exists() else {}


def build_items(kind: str, corpus: Path, annotations: Path = ANNOTATIONS) -> tuple[list[tuple[dict, list[dict]]], str]:
    """The tasks of one project kind, from the corpus files."""
    if kind == "tagging":
        entities = list(read_jsonl(corpus / "entities.jsonl", SentenceEntities))
        events = {r.sent_id: r for r in read_jsonl(corpus / "events.jsonl", SentenceEvents)}
        return tagging_items(entities, events, {k: t.text for k, t in corpus_translations(corpus).items()})
    if kind == "alignment":
        metrics = corpus / "metrics" / "align.json"
        threshold = json.loads(metrics.read_text(encoding="utf-8")).get("threshold") if metrics.exists() else None
        rows = list(read_jsonl(corpus / "alignments.jsonl", Alignment))
        return alignment_items(rows, corpus_translations(corpus), threshold)
    if kind == "translation":
        rows = list(read_jsonl(corpus / "translations.jsonl", Translation))
        documents = {r.doc_id for r in rows}
        sentences = {doc: list(read_jsonl(sentence_file(corpus / "sentences", doc), Sentence)) for doc in documents}
        reviews = read_reviews(human_file(annotations, "translation"))
        memory = TranslationMemory.from_reviews(reviews.values(), {r.sent_id: r.source for r in rows})
        return translation_items(rows, sentences, memory)
    raise StageError(f"unknown project kind {kind!r}; use {', '.join(PROJECTS)}")


def current_fingerprints(kind: str, corpus: Path) -> dict[str, str]:
    """Each item's key -> the fingerprint of the text its task would show now (from the records:
    the tasks themselves are not built)."""
    if kind == "tagging":
        return tagging_fingerprints(read_jsonl(corpus / "entities.jsonl", SentenceEntities))
    if kind == "alignment":
        return alignment_fingerprints(read_jsonl(corpus / "alignments.jsonl", Alignment))
    if kind == "translation":
        return {row.sent_id: review_sha1(row.source) for row in read_jsonl(corpus / "translations.jsonl", Translation)}
    raise StageError(f"unknown project kind {kind!r}; use {', '.join(PROJECTS)}")
