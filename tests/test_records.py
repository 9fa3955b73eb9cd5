"""Typed shapes that travel between layers: an entity's type source, a pulled review."""

from __future__ import annotations

from pipelines.core.records import TypeEvidence, TypeSource
from pipelines.labelstudio.results import read_result


def test_type_source_is_structured_and_prints_the_dataset_column() -> None:
    """Engine names hold ':' and '+' ('stanza-variant:hanta+crf-ner:train-ner'): the parts are
    fields, never cut out of a string."""
    engine = "stanza-variant:hanta+crf-ner:train-ner"
    model = TypeSource(origin="ner", engine=engine)
    narrowed = model.narrowed(TypeEvidence(kind="gazetteer", detail="en-corpus"))
    assert str(narrowed) == f"ner:{engine}+gazetteer:en-corpus" and narrowed.engine == engine
    assert (model.summary, narrowed.summary) == ("ner", "ner+gazetteer") and model.evidence == []
    alias = TypeSource(origin="projection", evidence=[TypeEvidence(kind="alias", detail="Volksrepublik Korea")])
    assert str(alias) == "projection:alias:Volksrepublik Korea" and alias.summary == "projection:alias"
    untyped = TypeSource(origin="projection", evidence=[TypeEvidence(kind="untyped")])
    assert untyped.untyped and not alias.untyped and str(untyped) == "projection:untyped"
    dates = TypeSource(origin="regex", engine="german-dates")
    assert str(dates) == "regex:german-dates" and dates.summary == "regex"
    assert TypeSource.model_validate_json(narrowed.model_dump_json()) == narrowed


def test_a_pulled_event_becomes_a_typed_review() -> None:
    """Label Studio's regions, relations and per-region details read once, at the pull."""
    text = "Kim empfing Castro am 3. Mai 1960."

    def region(region_id: str, control: str, words: str, label: str) -> dict:
        start = text.index(words)
        value = {"start": start, "end": start + len(words), "text": words, "labels": [label]}
        return {"id": region_id, "from_name": control, "to_name": "text", "type": "labels", "value": value}

    def detail(control: str, kind: str, value: dict) -> dict:
        return {"id": "t", "from_name": control, "to_name": "text", "type": kind, "value": value}

    result = [
        region("k", "entities", "Kim", "PER"),
        region("c", "entities", "Castro", "PER"),
        region("d", "entities", "3. Mai 1960", "DATE"),
        region("t", "triggers", "empfing", "CONSULT"),
        detail("actor_codes", "textarea", {"text": ["actor=prk; recipient=CUB"]}),
        detail("flags", "choices", {"choices": ["historical"]}),
        *({"type": "relation", "from_id": "t", "to_id": to, "labels": [role]}
          for to, role in (("k", "actor"), ("c", "recipient"), ("d", "time"), ("gone", "place"))),
    ]  # fmt: skip
    decided = read_result("tagging", result, "de")
    assert [(s.text, s.label) for s in decided["entities"]] == [
        ("Kim", "PER"),
        ("Castro", "PER"),
        ("3. Mai 1960", "DATE"),
    ]
    (event,) = decided["events"]
    assert (event.type, event.trigger.text, event.historical, event.negated) == ("CONSULT", "empfing", True, False)
    assert [(a.text, a.role, a.code) for a in event.arguments] == [
        ("Kim", "actor", "PRK"), ("Castro", "recipient", "CUB"), ("3. Mai 1960", "time", None)
    ]  # fmt: skip
    assert event.date is not None and event.date.iso == "1960-05-03"


def test_event_rules_are_typed_and_a_misspelt_key_is_named(tmp_path, monkeypatch) -> None:
    """A condition with a typo would silently match everything; the rules file is checked on load."""
    import shutil

    import pytest

    from pipelines.core.errors import StageError
    from pipelines.tagging import labels

    rules = labels.event_rules()
    assert rules.en[0].lemma == ("visit",) and rules.frames[0].kind == "reject" and "CONSULT" in rules.plover_types
    data = tmp_path / "data"
    shutil.copytree(labels.DATA, data)
    text = (data / "event_rules.yaml").read_text(encoding="utf-8")
    broken = text.replace("objects: [delegation, president", "objekts: [delegation, president", 1)
    assert broken != text
    (data / "event_rules.yaml").write_text(broken, encoding="utf-8")
    monkeypatch.setattr(labels, "DATA", data)
    labels.event_rules.cache_clear()
    try:
        with pytest.raises(StageError, match=r"event_rules.yaml: en\.3\.objekts: Extra inputs are not permitted"):
            labels.event_rules()
    finally:
        monkeypatch.undo()
        labels.event_rules.cache_clear()
