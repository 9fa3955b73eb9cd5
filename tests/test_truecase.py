"""Sentences in capitals are recased before the English tagger reads them; normal text is not."""

from __future__ import annotations

from pipelines.core.settings import load_settings
from pipelines.engines.ner.tagger import build_tagger
from pipelines.engines.ner.truecase import Truecaser, english_truecaser, is_all_caps

from .conftest import ROOT


def words(text: str) -> list[str]:
    return text.split()


SENTENCE = "President Lula of Brazil met Chancellor Angela Merkel and officials of the United Nations in Berlin ."


def test_only_sentences_in_capitals_count() -> None:
    assert is_all_caps(words("BRAZIL AND THE US SIGN AN ENERGY PACT"))
    assert is_all_caps(words("KIM JONG UN VISITS HAVANA , 12 MAY 2019"))  # numbers and commas do not count
    assert not is_all_caps(words("The UN and NATO met in Brussels"))  # acronyms in normal text
    assert not is_all_caps(words("NATO SUMMIT"))  # too short to tell
    assert not is_all_caps([])


def test_each_word_takes_its_most_frequent_spelling() -> None:
    truecaser = Truecaser(["the", "of", "USA", "and", "The", "Korea", "united", "United", "nations", "Nations"])
    assert truecaser(words("THE USA AND KOREA")) == ["The", "USA", "and", "Korea"]
    assert truecaser(words("KARIMOV OF THE DPRK")) == ["Karimov", "of", "the", "DPRK"]  # unknown: name, acronym
    assert truecaser(words("the UNITED NATIONS and")) == ["the", "UNITED", "NATIONS", "and"]  # not in capitals
    # a word often Capitalised ("nations": that spelling at most twice as rare) joins a name right beside it
    assert Truecaser(["the", "Korea", "nations", "Nations"])(words("THE KOREA NATIONS")) == ["The", "Korea", "Nations"]
    # and only then: "United" is rarer than "united", and "the" (first word) is no name
    assert truecaser(words("THE UNITED NATIONS AND THE USA")) == ["The", "united", "nations", "and", "the", "USA"]
    assert truecaser(words("KOREA AND THE UNITED NATIONS"))[3:] == ["united", "nations"]


def test_the_english_tagger_finds_the_same_names_in_capitals() -> None:
    nlp = build_tagger("en", load_settings(ROOT / "params.yaml").tag).nlp
    written = words(SENTENCE)

    def names(sentence: list[str]) -> set[tuple[int, int, str]]:
        return {(e.tokens[0].id[0], e.tokens[-1].id[-1], e.type) for e in nlp([sentence]).sentences[0].ents}

    as_written = names(written)
    assert {(4, 4, "GPE"), (7, 8, "PERSON"), (16, 16, "GPE")} <= as_written
    assert names([w.upper() for w in written]) == as_written
    assert english_truecaser()(written) == written  # normal text goes to the tagger as it is
