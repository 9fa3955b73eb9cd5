"""The project's label sets and rules, read from ``tagging/data`` (one place for each list)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, model_validator

from pipelines.core.errors import StageError
from pipelines.core.hashing import text_hash

DATA = Path(__file__).parent / "data"


@cache
def label_map() -> dict[str, Any]:
    return yaml.safe_load((DATA / "entity_labels.yaml").read_text(encoding="utf-8"))


# one lemma or a list of them in the file
Lemmas = Annotated[tuple[str, ...], BeforeValidator(lambda value: (value,) if isinstance(value, str) else value)]


class Coding(BaseModel):
    """What a matched trigger is coded as: PLOVER type and mode, CAMEO code, and the dependency
    paths to its recipient (English)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    mode: str | None = None
    cameo: str | None = None
    recipient: tuple[str, ...] = ()


class EnglishRule(Coding):
    """A lemma (or lemmas) in the dependency parse, with the optional conditions the rules file lists."""

    lemma: Lemmas
    pos: str | None = None
    objects: tuple[str, ...] | None = None
    not_objects: tuple[str, ...] | None = None
    parties: tuple[str, ...] | None = None
    not_subjects: tuple[str, ...] | None = None
    context: tuple[str, ...] | None = None
    not_context: tuple[str, ...] | None = None
    heads: tuple[str, ...] | None = None
    not_heads: tuple[str, ...] | None = None
    intransitive: bool = False
    transitive: bool = False  # the trigger has an object ("warned Israel", "was warned"; not "warned of a crisis")
    agentless: bool = False  # also as a participle describing a noun with nobody doing it ("soldiers killed")


class GermanRule(Coding):
    """A HanTa lemma (or one of several); ``particle``: a separable particle the sentence must hold;
    ``objects``: lemmas the sentence must hold; ``recipient_after``: prepositions that introduce the recipient."""

    lemma: Lemmas
    particle: str | None = None
    objects: tuple[str, ...] | None = None
    recipient_after: tuple[str, ...] | None = None
    not_stative: bool = False  # a participle with "sein" is a state ("sind besonders gefordert"), no act


class Frame(BaseModel):
    """A verb that frames another act in its complement (``tagging.modality``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lemma: Lemmas
    kind: Literal["reject", "threaten", "demand", "intent", "allege", "claim", "ready", "cease"]
    complements: tuple[str, ...]
    recipient: tuple[str, ...] = ()
    needs_complement: bool = False
    requires: tuple[str, ...] | None = None
    obligation: bool = False  # only a complement that must happen ("said X *must* leave") is framed
    needs_act: bool = False  # only a complement naming an act ("ready for talks", not "for the parade")
    pos: Literal["VERB", "ADJ"] = "VERB"


class EventRules(BaseModel):
    """``event_rules.yaml``, checked on load: unknown keys and types outside PLOVER are named."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    negated_cameo: dict[str, str]
    plover_types: tuple[str, ...]
    frames: tuple[Frame, ...]
    frame_codes: dict[str, dict[str, str]]
    threat_roots: tuple[str, ...]
    coercive_roots: tuple[str, ...]
    attempts: tuple[str, ...]
    obliging: tuple[str, ...]
    obliging_verbs: tuple[str, ...]
    penalty_verbs: tuple[str, ...]
    act_roots: tuple[str, ...]
    silent_acts: tuple[str, ...]
    natural_causes: tuple[str, ...]
    named_acts: dict[str, str]
    en: tuple[EnglishRule, ...]
    de: tuple[GermanRule, ...]

    @model_validator(mode="after")
    def _plover_types_only(self) -> EventRules:
        for rule in (*self.en, *self.de):
            if rule.type not in self.plover_types:
                raise ValueError(f"{rule.lemma}: type {rule.type} is outside PLOVER")
        return self


@cache
def event_rules() -> EventRules:
    path = DATA / "event_rules.yaml"
    try:
        return EventRules.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
        raise StageError(f"{path}: {problems}") from None


@cache
def german_words() -> dict[str, list[str]]:
    return yaml.safe_load((DATA / "german.yaml").read_text(encoding="utf-8"))


def entity_labels() -> list[str]:
    return list(label_map()["labels"])


def rejected_code(code: str) -> str | None:
    """The REJECT code a negated CAMEO code becomes (``negated_cameo``), or None."""
    table = event_rules().negated_cameo
    prefix = next((code[:n] for n in range(len(code), 1, -1) if code[:n] in table), None)
    return table[prefix] if prefix else None


def event_types() -> list[str]:
    return list(event_rules().plover_types)


def unify_label(engine_label: str) -> str | None:
    """An engine's entity label in the project's label set; ``None`` for labels not annotated."""
    mapping = label_map()
    if engine_label in mapping["drop"]:
        return None
    return mapping["map"].get(engine_label, "MISC")


def rules_fingerprint() -> str:
    """The text of the tagging data files (rules, labels, agents, actors, dictionary additions,
    discards): part of the tagging model version, so a changed file is a new version."""
    return "".join(path.read_text(encoding="utf-8") for path in sorted(DATA.iterdir()) if path.is_file())


def prediction_version(kind: str, provenances: list[Any]) -> str:
    """A readable, content-derived version of the engines (and, for tagging, the rules) that
    made one project kind's predictions: what Label Studio shows and ``annotation_source`` names."""
    described = sorted({f"{p.engine}|{p.model}|{p.version}" for p in provenances})
    rules = rules_fingerprint() if kind == "tagging" else ""
    engines = "+".join(sorted({p.engine for p in provenances}))
    return f"{kind}:{engines}:{text_hash(json.dumps(described) + rules, 10)}"
