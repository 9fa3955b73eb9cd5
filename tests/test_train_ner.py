"""Train-ner: GermEval reading, the scorer, and the correction loop on a tiny real training run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.core.errors import StageError
from pipelines.core.io import read_jsonl
from pipelines.core.records import Sentence
from pipelines.core.settings import TagSettings
from pipelines.engines.tagger import analyse, build_tagger, plan_tagger
from pipelines.labelstudio.tasks import sha1
from pipelines.stages import train_ner
from pipelines.training.scoring import score, spans
from pipelines.training.tagged import TaggedSentence, from_spans, read_germeval, split

from .conftest import ROOT, project_settings

GERMEVAL = (ROOT / "../shared/data/germeval2014/NER-de-test.tsv").resolve()
needs_germeval = pytest.mark.skipif(not GERMEVAL.exists(), reason=f"{GERMEVAL} (public GermEval data) not present")


def test_germeval_tags_keep_names_only(tmp_path: Path) -> None:
    tsv = tmp_path / "g.tsv"
    tsv.write_text(
        "#\thttp://example.org\t[2009-10-23]\n"
        "1\tDie\tO\tO\n2\tdeutschen\tB-LOCderiv\tO\n3\tKolpingwerke\tB-ORG\tO\n"
        "4\tin\tO\tO\n5\tBad\tB-LOC\tO\n6\tHonnef\tI-LOC\tO\n7\tEU-weit\tB-ORGpart\tO\n\n"
        "1\tHans\tB-PERderiv\tO\n2\tMüller\tI-PER\tB-PER\n\n",
        encoding="utf-8",
    )
    first, second = read_germeval(tsv)
    assert first.tags == ("O", "O", "B-ORG", "O", "B-LOC", "I-LOC", "O")
    assert first.origin == "germeval:2"
    assert second.tags == ("O", "B-PER")  # an I- whose B- was a dropped deriv tag starts the name


def test_a_bad_germeval_line_is_named(tmp_path: Path) -> None:
    tsv = tmp_path / "g.tsv"
    tsv.write_text("1\tDie\tO\tO\n2\n", encoding="utf-8")
    with pytest.raises(StageError, match=r"g.tsv:2: expected"):
        read_germeval(tsv)


def test_split_is_fixed_and_disjoint() -> None:
    sentences = [TaggedSentence((str(k),), ("O",), f"s{k}") for k in range(100)]
    parts = split(sentences, held_out_every=5, dev_every=10)
    assert [s.origin for s in parts.held_out[:3]] == ["s4", "s9", "s14"]
    assert len(parts.held_out) == 20 and len(parts.dev) == 8 and len(parts.train) == 72
    assert {s.origin for s in parts.train} & {s.origin for s in parts.held_out + parts.dev} == set()


def test_scorer_against_hand_counts() -> None:
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O", "B-OTH", "I-OTH"]]
    predicted = [["B-PER", "I-PER", "O", "B-ORG"], ["B-ORG", "O", "B-OTH", "O"]]
    scores = score(gold, predicted)
    # gold: 4 spans; predicted: 4; exact and typed: PER, ORG -> 2/4 each
    assert (scores["precision"], scores["recall"], scores["f1"]) == (0.5, 0.5, 0.5)
    assert scores["untyped"]["f1"] == 0.75  # the LOC/ORG span has the right boundaries
    assert scores["per_type"]["LOC"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "gold": 1}
    assert spans(["S-PER", "B-LOC", "E-LOC", "I-ORG"]) == {(0, 1, "PER"), (1, 3, "LOC"), (3, 4, "ORG")}


def test_a_correction_off_token_boundaries_is_named() -> None:
    sentence = Sentence.model_validate(
        {
            "sent_id": "d:1", "doc_id": "d", "para_id": "p0", "lang": "de", "index": 0, "text": "Kim reiste.",
            "start": 0, "end": 11, "section": [], "provenance": {"engine": "test", "model": "-", "version": "-"},
            "tokens": [{"text": "Kim", "start": 0, "end": 3}, {"text": "reiste", "start": 4, "end": 10},
                       {"text": ".", "start": 10, "end": 11}],
        }
    )  # fmt: skip
    row = from_spans(sentence, [{"start": 0, "end": 3, "label": "PER", "text": "Kim"}])
    assert row.tags == ("B-PER", "O", "O") and row.origin == "human:d:1"
    with pytest.raises(StageError, match=r"d:1: corrected span 0-2 'Ki'"):
        from_spans(sentence, [{"start": 0, "end": 2, "label": "PER", "text": "Ki"}])


def _human_row(sentence: Sentence, start: int, end: int, label: str) -> dict:
    return {
        "key": sentence.sent_id,
        "kind": "tagging",
        "task_id": 1,
        "annotation_id": 1,
        "text_sha1": sha1(sentence.text),
        "stale": False,
        "result": [
            {
                "id": "r1", "from_name": "entities", "to_name": "text", "type": "labels",
                "value": {"start": start, "end": end, "text": sentence.text[start:end], "labels": [label]},
            }
        ],
    }  # fmt: skip


@needs_germeval
def test_corrections_loop_retrains_and_scores_without_them(seed_corpus: Path, tmp_path: Path) -> None:
    """A synthetic correction enters the training data, before/after metrics are written, and a
    held-out sentence equal to the corrected one is not scored."""
    german = list(read_jsonl(seed_corpus / "sentences" / "de-dprk-cuba.jsonl", Sentence))
    corrected = next(s for s in german[1:] if "Kuba" in s.text)
    # a small GermEval file: its first 120 sentences, plus the corrected sentence as held-out sentence 5
    blocks = GERMEVAL.read_text(encoding="utf-8").split("\n\n")[:120]
    tokens = "\n".join(f"{k}\t{t.text}\tO\tO" for k, t in enumerate(corrected.tokens, start=1))
    blocks.insert(4, tokens)
    data = tmp_path / "germeval.tsv"
    data.write_text("\n\n".join(blocks) + "\n\n", encoding="utf-8")
    annotations = tmp_path / "annotations"
    annotations.mkdir()
    settings = project_settings(tmp_path).train_ner.model_copy(
        update={"germeval": data, "max_steps": 20, "eval_interval": 10, "dev_every": 10, "vector_words": 200}
    )
    where = {
        "out": tmp_path / "model",
        "metrics": tmp_path / "ner.json",
        "sentences_dir": seed_corpus / "sentences",
        "manifest": None,
        "annotations": annotations,
        "progress": False,
    }
    first = train_ner.run(settings, **where)
    assert first["status"] == "trained" and first["before"] is None
    assert first["human_sentences"] == 0 and first["held_out_excluded_as_corrected"] == 0
    assert 0.0 <= first["after"]["f1"] <= 1.0
    card = json.loads((tmp_path / "model" / "model.json").read_text())
    assert card["training_data"][0]["licence"] == "CC BY 4.0" and len(card["sha256"]) == 64
    assert train_ner.run(settings, **where)["status"] == "up to date"  # same inputs: no retraining

    start = corrected.text.index("Kuba")
    rows = [_human_row(corrected, start, start + 4, "GPE"), _human_row(german[0], 0, 1, "PER") | {"stale": True}]
    (annotations / "tagging.human.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    second = train_ner.run(settings, **where)
    assert second["status"] == "trained" and second["human_sentences"] == 1  # the stale row is not used
    assert second["before"] is not None and second["after"] is not None
    assert second["held_out_excluded_as_corrected"] == 1
    assert second["held_out_sentences"] == first["held_out_sentences"] - 1
    training = json.loads((settings.work_dir / "train.json").read_text())
    kuba = [[t["ner"] for t in s if t["text"] == "Kuba"] for s in training if len(s) == len(corrected.tokens)]
    assert kuba.count(["B-LOC"]) == settings.human_repeats
    assert json.loads((tmp_path / "ner.json").read_text()) == json.loads(json.dumps(second))

    # the tag stage loads the trained model as stanza's ner processor and names it
    tag_settings = TagSettings(trained_ner=tmp_path / "model", cache_dir=tmp_path / "stanza-tag")
    plan = plan_tagger("de", tag_settings)
    assert plan.provenance.engine == "stanza-variant:hanta+stanza-ner:trained"
    card = json.loads((tmp_path / "model" / "model.json").read_text())
    assert plan.provenance.model_sha256 == card["sha256"] and "GermEval" in plan.provenance.model
    tagger = build_tagger("de", tag_settings)
    vocab = tagger.nlp.processors["ner"].trainers[0].model.vocab["word"]
    unseen = [t.text for t in german[-1].tokens if t.text not in vocab]
    assert unseen  # words the pretrain file does not know ...
    analysis = analyse(tagger, [german[-1], corrected])[1]
    assert all(word in vocab for word in unseen)  # ... get their encoder vectors when first met
    assert len(analysis.lemmas) == len(corrected.tokens)
    assert all(label in ("PER", "LOC", "ORG", "OTH") for _, _, label in analysis.raw_entities)
