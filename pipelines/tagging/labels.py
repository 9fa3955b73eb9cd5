"""The project's label sets and rules, read from ``tagging/data`` (one place for each list)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from pipelines.core.errors import StageError
from pipelines.core.hashing import text_hash

DATA = Path(__file__).parent / "data"


@cache
def label_map() -> dict[str, Any]:
    return yaml.safe_load((DATA / "entity_labels.yaml").read_text(encoding="utf-8"))


@cache
def event_rules() -> dict[str, Any]:
    rules = yaml.safe_load((DATA / "event_rules.yaml").read_text(encoding="utf-8"))
    for lang in ("en", "de"):
        for rule in rules[lang]:
            if rule["type"] not in rules["plover_types"]:
                raise StageError(f"{DATA / 'event_rules.yaml'}: {rule} has a type outside PLOVER")
    return rules


@cache
def german_words() -> dict[str, list[str]]:
    return yaml.safe_load((DATA / "german.yaml").read_text(encoding="utf-8"))


def entity_labels() -> list[str]:
    return list(label_map()["labels"])


def rejected_code(code: str) -> str | None:
    """The REJECT code a negated CAMEO code becomes (``negated_cameo``), or None."""
    table = event_rules()["negated_cameo"]
    prefix = next((code[:n] for n in range(len(code), 1, -1) if code[:n] in table), None)
    return table[prefix] if prefix else None


def event_types() -> list[str]:
    return list(event_rules()["plover_types"])


def unify_label(engine_label: str) -> str | None:
    """An engine's entity label in the project's label set; ``None`` for labels not annotated."""
    mapping = label_map()
    if engine_label in mapping["drop"]:
        return None
    return mapping["map"].get(engine_label, "MISC")


def rules_fingerprint() -> str:
    """The text of the rule and label files: part of the tagging model version."""
    return "".join((DATA / name).read_text() for name in ("event_rules.yaml", "entity_labels.yaml"))


def prediction_version(kind: str, provenances: list[Any]) -> str:
    """A readable, content-derived version of the engines (and, for tagging, the rules) that
    made one project kind's predictions: what Label Studio shows and ``annotation_source`` names."""
    described = sorted({f"{p.engine}|{p.model}|{p.version}" for p in provenances})
    rules = rules_fingerprint() if kind == "tagging" else ""
    engines = "+".join(sorted({p.engine for p in provenances}))
    return f"{kind}:{engines}:{text_hash(json.dumps(described) + rules, 10)}"
