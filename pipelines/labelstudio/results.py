"""Label Studio results → records (the pull direction): human rows, merge, agreement.

Only this module reads Label Studio's result JSON. The export asks it for
:class:`Reviewed` items and gets verdicts, entity spans and events back as plain rows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pipelines.core.errors import StageError, warn
from pipelines.core.layout import human_file
from pipelines.core.records import HumanAnnotation, Sentence
from pipelines.labelstudio.tasks import KEY_FIELD, PROJECTS, build_items, sha1
from pipelines.tagging.dates import normalise_date


def human_rows(kind: str, exported: list[dict], current: dict[str, str]) -> list[dict]:
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
        item = task["data"].get(key)
        if not task["data"].get("text_sha1"):
            warn(f"Label Studio task {task['id']} ({item!r}) has no text_sha1: not pushed by this pipeline; skipped")
            continue
        rows.append(
            {
                "key": item,
                "kind": kind,
                "task_id": task["id"],
                "annotation_id": latest["id"],
                "completed_by": latest.get("completed_by"),
                "updated_at": latest.get("updated_at"),
                "text_sha1": task["data"].get("text_sha1"),
                "stale": current.get(item) != task["data"].get("text_sha1"),
                "result": latest.get("result", []),
            }
        )
    return sorted(rows, key=lambda r: str(r["key"]))


def read_human(path: Path) -> dict[str, HumanAnnotation]:
    """Pulled human rows by key; a bad row is reported as ``file:line: problem``."""
    if not path.exists():
        return {}
    rows = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                row = HumanAnnotation.model_validate_json(line)
            except ValidationError as error:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in item['loc']) or 'row'}: {item['msg']}" for item in error.errors()
                )
                raise StageError(f"{path}:{number}: not a human-annotation row: {problems}") from None
            rows[row.key] = row
    return rows


def _choice(result: list[dict], control: str) -> str | None:
    return next((r["value"]["choices"][0] for r in result if r.get("from_name") == control), None)


def spans_from_result(result: list[dict], control: str) -> list[dict]:
    return [
        {
            "start": r["value"]["start"],
            "end": r["value"]["end"],
            "text": r["value"]["text"],
            "label": r["value"]["labels"][0],
            "id": r["id"],
        }
        for r in result
        if r.get("from_name") == control and r.get("value", {}).get("labels")
    ]


def parse_actor_codes(text: str) -> dict[str, list[str]]:
    """``actor=PRKGOV; recipient=CUB`` -> codes per role, in order."""
    codes: dict[str, list[str]] = {}
    for part in text.split(";"):
        role, equals, code = part.partition("=")
        if equals and code.strip():
            codes.setdefault(role.strip(), []).append(code.strip().upper())
    return codes


def events_from_result(result: list[dict], lang: str) -> list[dict]:
    """Events as an annotator left them: triggers, relations to argument spans, per-region details."""
    regions = {s["id"]: s for s in spans_from_result(result, "entities") + spans_from_result(result, "triggers")}
    details: dict[str, dict] = {}
    for r in result:
        if r.get("from_name") in ("cameo", "mode", "flags", "actor_codes"):
            value = r["value"]
            details.setdefault(r["id"], {})[r["from_name"]] = value.get("choices") or value.get("text")
    events = []
    for trigger in spans_from_result(result, "triggers"):
        arguments = []
        for relation in (r for r in result if r.get("type") == "relation" and r["from_id"] == trigger["id"]):
            target = regions.get(relation["to_id"])
            if target is not None:
                for role in relation.get("labels") or ["argument"]:
                    arguments.append(
                        {"start": target["start"], "end": target["end"], "text": target["text"], "role": role}
                    )
        extra = details.get(trigger["id"], {})
        codes = parse_actor_codes((extra.get("actor_codes") or [""])[0])
        for argument in arguments:  # the n-th actor (recipient) gets the n-th code given for its role
            role_codes = codes.get(argument["role"], [])
            argument["code"] = role_codes.pop(0) if role_codes else None
        time = next((a for a in arguments if a["role"] == "time"), None)
        date = None
        if time is not None:
            iso, granularity = normalise_date(time["text"], lang)
            date = {"text": time["text"], "iso": iso, "granularity": granularity}
        flags = extra.get("flags") or []
        events.append(
            {
                "type": trigger["label"],
                "mode": (extra.get("mode") or [None])[0],
                "cameo": (extra.get("cameo") or [None])[0],
                "trigger": {k: trigger[k] for k in ("start", "end", "text")},
                "arguments": arguments,
                "date": date,
                "negated": "negated" in flags,
                "historical": "historical" in flags,
            }
        )
    return events


@dataclass(frozen=True)
class Reviewed:
    """One item after merging: the human annotation (unless stale) wins over the prediction."""

    source: str  # "human" or "model:<version>"
    result: list[dict] | None = None  # the human result; None when the prediction stands

    @property
    def human(self) -> bool:
        return self.result is not None

    def verdict(self) -> str | None:
        """An alignment reviewer's choice (correct / partial / incorrect)."""
        return _choice(self.result, "verdict") if self.result is not None else None

    def pick(self) -> int | None:
        """Which review candidate (1-based) the annotator chose; None for "none".

        Annotations from before the candidate list have no ``pick``: they judged the one
        candidate shown, which is candidate 1.
        """
        if self.result is None:
            return None
        choice = _choice(self.result, "pick")
        if choice is None:
            return 1 if self.verdict() in ("correct", "partial") else None
        return int(choice) if choice.isdigit() else None

    def entity_spans(self) -> list[dict]:
        return [
            {k: span[k] for k in ("start", "end", "text", "label")}
            for span in spans_from_result(self.result or [], "entities")
        ]

    def events(self, lang: str) -> list[dict]:
        return events_from_result(self.result or [], lang)


def merge(predicted: dict[str, Any], human: dict[str, HumanAnnotation], version: str) -> dict[str, Reviewed]:
    """Per item: the human annotation (unless stale) wins over the prediction; with provenance."""
    merged: dict[str, Reviewed] = {}
    for key in predicted:
        row = human.get(key)
        if row is not None and not row.stale:
            merged[key] = Reviewed("human", row.result)
        else:
            merged[key] = Reviewed(f"model:{version}")
    return merged


def current_human(kind: str, items: list[tuple[dict, list[dict]]], annotations: Path) -> dict[str, HumanAnnotation]:
    """Pulled rows, marked stale again against the corpus as it is now (not only as at the last pull):
    an annotation of text that has since changed, or of an item that is gone, is kept but not applied."""
    current = {data[KEY_FIELD[kind]]: data["text_sha1"] for data, _ in items}
    rows = read_human(human_file(annotations, kind))
    return {
        key: row if row.stale or current.get(key) == row.text_sha1 else row.model_copy(update={"stale": True})
        for key, row in rows.items()
    }


def reviewed_items(
    kind: str, items: list[tuple[dict, list[dict]]], version: str, annotations: Path
) -> dict[str, Reviewed]:
    """Every item of one project kind (from :mod:`tasks`), merged with the pulled human annotations."""
    predicted = {d[KEY_FIELD[kind]]: r for d, r in items}
    return merge(predicted, current_human(kind, items, annotations), version)


def corrected_entities(annotations: Path, sentences: Callable[[], list[Sentence]]) -> list[tuple[Sentence, list[dict]]]:
    """Human entity spans of the sentences whose text is still the one that was annotated;
    stale or unknown rows are left out, never guessed. ``sentences`` is called only when
    there are corrections (reading the corpus is the costly part)."""
    rows = read_human(human_file(annotations, "tagging"))
    if not rows:
        return []
    return [
        (sentence, spans_from_result(row.result, "entities"))
        for sentence in sentences()
        if (row := rows.get(sentence.sent_id)) and not row.stale and row.text_sha1 == sha1(sentence.text)
    ]


def labelled_spans(result: list[dict], control: str) -> set[tuple[int, int, str]]:
    return {
        (r["value"]["start"], r["value"]["end"], r["value"]["labels"][0])
        for r in result
        if r.get("from_name") == control and r.get("value", {}).get("labels")
    }


def agreement(kind: str, predicted: dict[str, list[dict]], human: dict[str, HumanAnnotation]) -> dict[str, Any]:
    """Model vs human on the items people reviewed: per-label P/R/F1, or the accept rate."""
    reviewed = [k for k, row in human.items() if not row.stale and k in predicted]
    if kind == "alignment":
        verdicts = Counter()
        for key in reviewed:
            choice = next(
                (r["value"]["choices"][0] for r in human[key].result if r.get("from_name") == "verdict"), None
            )
            model = predicted[key][0]["value"]["choices"][0]
            verdicts[(model, choice)] += 1
        said_match = sum(v for (m, _), v in verdicts.items() if m == "correct")
        accepted = verdicts[("correct", "correct")]
        return {
            "reviewed": len(reviewed),
            "matches_reviewed": said_match,
            "match_accept_rate": accepted / said_match if said_match else None,
            "verdicts": {f"{m}->{c}": v for (m, c), v in sorted(verdicts.items())},
        }
    figures: dict[str, Any] = {"reviewed": len(reviewed)}
    for control in ("entities", "triggers"):
        counts: dict[str, Counter] = defaultdict(Counter)
        for key in reviewed:
            model = labelled_spans(predicted[key], control)
            gold = labelled_spans(human[key].result, control)
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
        figures[control] = per_label
    return figures


def agreement_report(corpus: Path, annotations: Path) -> dict[str, Any]:
    report = {}
    for kind in PROJECTS:
        items, version = build_items(kind, corpus)
        predicted = {d[KEY_FIELD[kind]]: r for d, r in items}
        human = current_human(kind, items, annotations)
        report[kind] = {
            "model_version": version,
            "items": len(predicted),
            "stale_annotations": sum(r.stale for r in human.values()),
            **agreement(kind, predicted, human),
        }
    return report
