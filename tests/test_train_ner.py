"""Train-ner: GermEval reading, the scorer, and the correction loop on a tiny real training run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.core.errors import StageError
from pipelines.core.io import read_jsonl
from pipelines.core.records import Sentence
from pipelines.core.reviews import LabelledSpan, Review, review_sha1
from pipelines.core.settings import TagSettings
from pipelines.engines.ner import ner_model
from pipelines.engines.ner.tagger import analyse, build_tagger, plan_tagger
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
    row = from_spans(sentence, [LabelledSpan(start=0, end=3, label="PER", text="Kim")])
    assert row.tags == ("B-PER", "O", "O") and row.origin == "human:d:1"
    with pytest.raises(StageError, match=r"d:1: corrected span 0-2 'Ki'"):
        from_spans(sentence, [LabelledSpan(start=0, end=2, label="PER", text="Ki")])


def test_an_off_boundary_span_in_a_pulled_row_is_named_by_file_and_line(seed_corpus: Path, tmp_path: Path) -> None:
    from pipelines.stages.train_ner import human_sentences

    sentence = next(
        s for s in read_jsonl(seed_corpus / "sentences" / "de-dprk-cuba.jsonl", Sentence) if "Kim" in s.text
    )
    start = sentence.text.index("Kim")
    annotations = tmp_path / "annotations"
    annotations.mkdir()
    good = json.dumps(_human_row(sentence, start, start + 3, "PER"))
    bad = json.dumps(_human_row(sentence, start, start + 2, "PER"))
    (annotations / "tagging.human.jsonl").write_text(good + "\n" + bad + "\n", encoding="utf-8")
    with pytest.raises(StageError, match=r"tagging\.human\.jsonl:2: .* corrected span"):
        human_sentences(seed_corpus / "sentences", None, annotations)


def _human_row(sentence: Sentence, start: int, end: int, label: str) -> dict:
    """A pulled tagging review with one entity span (as ``corpus annotate pull`` writes it)."""
    span = LabelledSpan(start=start, end=end, text=sentence.text[start:end], label=label)
    return Review(
        key=sentence.sent_id, kind="tagging", task_id=1, annotation_id=1, text_sha1=review_sha1(sentence.text),
        stale=False, verdict=None, pick=None, entities=[span], events=[],
    ).model_dump()  # fmt: skip


def _small_germeval(tmp_path: Path, corrected: Sentence) -> Path:
    """GermEval's first 120 sentences, plus the corrected sentence as held-out sentence 5."""
    blocks = GERMEVAL.read_text(encoding="utf-8").split("\n\n")[:120]
    blocks.insert(4, "\n".join(f"{k}\t{t.text}\tO\tO" for k, t in enumerate(corrected.tokens, start=1)))
    data = tmp_path / "germeval.tsv"
    data.write_text("\n\n".join(blocks) + "\n\n", encoding="utf-8")
    return data


def _loop(seed_corpus: Path, tmp_path: Path, **update: object) -> tuple[dict, dict, object, list[Sentence], Sentence]:
    """Train, train again (up to date), add a correction and a stale row, train a third time."""
    german = list(read_jsonl(seed_corpus / "sentences" / "de-dprk-cuba.jsonl", Sentence))
    corrected = next(s for s in german[1:] if "Kuba" in s.text)
    annotations = tmp_path / "annotations"
    annotations.mkdir()
    settings = project_settings(tmp_path).train_ner.model_copy(
        update={"germeval": _small_germeval(tmp_path, corrected), "germeval_train": None, "dev_every": 10, **update}
    )
    where = {
        "out": tmp_path / "model",
        "metrics": tmp_path / "ner.json",
        "sentences_dir": seed_corpus / "sentences",
        "manifest": None,
        "annotations": annotations,
    }
    first = train_ner.run(settings=settings, **where)
    assert first["status"] == "trained" and first["before"] == first["after"]  # no corrections: one model
    assert first["human_sentences"] == 0 and first["held_out_excluded_as_corrected"] == 0
    assert 0.0 <= first["after"]["f1"] <= 1.0
    card = json.loads((tmp_path / "model" / "model.json").read_text())
    assert card["training_data"][0]["licence"] == "CC BY 4.0" and len(card["sha256"]) == 64
    assert card["learner"] == settings.learner
    typed = ner_model.read_card(tmp_path / "model")  # the same card, typed: what the tag stage reads
    assert typed is not None and typed.sha256 == card["sha256"] and typed.training_data[0].name == "GermEval 2014 NER"
    assert typed.describe().startswith(f"{first['train_sentences']} sentences of GermEval 2014 NER + 0 sentences of")
    assert train_ner.run(settings=settings, **where)["status"] == "up to date"  # same inputs: no retraining

    start = corrected.text.index("Kuba")
    rows = [_human_row(corrected, start, start + 4, "GPE"), _human_row(german[0], 0, 1, "PER") | {"stale": True}]
    (annotations / "tagging.human.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    second = train_ner.run(settings=settings, **where)
    assert second["status"] == "trained" and second["human_sentences"] == 1  # the stale row is not used
    assert second["before"] is not None and second["after"] is not None
    assert second["held_out_excluded_as_corrected"] == 1
    assert second["held_out_sentences"] == first["held_out_sentences"] - 1
    written = json.loads((tmp_path / "ner.json").read_text())
    assert written == {k: v for k, v in json.loads(json.dumps(second)).items() if k != "status"}
    return first, second, settings, german, corrected


@needs_germeval
def test_crf_corrections_loop_retrains_and_scores_without_them(seed_corpus: Path, tmp_path: Path) -> None:
    """The CRF: a correction enters the training data (its gazetteer), before/after metrics are
    written, a held-out sentence equal to the corrected one is not scored, the same inputs give
    the same model files, and the tag stage runs the model as stanza's ner processor."""
    _, second, _, german, corrected = _loop(seed_corpus, tmp_path, crf_iterations=50)
    model = tmp_path / "model"
    gazetteer = json.loads((model / "gazetteer.json").read_text())
    assert {"tokens": ["Kuba"], "type": "LOC"} in gazetteer
    files = ["clusters.npz", "context.npz", "gazetteer.json", "head.npz", "model.crfsuite", "model.json"]
    assert sorted(p.name for p in model.iterdir()) == files  # context.npz, head.npz: contextual
    # the baseline (GermEval alone) is trained again only when its own data changes
    assert second["before"]["f1"] == json.loads((model / "model.json").read_text())["baseline"]["scores"]["f1"]

    tag_settings = TagSettings(trained_ner=model, cache_dir=tmp_path / "stanza-tag")
    plan = plan_tagger("de", tag_settings)
    assert plan.provenance.engine == "stanza-variant:hanta+crf-ner:train-ner"
    card = json.loads((model / "model.json").read_text())
    assert plan.provenance.model_sha256 == card["sha256"] and "CRF NER" in plan.provenance.model
    tagger = build_tagger("de", tag_settings)
    analysis = analyse(tagger, [german[-1], corrected])[1]
    assert len(analysis.lemmas) == len(corrected.tokens)
    assert all(label in ("PER", "LOC", "ORG", "OTH") for _, _, label in analysis.raw_entities)
    assert corrected.text.index("Kuba") in {corrected.tokens[a].start for a, _, _ in analysis.raw_entities}


@needs_germeval
def test_stanza_learner_still_trains_and_loads(seed_corpus: Path, tmp_path: Path) -> None:
    """stanza's own trainer (``learner: stanza``): the same loop, the correction in its training
    file, and words unseen in training get their encoder vectors when first met."""
    update = {"learner": "stanza", "max_steps": 20, "eval_interval": 10, "vector_words": 200}
    _, _, settings, german, corrected = _loop(seed_corpus, tmp_path, **update)
    training = json.loads((settings.work_dir / "model" / "train.json").read_text())
    kuba = [[t["ner"] for t in s if t["text"] == "Kuba"] for s in training if len(s) == len(corrected.tokens)]
    assert kuba.count(["B-LOC"]) == settings.human_repeats

    tag_settings = TagSettings(trained_ner=tmp_path / "model", cache_dir=tmp_path / "stanza-tag")
    plan = plan_tagger("de", tag_settings)
    assert plan.provenance.engine == "stanza-variant:hanta+stanza-ner:train-ner"
    tagger = build_tagger("de", tag_settings)
    vocab = tagger.nlp.processors["ner"].trainers[0].model.vocab["word"]
    unseen = [t.text for t in german[-1].tokens if t.text not in vocab]
    assert unseen  # words the pretrain file does not know ...
    analysis = analyse(tagger, [german[-1], corrected])[1]
    assert all(word in vocab for word in unseen)  # ... get their encoder vectors when first met
    assert all(label in ("PER", "LOC", "ORG", "OTH") for _, _, label in analysis.raw_entities)
