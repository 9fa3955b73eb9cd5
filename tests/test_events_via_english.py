"""German events coded through the English translation: token links, projection, merge."""

from __future__ import annotations

import pytest

from pipelines.core.records import Argument, Event, Provenance, Sentence, Span, Token, Translation
from pipelines.tagging.events_via_english import english_sentence, merge, project_event, token_links

from .conftest import project_settings
from .helpers.documents import plain_document


def sentence(text: str, lang: str = "de") -> Sentence:
    tokens, position = [], 0
    for word in text.split(" "):
        tokens.append(Token(start=position, end=position + len(word), text=word))
        position += len(word) + 1
    return Sentence(
        sent_id="s1", doc_id="d", para_id="p", index=0, lang=lang, text=text, start=0, end=len(text),
        section=[], tokens=tokens, provenance=Provenance(engine="test"),
    )  # fmt: skip


def event(trigger: tuple[int, int, str], actor: list[Argument], recipient: list[Argument], **fields) -> Event:
    start, end, text = trigger
    values = {
        "event_id": f"s1-ev{start}", "type": "CONSULT", "mode": None, "cameo": None,
        "trigger": Span(start=start, end=end, text=text), "actor": actor, "recipient": recipient, "date": None,
        "location": None, "negated": False, "historical": False, "rule": "de:2:empfangen",
    }  # fmt: skip
    return Event(**{**values, **fields})


def argument(start: int, text: str, code: str | None = None) -> Argument:
    return Argument(start=start, end=start + len(text), text=text, code=code)


@pytest.fixture(scope="module")
def german_analysis():
    from pipelines.engines.ner.tagger import analyse, build_tagger
    from pipelines.engines.text.segmenter import Segmenter

    settings = project_settings()
    text = "Präsident Kim Il Sung empfing den Präsidenten Kubas in Pjöngjang."
    (german,) = Segmenter(settings.segment).segment(plain_document("d", text, lang="de"))
    return analyse(build_tagger("de", settings.tag), [german])[0]


def test_gloss_tokens_link_back_to_the_german_words_they_render(german_analysis) -> None:
    from pipelines.engines.translate.gloss import GlossEngine

    german = german_analysis.sentence
    gloss = GlossEngine().gloss(german)
    translation = Translation(
        sent_id=german.sent_id, doc_id="d", src_lang="de", tgt_lang="en", source=german.text, text=gloss,
        provenance=Provenance(engine="gloss"), settings={},
    )  # fmt: skip
    english = english_sentence(german, translation)
    assert english.sent_id == f"{german.sent_id}~en" and english.lang == "en" and english.text == gloss
    links = token_links(german_analysis, english)
    words = [t.text for t in german.tokens]
    linked = {english.tokens[k].text: words[g] for k, g in enumerate(links) if g is not None}
    assert linked["Kim"] == "Kim" and linked["Sung"] == "Sung"  # names repeat
    assert linked["received"] == "empfing"  # the gloss of the verb
    assert all(g is None or abs(g - k) <= 2 for k, g in enumerate(links))  # word by word, in order


def test_a_fluent_translation_links_through_the_dictionary_and_position(german_analysis) -> None:
    """What argos would give: other word order, inflected forms; links come from the German
    words' dictionary translations (and the English lemmas), names by their spelling."""
    german = german_analysis.sentence
    english = sentence("President Kim Il Sung warmly received the president of Cuba in Pyongyang .", lang="en")
    lemmas = [
        "president",
        "Kim",
        "Il",
        "Sung",
        "warmly",
        "receive",
        "the",
        "president",
        "of",
        "Cuba",
        "in",
        "Pyongyang",
        ".",
    ]
    links = token_links(german_analysis, english, lemmas)
    words = [t.text for t in german.tokens]
    linked = {english.tokens[k].text: words[g] for k, g in enumerate(links) if g is not None}
    assert linked["Kim"] == "Kim" and linked["received"] == "empfing"
    assert linked["President"] == "Präsident"  # the nearer of the two "Präsident..." words
    assert "warmly" not in linked  # no German word renders it


def test_an_english_event_projects_onto_the_german_spans() -> None:
    german = sentence("Kim empfing den Präsidenten Kubas")
    english = sentence("Kim received the president Cuba", lang="en")
    links = [0, 1, 2, 3, 4]
    coded = event(
        (4, 12, "received"), [argument(0, "Kim", "PRKGOV")], [argument(17, "president Cuba", "CUBGOV")],
        cameo="043", rule="cameo:CAMEO.2.0.txt:RECEIVE:verb",
    )  # fmt: skip
    projected = project_event(coded, english, links, german)
    assert projected.trigger.text == "empfing" and projected.event_id == "s1-ev4"
    assert [a.text for a in projected.recipient] == ["Präsidenten Kubas"] and projected.recipient[0].code == "CUBGOV"
    assert projected.rule == "via-test:cameo:CAMEO.2.0.txt:RECEIVE:verb"
    assert project_event(coded, english, [0, None, 2, 3, 4], german) is None  # the trigger links nowhere


def test_rules_keep_their_spans_and_gain_codes_projected_events_add_the_types_rules_lack() -> None:
    rule_event = event((4, 11, "empfing"), [argument(0, "Kim")], [argument(16, "Präsidenten Kubas")])
    projected = event(
        (4, 11, "empfing"), [argument(0, "Kim", "PRKGOV")], [argument(16, "Präsidenten Kubas", "CUBGOV")],
        cameo="043", rule="via-gloss:cameo:CAMEO.2.0.txt:RECEIVE:verb",
    )  # fmt: skip
    same_type = event(
        (28, 33, "Kubas"), [argument(0, "Kim", "PRKGOV")], [argument(16, "Präsidenten", None)],
        event_id="s1-ev28", cameo="046", rule="via-gloss:cameo:CAMEO.2.0.txt:CONFER:verb",
    )  # fmt: skip
    (merged,) = merge([rule_event], [projected, same_type])  # a second CONSULT: the rule's type already
    assert merged.trigger == rule_event.trigger and merged.type == "CONSULT" and merged.cameo == "043"
    assert [a.code for a in merged.actor + merged.recipient] == ["PRKGOV", "CUBGOV"]
    assert merged.rule == "de:2:empfangen+via-gloss:cameo:CAMEO.2.0.txt:RECEIVE:verb"
    criticised = same_type.model_copy(update={"type": "ACCUSE", "cameo": "111", "rule": "via-llm:en:9:criticize"})
    both = merge([rule_event], [projected, criticised])
    assert [(e.type, e.trigger.text) for e in both] == [("CONSULT", "empfing"), ("ACCUSE", "Kubas")]
    assert both[1] == criticised  # added as projected: an English rule's or a pattern's, coded or not
    assert merge([], [criticised]) == [criticised]  # no rule fired: the translation's events


def test_german_events_come_from_the_sources_the_setting_names(german_analysis) -> None:
    """``tag.german_events``: the rules, the translation's projected events, or both merged."""
    from pipelines.tagging.entities import entities_for
    from pipelines.tagging.german import sentence_events

    text = german_analysis.sentence.text
    start = text.index("empfing")
    entities = entities_for(german_analysis, "test")
    kim = argument(text.index("Kim"), "Kim Il Sung", "PRKGOV")
    projected = [event((start, start + 7, "empfing"), [kim], [], cameo="042", rule="via-llm:en:0:receive+cameo:X")]
    tag = project_settings().tag

    def events(*sources: str, actors: dict | None = None) -> list[Event]:
        settings = tag.model_copy(update={"german_events": list(sources)})
        return sentence_events(german_analysis, entities, projected, settings, actors, lambda span: [span])

    assert events("translation") == projected
    rules = events("rules")
    assert [(e.type, e.trigger.text) for e in rules] == [("CONSULT", "empfing")] and rules[0].cameo != "042"
    assert events("rules", actors={}) == rules  # no projected event is used unless it is a source
    (both,) = events("rules", "translation", actors={})
    assert both.rule == f"{rules[0].rule}+{projected[0].rule}"  # enriched by the projected event
    assert [a.code for a in both.actor if a.text == "Kim Il Sung"] == ["PRKGOV"]
