"""The tag stage's assembly over a corpus, once its sentences are parsed: entities per sentence
(English from the tagger, German from the trained model, typed by projection from the English
side), then events per sentence (discarded stories first, the English coder, the German rules
and the coder's events on the translation). The stage loads, parses, writes; this decides.
"""

from __future__ import annotations

from pipelines.core.records import Entity, Event, Sentence, Translation
from pipelines.core.settings import TagSettings
from pipelines.engines.ner.tagger import Analysis
from pipelines.tagging.discards import discarded_sentences, load_discards
from pipelines.tagging.entities import Projector, entities_for, german_entities, type_acronyms
from pipelines.tagging.events_en import CameoCoder, english_events
from pipelines.tagging.german import sentence_events, translated_events


def corpus_entities(
    by_lang: dict[str, list[Sentence]],
    analyses: dict[str, Analysis],
    engines: dict[str, str],
    projector_inputs: tuple[dict[str, Translation], dict[str, list[str]], dict[str, Analysis]],
) -> tuple[dict[str, list[Entity]], Projector | None]:
    """Entities of every sentence, by id, and the projector that typed the German ones.
    ``engines``: the tagger per language; ``projector_inputs``: the translations, the aligned
    English ids and the English analyses of the translations."""
    rows: dict[str, list[Entity]] = {}
    for sentence in by_lang.get("en", []):
        rows[sentence.sent_id] = entities_for(analyses[sentence.sent_id], engines["en"])
    if "de" not in by_lang:
        return rows, None
    projector = Projector(dict(rows), *projector_inputs)
    for sentence in by_lang["de"]:
        rows[sentence.sent_id] = german_entities(analyses[sentence.sent_id], engines["de"], projector)
    type_acronyms(by_lang["de"], rows)
    return rows, projector


def corpus_events(
    sentences: list[Sentence],
    analyses: dict[str, Analysis],
    entities: dict[str, list[Entity]],
    translations: dict[str, Translation],
    translated: dict[str, Analysis],
    projector: Projector | None,
    coder: CameoCoder | None,
    settings: TagSettings,
    english_engine: str | None,
) -> tuple[dict[str, list[Event]], dict[str, str]]:
    """Events of every sentence, by id, and the discarded sentences (id -> the phrase)."""
    english_texts = {sent_id: t.text for sent_id, t in translations.items()}
    discarded = discarded_sentences(sentences, load_discards(settings.cameo_discards), english_texts)
    german = [s for s in sentences if s.lang == "de" and s.sent_id not in discarded]
    via_english = {}
    if translated and coder is not None and english_engine is not None:
        via_english = translated_events(german, analyses, translated, english_engine, settings, coder)
    events: dict[str, list[Event]] = {}
    for sentence in sentences:
        analysis, found = analyses[sentence.sent_id], entities[sentence.sent_id]
        if sentence.sent_id in discarded:
            events[sentence.sent_id] = []
        elif sentence.lang == "en":
            events[sentence.sent_id] = english_events(analysis, found, settings, coder=coder)
        else:
            actors = coder.actors if coder is not None else None
            projected = via_english.get(sentence.sent_id, [])
            assert projector is not None  # German sentences have one
            events[sentence.sent_id] = sentence_events(
                analysis, found, projected, settings, actors, projector.english_forms
            )
    return events, discarded
