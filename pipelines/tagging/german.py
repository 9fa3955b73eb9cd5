"""German events composed from their sources (``tag.german_events``): the German pattern rules,
the CAMEO coder's events on the sentence's English translation projected back, or both.

The tag stage asks this module per sentence; which sources count, and how two sources' events
become one list, is decided here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable

from pipelines.core.records import Entity, Event, Sentence
from pipelines.core.settings import TagSettings
from pipelines.engines.ner.tagger import Analysis
from pipelines.tagging.actors import code_arguments
from pipelines.tagging.entities import entities_for
from pipelines.tagging.events_de import german_events
from pipelines.tagging.events_en import CameoCoder, english_events
from pipelines.tagging.events_via_english import merge, project_event, token_links


def translated_events(
    german: list[Sentence],
    analyses: dict[str, Analysis],
    translated: dict[str, Analysis],
    english_engine: str,
    settings: TagSettings,
    coder: CameoCoder | None = None,
) -> dict[str, list[Event]]:
    """Per German sentence, the CAMEO coder's events on its English translation (``translated``:
    its analysis), projected back onto the German text. Empty unless ``translation`` is a source."""
    if "translation" not in settings.german_events:
        return {}
    found = {}
    for sentence in (s for s in german if s.sent_id in translated):
        analysis = translated[sentence.sent_id]
        events = english_events(analysis, entities_for(analysis, english_engine), settings, coder=coder)
        links = token_links(analyses[sentence.sent_id], analysis.sentence, analysis.lemmas)
        found[sentence.sent_id] = [p for e in events if (p := project_event(e, analysis.sentence, links, sentence))]
    return found


def sentence_events(
    analysis: Analysis,
    entities: list[Entity],
    via_english: list[Event],
    settings: TagSettings,
    actors: dict | None,
    english_forms: Callable[[str], list[str]],
) -> list[Event]:
    """One German sentence's events from the configured sources. The rules' events get actor codes
    (``actors``: the CAMEO coder's; None without one) looked up under the arguments' English forms,
    and are enriched by the projected events on the same triggers."""
    if "rules" not in settings.german_events:
        return via_english  # from the translation alone (empty when it is not a source either)
    events = german_events(analysis, entities, settings.reference_year)
    if actors is None:
        return events
    coded = code_arguments(events, english_forms, actors)
    return merge(coded, via_english) if "translation" in settings.german_events else coded
