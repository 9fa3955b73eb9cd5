"""Segment: sentence counts checked against the files, ids, offsets, backends, repairs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from pipelines import segment
from pipelines.records import Document, Sentence, read_json, read_jsonl

from .conftest import ROOT, SEEDS

MANIFEST = yaml.safe_load((SEEDS / "manifest.yaml").read_text())["documents"]
# An independent oracle for these seeds: a sentence ends at . ! ? before a capital (not after
# an initial) or at a line end (also ':'), except German ordinal dates ("29. August").
BOUNDARY = re.compile(r"(?<!\b[A-Z])[.!?](?=[\"”]?\s+[A-ZÄÖÜ\"])|[.!?:][\"”]?\s*$")
ORDINAL_DATE = re.compile(r"\b\d{1,2}\.\s+(?:" + segment.MONTHS_DE + ")")


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
    assert german.postprocess == segment.REPAIR_RULES


def test_ids_are_stable_and_content_derived(seed_corpus: Path, tmp_path: Path) -> None:
    first = sentences(seed_corpus, "de-dprk-cuba")
    document = read_json(seed_corpus / "documents" / "de-dprk-cuba.json", Document)
    again = segment.segment_document(document, {"engine": "auto", **_files()})
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
    after = segment.segment_document(edited, {"engine": "auto", **_files()})
    differing = [a.sent_id for a, b in zip(after, first, strict=True) if a.sent_id != b.sent_id]
    assert differing == [after[2].sent_id] and after[2].sent_id.startswith("de-dprk-cuba-p002-s00-")


def _files() -> dict:
    return yaml.safe_load((ROOT / "params.yaml").read_text())["segment"]


def test_spacy_variant_is_a_labelled_substitute(seed_corpus: Path) -> None:
    document = read_json(seed_corpus / "documents" / "en-cuba-south-korea.json", Document)
    produced = segment.segment_document(document, {"engine": "spacy", "cache_dir": ".cache/stanza"})
    reference = sentences(seed_corpus, "en-cuba-south-korea")
    assert [s.text for s in produced] == [s.text for s in reference]
    assert produced[0].provenance.engine == "stanza-variant:spacymodel"
    assert produced[0].provenance.substitute_for == "stanza tokenize model"
    assert produced[0].provenance.model.startswith("en_core_web_sm-3.8.0")


def test_stanza_engine_without_models_fails_clearly(seed_corpus: Path, tmp_path: Path) -> None:
    document = read_json(seed_corpus / "documents" / "de-dprk-cuba.json", Document)
    params = {"engine": "stanza", "stanza_dir": str(tmp_path), "tokenizer_files": {}}
    with pytest.raises(segment.StageError, match=r"no stanza tokenizer for 'de'.*corpus models stanza"):
        segment.segment_document(document, params)


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
    backend = segment.official_backend("en", tmp_path)
    assert backend is not None and backend.provenance.model == "en/tokenize/combined"
    split = segment.split_paragraphs("en", ["Mr. Kim went home. He slept."], backend)
    assert [next((s, e) for s, e in sent) for sent in split[0]] == [(0, 3), (19, 21)]


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("de", "Er kam am 3. Mai 2001 an. Dann ging er.", ["Er kam am 3. Mai 2001 an.", "Dann ging er."]),
        ("de", "Das gilt z. B. für Dr. Müller. Er lachte.", ["Das gilt z. B. für Dr. Müller.", "Er lachte."]),
        ("en", "Dr. Smith met Mr. Kim in Seoul. They talked.", ["Dr. Smith met Mr. Kim in Seoul.", "They talked."]),
    ],
)
def test_dates_and_abbreviations_do_not_split(lang: str, text: str, expected: list[str]) -> None:
    backend = segment.choose_backend(lang, _files())
    split = segment.split_paragraphs(lang, [text], backend)[0]
    assert [text[s[0][0] : s[-1][1]] for s in split] == expected


def test_repair_rules_on_token_spans() -> None:
    text = "Am 1. Mai kam er. sie ging."
    spans = [[(0, 2), (3, 5)], [(6, 9), (10, 13), (14, 16), (16, 17)], [(18, 21), (22, 26), (26, 27)]]
    assert segment.repair_splits("de", text, spans) == [[*spans[0], *spans[1], *spans[2]]]
