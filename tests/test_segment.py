"""Segment: sentence counts checked against the files, ids, offsets, backends, repairs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from pipelines.core.errors import StageError
from pipelines.core.io import read_json, read_jsonl
from pipelines.core.lexicon import words
from pipelines.core.records import Document, Sentence
from pipelines.core.settings import SegmentSettings
from pipelines.engines.text.segmenter import REPAIR_RULES, Segmenter, attach_punctuation, repair_splits

from .conftest import ROOT, SEEDS, project_settings

MANIFEST = yaml.safe_load((SEEDS / "manifest.yaml").read_text())["documents"]
# An independent oracle for these seeds: a sentence ends at . ! ? before a capital (not after
# an initial) or at a line end (also ':'), except German ordinal dates ("29. August").
BOUNDARY = re.compile(r"(?<!\b[A-Z])[.!?](?=[\"”]?\s+[A-ZÄÖÜ\"])|[.!?:][\"”]?\s*$")
ORDINAL_DATE = re.compile(r"\b\d{1,2}\.\s+(?:" + "|".join(words("months", "de")) + ")")


def sentences(seed_corpus: Path, doc_id: str) -> list[Sentence]:
    return list(read_jsonl(seed_corpus / "sentences" / f"{doc_id}.jsonl", Sentence))


def body_lines(raw: str) -> list[str]:
    lines, navigation, infobox = [], False, False
    for line in (line.strip() for line in raw.split("\n")):
        if not line:
            infobox = False
        elif line.startswith("="):
            navigation = "See also" in line
        elif line == "Infobox":
            infobox = True
        elif not (infobox or navigation or line.startswith("- ")):
            lines.append(line)
    return lines


@pytest.mark.parametrize("doc_id", list(MANIFEST))
def test_sentence_count_matches_the_file(seed_corpus: Path, doc_id: str) -> None:
    raw = (SEEDS / MANIFEST[doc_id]["file"]).read_text(encoding="utf-8")
    expected = sum(len(BOUNDARY.findall(line)) - len(ORDINAL_DATE.findall(line)) for line in body_lines(raw))
    produced = sentences(seed_corpus, doc_id)
    assert len(produced) == expected
    assert [s.index for s in produced] == list(range(len(produced)))


@pytest.mark.parametrize("doc_id", list(MANIFEST))
def test_offsets_and_tokens(seed_corpus: Path, doc_id: str) -> None:
    document = read_json(seed_corpus / "documents" / f"{doc_id}.json", Document)
    produced = sentences(seed_corpus, doc_id)
    for sentence in produced:
        assert document.text[sentence.start : sentence.end] == sentence.text
        assert "".join(t.text for t in sentence.tokens).replace(" ", "") == sentence.text.replace(" ", "")
    # every non-space character of a text paragraph lands in exactly one sentence
    for paragraph in document.sentence_paragraphs():
        inside = [s for s in produced if s.para_id == paragraph.para_id]
        covered = "".join(s.text for s in inside).replace(" ", "")
        assert covered == paragraph.text.replace(" ", "")
        assert all(s.section == paragraph.section for s in inside)


def test_german_dates_and_glued_periods(seed_corpus: Path) -> None:
    texts = [s.text for s in sentences(seed_corpus, "de-dprk-cuba")]
    assert texts[0].startswith("Die Demokratische Volksrepublik Korea (DVRK)")
    assert "am 29. August 1960, diplomatische Beziehungen zueinander auf." in texts[0]
    # the weak German model reads "DVRK." as an abbreviation; the repair splits it
    assert texts[5].endswith("Ernesto Che Guevara, die DVRK.")
    assert texts[6] == "Präsident Kim Il Sung empfing ihn herzlich."


def test_provenance_names_the_real_model(seed_corpus: Path) -> None:
    german = sentences(seed_corpus, "de-dprk-cuba")[0].provenance
    assert german.engine == "stanza"
    assert german.model == "de/tokenize/gsd_dev.pt (local file)"
    assert german.substitute_for is None and len(german.model_sha256) == 64
    assert german.postprocess == REPAIR_RULES


def test_ids_are_stable_and_content_derived(seed_corpus: Path, tmp_path: Path) -> None:
    first = sentences(seed_corpus, "de-dprk-cuba")
    document = read_json(seed_corpus / "documents" / "de-dprk-cuba.json", Document)
    again = Segmenter(_settings()).segment(document)
    assert [s.sent_id for s in again] == [s.sent_id for s in first]
    assert len({s.sent_id for s in first}) == len(first)
    # edit one paragraph: only its sentence's id changes
    paragraph = document.paragraphs[2]
    changed = paragraph.text.replace("solidarisch", "entschlossen")
    text = document.text[: paragraph.start] + changed + document.text[paragraph.end :]
    edited = document.model_copy(
        update={
            "text": text,
            "paragraphs": [p.model_copy(update={"text": changed}) if p.index == 2 else p for p in document.paragraphs],
        }
    )
    after = Segmenter(_settings()).segment(edited)
    differing = [a.sent_id for a, b in zip(after, first, strict=True) if a.sent_id != b.sent_id]
    assert differing == [after[2].sent_id] and after[2].sent_id.startswith("de-dprk-cuba-p002-s00-")


def _settings(**overrides) -> SegmentSettings:
    return project_settings().segment.model_copy(update=overrides)


def test_spacy_variant_is_a_labelled_substitute(seed_corpus: Path) -> None:
    document = read_json(seed_corpus / "documents" / "en-cuba-south-korea.json", Document)
    produced = Segmenter(_settings(engine="spacy")).segment(document)
    reference = sentences(seed_corpus, "en-cuba-south-korea")
    assert [s.text for s in produced] == [s.text for s in reference]
    assert produced[0].provenance.engine == "stanza-variant:spacymodel"
    assert produced[0].provenance.substitute_for == "stanza tokenize model"
    assert produced[0].provenance.model.startswith("en_core_web_sm-3.8.0")


def test_stanza_engine_without_models_fails_clearly(seed_corpus: Path, tmp_path: Path) -> None:
    document = read_json(seed_corpus / "documents" / "de-dprk-cuba.json", Document)
    settings = _settings(engine="stanza", stanza_dir=tmp_path, tokenizer_files={})
    with pytest.raises(StageError, match=r"no stanza tokenizer for 'de'.*corpus models stanza"):
        Segmenter(settings).segment(document)


def test_official_model_layout_is_used_when_present(tmp_path: Path) -> None:
    model = ROOT / "models" / "stanza" / "en" / "tokenize" / "combined.pt"
    (tmp_path / "en" / "tokenize").mkdir(parents=True)
    (tmp_path / "en" / "tokenize" / "combined.pt").write_bytes(model.read_bytes())
    (tmp_path / "resources.json").write_text(
        json.dumps(
            {
                "en": {
                    "default_processors": {"tokenize": "combined"},
                    "packages": {"default": {"tokenize": "combined"}},
                    "tokenize": {"combined": {}},
                }
            }
        )
    )
    segmenter = Segmenter(_settings(engine="stanza", stanza_dir=tmp_path, tokenizer_files={}))
    assert segmenter.backend("en").provenance.model == "en/tokenize/combined"
    split = segmenter.split_paragraphs("en", ["Mr. Kim went home. He slept."])
    assert [next((s, e) for s, e in sent) for sent in split[0]] == [(0, 3), (19, 21)]


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("de", "Er kam am 3. Mai 2001 an. Dann ging er.", ["Er kam am 3. Mai 2001 an.", "Dann ging er."]),
        ("de", "Das gilt z. B. für Dr. Müller. Er lachte.", ["Das gilt z. B. für Dr. Müller.", "Er lachte."]),
        ("en", "Dr. Smith met Mr. Kim in Seoul. They talked.", ["Dr. Smith met Mr. Kim in Seoul.", "They talked."]),
        ("en", "President George W. Bush met Kim. They talked.", ["President George W. Bush met Kim.", "They talked."]),
        ("de", "Präsident George W. Bush kam. Er ging.", ["Präsident George W. Bush kam.", "Er ging."]),
        ("en", "The vote went to plan B. Then they left.", ["The vote went to plan B.", "Then they left."]),
    ],
)
def test_dates_and_abbreviations_do_not_split(lang: str, text: str, expected: list[str]) -> None:
    split = Segmenter(_settings()).split_paragraphs(lang, [text])[0]
    assert [text[s[0][0] : s[-1][1]] for s in split] == expected


def test_repair_rules_on_token_spans() -> None:
    text = "Am 1. Mai kam er. sie ging."
    spans = [[(0, 2), (3, 5)], [(6, 9), (10, 13), (14, 16), (16, 17)], [(18, 21), (22, 26), (26, 27)]]
    assert repair_splits("de", text, spans) == [[*spans[0], *spans[1], *spans[2]]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Er sagte: „Wir kommen.“ Dann ging er.", ["Er sagte: „Wir kommen.“", "Dann ging er."]),
        ('He said: "We will come." Then he left.', ['He said: "We will come."', "Then he left."]),
        ("Das war „gut.“ „Sehr gut.“", ["Das war „gut.“", "„Sehr gut.“"]),  # the weak model split off the last “
    ],
)
def test_closing_quotes_stay_with_their_sentence(text: str, expected: list[str]) -> None:
    lang = "en" if text.startswith("He") else "de"
    split = Segmenter(_settings()).split_paragraphs(lang, [text])[0]
    assert [text[s[0][0] : s[-1][1]] for s in split] == expected


def test_punctuation_only_sentences_never_stand_alone() -> None:
    text = "“ . Ein Satz. “"
    spans = [[(0, 1)], [(2, 3)], [(4, 7), (8, 12), (12, 13)], [(14, 15)]]
    kept, dropped = attach_punctuation(text, spans)
    assert kept == [[(4, 7), (8, 12), (12, 13), (14, 15)]] and dropped == 2
