"""Event records from matched rules: the parts English and German event coding share."""

from __future__ import annotations

from pipelines.core.records import Argument, DateValue, Entity, Event, Sentence, Span
from pipelines.tagging.labels import Coding


def make_event(
    rule: Coding,
    sentence: Sentence,
    trigger: tuple[int, int],
    actor: list[Argument],
    recipient: list[Argument],
    date: DateValue | None,
    location: Argument | None,
    negated: bool,
    historical: bool,
    rule_id: str,
) -> Event:
    begin, finish = trigger
    cameo = rule.cameo
    mode = rule.mode
    if rule.type == "CONSULT" and mode == "meet" and location is not None:
        parties = {a.text for a in actor + recipient}
        if location.text not in parties:
            cameo = "044"  # meeting at a third location
    return Event(
        event_id=f"{sentence.sent_id}-ev{begin}",
        type=rule.type,
        mode=mode,
        cameo=cameo,
        trigger=Span(start=begin, end=finish, text=sentence.text[begin:finish]),
        actor=actor,
        recipient=recipient,
        date=date,
        location=location,
        negated=negated,
        historical=historical,
        rule=rule_id,
    )


def as_argument(entity: Entity) -> Argument:
    return Argument(start=entity.start, end=entity.end, text=entity.text, ent_id=entity.ent_id, label=entity.label)
