"""Label Studio results → typed reviews (the pull direction).

The only reader of Label Studio's result JSON: a pulled annotation becomes a
:class:`~pipelines.core.reviews.Review` (verdict and pick, entity spans, coded events), and
nothing downstream sees the JSON again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipelines.core.errors import StageError, warn
from pipelines.core.reviews import (
    ACCEPTING_VERDICTS,
    CodedEvent,
    EventArgument,
    EventDate,
    LabelledSpan,
    Review,
    TextSpan,
)
from pipelines.labelstudio.tasks import KEY_FIELD
from pipelines.tagging.dates import normalise_date

DETAIL_CONTROLS = ("cameo", "mode", "flags", "actor_codes")


def human_rows(kind: str, exported: list[dict], current: dict[str, str]) -> list[Review]:
    """The latest submitted (not cancelled) annotation per task, keyed by the pipeline id.

    ``current`` maps keys to the text hash the corpus has now; an annotation made on other
    text is kept, marked ``stale`` (never dropped).
    """
    key = KEY_FIELD[kind]
    rows = []
    for task in exported:
        annotations = [a for a in task.get("annotations", []) if not a.get("was_cancelled")]
        if not annotations:
            continue
        latest = max(annotations, key=lambda a: (a.get("updated_at") or "", a["id"]))
        data = task["data"]
        item = data.get(key)
        if not data.get("text_sha1"):
            warn(f"Label Studio task {task['id']} ({item!r}) has no text_sha1: not pushed by this pipeline; skipped")
            continue
        try:
            decided = read_result(kind, latest.get("result", []), data.get("lang", "en"))
            if kind == "translation":
                decided["machine"] = data.get("machine")
        except (KeyError, IndexError, TypeError, ValueError) as error:
            raise StageError(f"Label Studio task {task['id']} ({item!r}): unreadable result ({error!r})") from None
        rows.append(
            Review(
                key=item,
                kind=kind,
                task_id=task["id"],
                annotation_id=latest["id"],
                completed_by=latest.get("completed_by"),
                updated_at=latest.get("updated_at"),
                text_sha1=data["text_sha1"],
                stale=current.get(item) != data["text_sha1"],
                **decided,
            )
        )
    return sorted(rows, key=lambda r: str(r.key))


def read_result(kind: str, result: list[dict], lang: str) -> dict[str, Any]:
    """What one annotation decided, as the typed fields of a review."""
    if kind == "alignment":
        verdict = _choice(result, "verdict")
        return {"verdict": verdict, "pick": _pick(result, verdict), "entities": [], "events": []}
    if kind == "translation":
        return {
            "verdict": None,
            "pick": None,
            "entities": [],
            "events": [],
            "translation": _text(result, "translation"),
            "decision": _choice(result, "decision"),
        }
    return {"verdict": None, "pick": None, "entities": _spans(result, "entities"), "events": _events(result, lang)}


def _choice(result: list[dict], control: str) -> str | None:
    return next((r["value"]["choices"][0] for r in result if r.get("from_name") == control), None)


def _text(result: list[dict], control: str) -> str | None:
    """A text area's content (Label Studio keeps a list of submitted lines; they are joined)."""
    for region in result:
        if region.get("from_name") == control:
            lines = region.get("value", {}).get("text") or []
            return " ".join(str(line).strip() for line in lines if str(line).strip()) or None
    return None


def _pick(result: list[dict], verdict: str | None) -> int | None:
    """Which review candidate (1-based) the annotator chose; None for "none".

    Annotations from before the candidate list have no ``pick``: they judged the one
    candidate shown, which is candidate 1.
    """
    choice = _choice(result, "pick")
    if choice is None:
        return 1 if verdict in ACCEPTING_VERDICTS else None
    return int(choice) if choice.isdigit() else None


def _regions(result: list[dict], control: str) -> list[tuple[str, LabelledSpan]]:
    return [
        (r["id"], LabelledSpan(start=v["start"], end=v["end"], text=v["text"], label=v["labels"][0]))
        for r in result
        if r.get("from_name") == control and (v := r.get("value", {})).get("labels")
    ]


def _spans(result: list[dict], control: str) -> list[LabelledSpan]:
    return [span for _, span in _regions(result, control)]


def parse_actor_codes(text: str) -> dict[str, list[str]]:
    """``actor=PRKGOV; recipient=CUB`` -> codes per role, in order."""
    codes: dict[str, list[str]] = {}
    for part in text.split(";"):
        role, equals, code = part.partition("=")
        if equals and code.strip():
            codes.setdefault(role.strip(), []).append(code.strip().upper())
    return codes


def _events(result: list[dict], lang: str) -> list[CodedEvent]:
    """Events as an annotator left them: triggers, relations to argument spans, per-region details."""
    triggers = _regions(result, "triggers")
    regions = dict(_regions(result, "entities") + triggers)
    details: dict[str, dict] = {}
    for r in result:
        if r.get("from_name") in DETAIL_CONTROLS:
            value = r["value"]
            details.setdefault(r["id"], {})[r["from_name"]] = value.get("choices") or value.get("text")
    events = []
    for trigger_id, trigger in triggers:
        extra = details.get(trigger_id, {})
        codes = parse_actor_codes((extra.get("actor_codes") or [""])[0])
        arguments = []
        for relation in (r for r in result if r.get("type") == "relation" and r["from_id"] == trigger_id):
            target = regions.get(relation["to_id"])
            if target is None:
                continue
            for role in relation.get("labels") or ["argument"]:
                role_codes = codes.get(role, [])  # the n-th actor (recipient) gets the n-th code given
                span = TextSpan(start=target.start, end=target.end, text=target.text)
                arguments.append(
                    EventArgument(**span.model_dump(), role=role, code=role_codes.pop(0) if role_codes else None)
                )
        time = next((a for a in arguments if a.role == "time"), None)
        date = None
        if time is not None:
            iso, granularity = normalise_date(time.text, lang)
            date = EventDate(text=time.text, iso=iso, granularity=granularity)
        flags = extra.get("flags") or []
        events.append(
            CodedEvent(
                type=trigger.label,
                mode=(extra.get("mode") or [None])[0],
                cameo=(extra.get("cameo") or [None])[0],
                trigger=TextSpan(start=trigger.start, end=trigger.end, text=trigger.text),
                arguments=arguments,
                date=date,
                negated="negated" in flags,
                historical="historical" in flags,
            )
        )
    return events


def reparse(kind: str, snapshot: Path, current: dict[str, str]) -> list[Review]:
    """The reviews of a snapshot export pulled earlier (``annotations/<kind>.json``), read again."""
    if not snapshot.exists():
        raise StageError(f"{snapshot}: no snapshot export to read again; run `corpus annotate pull {kind}`")
    try:
        exported = json.loads(snapshot.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise StageError(f"{snapshot}: not a Label Studio export ({error})") from None
    return human_rows(kind, exported, current)
