"""PETRARCH's discard list: the reader, whole-word matching, story-level discards, the tag stage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.core.errors import InputError
from pipelines.core.io import read_jsonl, write_jsonl
from pipelines.core.records import SentenceEvents
from pipelines.engines.text.segmenter import Segmenter
from pipelines.stages import tag
from pipelines.tagging.discards import NEWS_DISCARDS, discarded_sentences, load_discards, parse_discards

from .conftest import project_settings
from .helpers.documents import plain_document

PHOENIX_LIKE = """# a comment line
1994
YEARS AGO   # trailing comment
GROUP A_
+WORLD CUP
"""


def test_the_reader_keeps_phrases_story_marks_and_word_ends() -> None:
    discards = parse_discards(PHOENIX_LIKE, "x.txt")
    assert discards.match("in the 1994 genocide,").phrase == "1994"
    assert discards.match("The talks of 19945 failed") is None  # whole words only
    assert discards.match('as it did "three years ago."').phrase == "YEARS AGO"
    assert discards.match("He reached group A.").phrase == "GROUP A"
    assert discards.match("He reached group AB.") is None
    hit = discards.match("In 1994 the World Cup was held.")
    assert hit.phrase == "WORLD CUP" and hit.story  # the story-level discard wins
    assert discards.match("France accused Rwanda of lying.") is None


def test_a_line_without_a_phrase_is_an_error_naming_the_line() -> None:
    with pytest.raises(InputError, match=r"x\.txt:2: a discard line needs a phrase"):
        parse_discards("1994\n+ # only a mark\n", "x.txt")
    with pytest.raises(InputError, match="discard file not found"):
        load_discards(Path("/nonexistent/discards.txt"))


def test_the_project_list_holds_past_years_only() -> None:
    discards = load_discards(NEWS_DISCARDS)
    assert discards.match("the 1994 genocide") and discards.match("in 2013")
    assert discards.match("in 2000") is None and discards.match("in 1913") is None
    assert discards.match("ten years ago") is None  # coded in PETRARCH-2's validation records


@pytest.fixture(scope="module")
def seed_like(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Two English documents run through segment and the tag stage with the news discards on."""
    work = tmp_path_factory.mktemp("discards")
    settings = project_settings(work)
    segmenter = Segmenter(settings.segment)
    texts = {
        "en-today": "France accused Rwanda of lying about the 1994 genocide. France condemned Rwanda on Monday.",
        "en-cup": "Brazil met Germany in the World Cup final. Germany accused Brazil of cheating.",
    }
    files = []
    for doc_id, text in texts.items():
        files.append(work / f"{doc_id}.jsonl")
        write_jsonl(files[-1], segmenter.segment(plain_document(doc_id, text)))
    news = settings.tag.model_copy(update={"cameo_discards": work / "news.txt"})
    (work / "news.txt").write_text(NEWS_DISCARDS.read_text() + "+WORLD CUP\n")
    outputs = {}
    for name, tag_settings in (("off", settings.tag), ("news", news)):
        out = work / name
        out.mkdir()
        args = (out / "entities.jsonl", out / "events.jsonl", out / "metrics.json")
        tag.run(files, None, None, *args, tag_settings)
        events = {r.text: r.events for r in read_jsonl(out / "events.jsonl", SentenceEvents)}
        outputs[name] = {"events": events, "metrics": json.loads((out / "metrics.json").read_text())}
    return outputs


def test_the_tag_stage_leaves_discarded_sentences_and_stories_uncoded(seed_like) -> None:
    off, news = seed_like["off"], seed_like["news"]
    past = "France accused Rwanda of lying about the 1994 genocide."
    assert off["events"][past] and news["events"][past] == []  # names a past year
    assert news["events"]["France condemned Rwanda on Monday."]  # its neighbour is still coded
    cup = "Germany accused Brazil of cheating."
    assert off["events"][cup] and news["events"][cup] == []  # "+WORLD CUP" in its story
    assert news["metrics"]["discarded_sentences"] == 3 and off["metrics"]["discarded_sentences"] == 0


def test_a_german_sentence_is_discarded_by_its_text_or_its_translation() -> None:
    from pipelines.core.records import Provenance, Sentence

    def sentence(sent_id: str, doc_id: str, text: str) -> Sentence:
        return Sentence(
            sent_id=sent_id, doc_id=doc_id, para_id="p", index=0, lang="de", text=text, start=0, end=len(text),
            section=[], tokens=[], provenance=Provenance(engine="test"),
        )  # fmt: skip

    rows = [sentence("a", "d1", "Im Jahr 1994 trafen sie sich."), sentence("b", "d2", "Beim Turnier trafen sie sich.")]
    rows += [sentence("c", "d2", "Sie trafen sich."), sentence("e", "d3", "Sie trafen sich.")]
    found = discarded_sentences(rows, parse_discards(PHOENIX_LIKE, "x.txt"), {"b": "At the World Cup they met."})
    assert found == {"a": "1994", "b": "WORLD CUP", "c": "+WORLD CUP"}  # b by its English, c by its story
    assert discarded_sentences(rows, None, {}) == {}
