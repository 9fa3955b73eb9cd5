"""Export: hub-ready dataset loads back exactly, human work wins, TMX/Moses/TSV, card, publish."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from pipelines.core.errors import StageError
from pipelines.core.io import write_jsonl
from pipelines.labelstudio.results import human_rows
from pipelines.labelstudio.tasks import KEY_FIELD, build_items
from pipelines.publish.features import features
from pipelines.publish.hub import publish
from pipelines.stages import export
from pipelines.tagging.discards import NEWS_DISCARDS

from .conftest import ROOT, project_settings


def run_export(corpus: Path, annotations: Path, out: Path) -> dict:
    settings = project_settings().export
    return export.run(corpus, annotations, out / "dist", out / "metrics.json", out / "plot.csv", settings)


@pytest.fixture(scope="module")
def human_annotations(full_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Pulled-annotation files as `corpus annotate pull` writes them: one verdict, one tagging fix."""
    folder = tmp_path_factory.mktemp("annotations")
    items, _ = build_items("alignment", full_corpus)
    data, _ = items[0]
    verdict = [
        {
            "id": "verdict",
            "from_name": "verdict",
            "to_name": "src",
            "type": "choices",
            "value": {"choices": ["correct"]},
        }
    ]
    write_jsonl(folder / "alignment.human.jsonl", pulled("alignment", 1, data, verdict))
    tagging, _ = build_items("tagging", full_corpus)
    sentence = next(d for d, _ in tagging if d["text"] == "Präsident Kim Il Sung empfing ihn herzlich.")
    text = sentence["text"]
    result = [
        {
            "id": "p",
            "from_name": "entities",
            "to_name": "text",
            "type": "labels",
            "value": {"start": 10, "end": 21, "text": "Kim Il Sung", "labels": ["PER"]},
        },
        {
            "id": "t",
            "from_name": "triggers",
            "to_name": "text",
            "type": "labels",
            "value": {"start": 22, "end": 29, "text": "empfing", "labels": ["CONSULT"]},
        },
        {
            "id": "t",
            "from_name": "cameo",
            "to_name": "text",
            "type": "choices",
            "value": {"start": 22, "end": 29, "text": "empfing", "choices": ["043"]},
        },
        {  # the annotator's actor code (checked and upper-cased on the way back)
            "id": "t",
            "from_name": "actor_codes",
            "to_name": "text",
            "type": "textarea",
            "value": {"start": 22, "end": 29, "text": ["actor=prkgov"]},
        },
        {"type": "relation", "from_id": "t", "to_id": "p", "direction": "right", "labels": ["actor"]},
    ]
    assert text[10:21] == "Kim Il Sung" and text[22:29] == "empfing"
    write_jsonl(folder / "tagging.human.jsonl", pulled("tagging", 2, sentence, result))
    return folder


def pulled(kind: str, task_id: int, data: dict, result: list[dict]) -> list:
    """The pull's reading of one exported task with one submitted annotation."""
    annotation = {"id": task_id, "completed_by": 1, "updated_at": "2026-11-24T00:00:00Z", "result": result}
    task = {"id": task_id, "data": data, "annotations": [annotation]}
    return human_rows(kind, [task], {data[KEY_FIELD[kind]]: data["text_sha1"]})


@pytest.fixture(scope="module")
def exported(full_corpus: Path, human_annotations: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("export")
    metrics = run_export(full_corpus, human_annotations, out)
    return {"dist": out / "dist", "metrics": metrics, "out": out, "human": human_annotations}


def card(dist: Path) -> tuple[dict, str]:
    text = (dist / "dataset" / "README.md").read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body


def test_every_config_loads_back_exactly(exported, monkeypatch) -> None:
    from datasets import Dataset, load_dataset

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    meta, _ = card(exported["dist"])
    names = [c["config_name"] for c in meta["configs"]]
    assert set(names) == {"parallel", "alignments", "ner", "events", "translations", "documents"}
    assert [c["config_name"] for c in meta["configs"] if c.get("default")] == ["parallel"]
    schema = features()
    for name in names:
        loaded = load_dataset(str(exported["dist"] / "dataset"), name, split="train")
        assert loaded.features == schema[name], name
        assert len(loaded) == exported["metrics"]["rows"][name]["train"]
        parquet = exported["dist"] / "dataset" / "data" / name / "train-00000-of-00001.parquet"
        assert loaded.to_list() == Dataset.from_parquet(str(parquet), features=schema[name]).to_list()
    ner = load_dataset(str(exported["dist"] / "dataset"), "ner", split="train")
    row = next(r for r in ner if r["text"].startswith("Die Demokratische Volksrepublik Korea"))
    tags = [ner.features["ner_tags"].feature.int2str(t) for t in row["ner_tags"]]
    assert tags[:5] == ["O", "B-GPE", "I-GPE", "I-GPE", "O"]
    assert {s["text"] for s in row["spans"]} >= {"Demokratische Volksrepublik Korea", "29. August 1960"}
    translations = load_dataset(str(exported["dist"] / "dataset"), "translations", split="train")
    assert len(translations) == 16 and {r["engine"] for r in translations} == {"gloss"}
    assert all(r["quality"] is not None and r["flagged"] == bool(r["flags"]) for r in translations)
    assert any(r["flagged"] for r in translations)  # a gloss reads badly, and its rows say so


def test_a_row_whose_columns_drift_from_the_schema_is_named(tmp_path) -> None:
    """The row builders and the schema are checked against each other on every export (the
    test above runs every config through that check); a drift names the config, row and column."""
    from pipelines.publish.formats import write_config

    schema = features()["documents"]
    row = {name: None for name in schema}
    write_config(tmp_path, "documents", [dict(row)], schema)  # exactly the schema's columns: written
    with pytest.raises(StageError, match=r"'documents', row 1: .*missing \['licence'\]"):
        write_config(tmp_path, "documents", [row, {k: v for k, v in row.items() if k != "licence"}], schema)
    with pytest.raises(StageError, match=r"not in the schema \['extra'\]"):
        write_config(tmp_path, "documents", [{**row, "extra": 1}], schema)


def test_human_work_wins_and_rows_say_so(exported, monkeypatch) -> None:
    from datasets import load_dataset

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    folder = str(exported["dist"] / "dataset")
    parallel = load_dataset(folder, "parallel", split="train")
    assert len(parallel) == 1 and parallel[0]["annotation_source"] == "human" and parallel[0]["verdict"] == "correct"
    assert set(parallel[0]["translation"]) == {"de", "en"}
    ner = load_dataset(folder, "ner", split="train")
    human = [r for r in ner if r["annotation_source"] == "human"]
    assert len(human) == 1 and [s["text"] for s in human[0]["spans"]] == ["Kim Il Sung"]
    assert all(r["annotation_source"].startswith("model:tagging:") for r in ner if r["annotation_source"] != "human")
    events = load_dataset(folder, "events", split="train")
    event = next(r for r in events if r["annotation_source"] == "human")["events"][0]
    assert events.features["events"].feature["type"].int2str(event["type"]) == "CONSULT"
    assert event["cameo"] == "043" and event["arguments"] == [
        {"start": 10, "end": 21, "text": "Kim Il Sung", "role": "actor", "code": "PRKGOV"}
    ]
    assert exported["metrics"]["human_verified_share"] == round(2 / (16 + len(ner)), 4)


def test_without_human_work_an_empty_config_is_left_out(full_corpus, tmp_path) -> None:
    (tmp_path / "annotations").mkdir()
    metrics = run_export(full_corpus, tmp_path / "annotations", tmp_path)
    meta, body = card(tmp_path / "dist")
    assert metrics["rows"]["parallel"]["train"] == 0
    assert "parallel" not in [c["config_name"] for c in meta["configs"]]
    assert "| `parallel` | 0 — not included" in body


def test_the_card_names_the_discard_list_when_one_is_set(exported, full_corpus, tmp_path) -> None:
    assert "discard list" not in card(exported["dist"])[1]  # the project's default: off
    (tmp_path / "annotations").mkdir()
    settings = project_settings().export
    export.run(full_corpus, tmp_path / "annotations", tmp_path / "dist", tmp_path / "metrics.json",
               tmp_path / "plot.csv", settings, discards=NEWS_DISCARDS)  # fmt: skip
    assert "name a phrase of the discard list `news.discards.txt`" in card(tmp_path / "dist")[1]


def test_the_card_names_the_plover_table_amendments_when_set(exported, full_corpus, tmp_path) -> None:
    """The types a dataset's events carry depend on the amendments: the card says which file."""
    assert "amended where" not in card(exported["dist"])[1]  # the fixture exports without them
    (tmp_path / "annotations").mkdir()
    settings = project_settings()
    export.run(full_corpus, tmp_path / "annotations", tmp_path / "dist", tmp_path / "metrics.json",
               tmp_path / "plot.csv", settings.export, amendments=settings.tag.plover_amendments)  # fmt: skip
    body = " ".join(card(tmp_path / "dist")[1].split())
    assert "amended where the manual's text types a code otherwise (`plover.amendments.txt`" in body


def test_card_yaml_and_prose(exported, full_corpus) -> None:
    meta, body = card(exported["dist"])
    assert meta["license"] == "other"  # the German article's licence is unknown
    assert meta["language"] == ["de", "en"]
    infos = {i["config_name"]: i for i in meta["dataset_info"]}
    for config in meta["configs"]:
        info = infos[config["config_name"]]
        assert info["splits"][0]["num_examples"] == exported["metrics"]["rows"][config["config_name"]]["train"]
        assert config["data_files"][0]["path"] == f"data/{config['config_name']}/train-*"
    assert "is a word-by-word dictionary gloss, not machine translation" in body
    assert "**Translations are machine output** unless" in body and "flagged (`flagged: true`" in body
    assert "Requires `datasets >= 4`" in body and "CC BY-SA 4.0" in body
    assert "https://en.wikipedia.org/wiki/Cuba%E2%80%93South_Korea_relations" in body
    assert "offline substitute for stanza pos/lemma/depparse/ner models" in body
    # computed from the corpus, not written for the seeds
    assert meta["size_categories"] == ["n<1K"]
    assert "from\n4 documents (1 de, 3 en;" in body and "16 de sentences, 185 en sentences" in body
    assert "1 of 16\nGerman sentences have an accepted English counterpart" in body  # the reviewer's pair
    assert "| `de-dprk-cuba` | `en-" in body  # the document pair it belongs to
    assert "| CC-BY-SA-4.0 | 3 |" in body and "**1 documents have no recorded licence** (de-dprk-cuba)" in body


def test_size_category_buckets() -> None:
    from pipelines.publish.card import size_category

    assert [size_category(n) for n in (0, 999, 1_000, 9_999, 10_000, 250_000, 5_000_000)] == [
        "n<1K", "n<1K", "1K<n<10K", "1K<n<10K", "10K<n<100K", "100K<n<1M", "1M<n<10M",
    ]  # fmt: skip


def test_tmx_moses_tsv(exported) -> None:
    from translate.storage.tmx import tmxfile

    dist = exported["dist"]
    store = tmxfile(dist.joinpath("de-en.tmx").read_bytes())
    units = store.units
    assert len(units) == 1
    de = dist.joinpath("moses", "corpus.de").read_text().splitlines()
    en = dist.joinpath("moses", "corpus.en").read_text().splitlines()
    assert len(de) == len(en) == 1
    assert units[0].source == de[0] and units[0].target == en[0]
    props = {p.get("type"): p.text for p in units[0].xmlelement.iter("prop")}
    assert props["x-annotation-source"] == "human" and float(props["x-score"]) > 0
    assert props["x-verified"] == "human"  # an annotator confirmed this pair
    assert dist.joinpath("moses", "corpus.verified").read_text().splitlines() == ["human"]
    tsv = dist.joinpath("de-en.tsv").read_text().splitlines()
    assert tsv[0] == "de\ten\tscore\tdoc_ids\tverified" and tsv[1].split("\t")[:2] == [de[0], en[0]]
    assert tsv[1].split("\t")[-1] == "human"


def test_metrics_and_plot(exported) -> None:
    metrics = exported["metrics"]
    assert metrics["translation_engine"] == "gloss" and metrics["alignment_score"]["accepted"] == 1
    assert metrics["translation_quality"]["flagged"] > 0 and metrics["translation_quality"]["retried"] == 0
    plot = (exported["out"] / "plot.csv").read_text().splitlines()
    assert plot[0] == "bin,count" and sum(int(line.split(",")[1]) for line in plot[1:]) == 16


class RecordingApi:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def create_repo(self, **kwargs) -> None:
        self.calls.append(("create_repo", kwargs))

    def upload_folder(self, **kwargs) -> None:
        self.calls.append(("upload_folder", kwargs))


def test_publish_dry_run_stub_and_offline(exported, monkeypatch) -> None:
    folder = exported["dist"] / "dataset"
    listed = publish(folder, "org/corpus", dry_run=True)
    assert "README.md" in listed and "data/ner/train-00000-of-00001.parquet" in listed
    monkeypatch.delenv("HF_TOKEN", raising=False)
    with pytest.raises(StageError, match="HF_TOKEN is not set"):
        publish(folder, "org/corpus", allow_unknown_licence=True)
    monkeypatch.setenv("HF_TOKEN", "hf_test_token_not_real")
    api = RecordingApi()
    # the German seed's licence was never recorded: publishing it needs the explicit flag
    with pytest.raises(StageError, match=r"1 documents have no recorded licence \(de-dprk-cuba\)"):
        publish(folder, "org/corpus", api=api)
    assert api.calls == []
    assert publish(folder, "org/corpus", api=api, allow_unknown_licence=True) == listed
    assert api.calls[0] == (
        "create_repo",
        {"repo_id": "org/corpus", "repo_type": "dataset", "private": False, "exist_ok": True},
    )
    assert api.calls[1][1]["folder_path"] == str(folder) and api.calls[1][1]["repo_type"] == "dataset"
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(StageError, match="could not publish to the Hugging Face Hub"):
        publish(folder, "org/corpus", allow_unknown_licence=True)
    assert os.environ["HF_TOKEN"] == "hf_test_token_not_real"


def test_what_users_type_is_shown_as_text_in_the_card(full_corpus: Path) -> None:
    """--source, --url and the licence note go into the card escaped: no HTML from a user reaches it."""
    from pipelines.core.corpus import load_documents
    from pipelines.publish.card import card_data, corpus_summary, render_card

    documents = load_documents(full_corpus / "documents")
    evil = documents[0].model_copy(
        update={"source": "<script>alert(1)</script>", "url": "https://x.org/<img src=x onerror=alert(2)>",
                "licence_note": "<b>bold</b>"}
    )  # fmt: skip
    documents = [evil, *documents[1:]]
    summary = corpus_summary(documents, [], [], [])
    card = render_card(card_data("t", documents, {}), {}, {}, documents, 0.0, [], summary)
    assert "<script>" not in card and "<img" not in card and "<b>" not in card
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in card


def test_the_card_names_the_ner_models_training_data_licences_and_held_out_score(full_corpus: Path) -> None:
    """The card reads train-ner's summary (a typed field, not an engine-name match): what the
    German NER was trained on, under which licence, and what it scores on its held-out part."""
    from pipelines.core.corpus import load_documents
    from pipelines.publish.card import card_data, corpus_summary, render_card
    from pipelines.stages.export import trained_ner_summary

    documents = load_documents(full_corpus / "documents")
    summary = corpus_summary(documents, [], [], [])
    plain = render_card(card_data("t", documents, {}), {}, {}, documents, 0.0, [], summary)
    assert "typed by projection from the English side" in plain  # no model: said so
    metrics = ROOT / "corpus" / "metrics" / "ner.json"
    model = trained_ner_summary(metrics)
    if model is None:
        pytest.skip("no trained model summary in corpus/metrics/ner.json (run dvc repro train-ner)")
    card = render_card(card_data("t", documents, {}), {}, {}, documents, 0.0, [], summary, ner_model=model)
    assert f"F1 {model['after']['f1']:.3f}" in card and "CC BY 4.0" in card
    assert "GermEval 2014 NER, train split" in card and f"{model['held_out_sentences']:,} GermEval sentences" in card


def test_the_card_names_the_gemma_terms_when_an_alignment_used_embeddinggemma(full_corpus: Path) -> None:
    from pipelines.core.corpus import load_documents
    from pipelines.publish.card import card_data, corpus_summary, render_card

    documents = load_documents(full_corpus / "documents")
    summary = corpus_summary(documents, [], [], [])
    gemma = "document: ensemble(use-multilingual-v3 + embeddinggemma-300m (cbf5a78393b6, prompt BitextMining))"
    cards = {
        used: render_card(card_data("t", documents, {}), {}, {"alignment": [name]}, documents, 0.0, [], summary)
        for used, name in ((True, gemma), (False, "mining: use-multilingual-v3"))
    }
    assert "Gemma Terms of Use" in cards[True] and "https://ai.google.dev/gemma/terms" in cards[True]
    assert "Gemma Terms of Use" not in cards[False]
