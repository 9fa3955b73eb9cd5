"""A user's corpus: 100 documents added, 10 removed, 5 edited; every output follows the manifest."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from .conftest import copy_project
from .helpers.generated import generated_documents
from .test_dvc_pipeline import dvc

pytestmark = pytest.mark.slow

SEED_IDS = {"de-dprk-cuba", "en-cuba-south-korea", "en-russia-south-korea", "en-south-korea-uzbekistan"}


def corpus(project: Path, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "pipelines.cli", *args], cwd=project, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def write_collection(path: Path, documents: list[dict]) -> None:
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in documents), encoding="utf-8")


def config_ids(project: Path, config: str, column: str = "doc_id") -> set[str]:
    table = pq.read_table(project / "dist" / "dataset" / "data" / config / "train-00000-of-00001.parquet")
    return set(table.column(column).to_pylist())


def test_add_100_remove_10_edit_5(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    dvc(project, "init", "--no-scm", "-q")
    # what follows the manifest is under test, not translation: the gloss takes seconds for the 300
    # German sentences, the LLM minutes (it is tested in test_llm_translate and test_dvc_pipeline)
    params = yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))
    params["translate"]["engine"] = "gloss"
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    documents = generated_documents(100, prefix="user")
    as_files, in_collection = documents[:50], documents[50:]
    for document in as_files:  # 50 plain-text seed files, each registered with its licence
        path = tmp_path / f"{document['id']}.txt"
        path.write_text(document["text"], encoding="utf-8")
        corpus(project, "add", str(path), "--licence", "CC-BY-2.0-FR", "--source", "Tatoeba")
    write_collection(tmp_path / "news.jsonl", in_collection)  # 50 in one JSONL collection
    corpus(project, "add", str(tmp_path / "news.jsonl"), "--licence", "CC-BY-2.0-FR", "--source", "Tatoeba")
    dvc(project, "repro")
    assert config_ids(project, "documents") == SEED_IDS | {d["id"] for d in documents}

    # remove 10: five files through `corpus remove`, five lines from the collection
    removed = {d["id"] for d in as_files[:5]} | {d["id"] for d in in_collection[:5]}
    for document in as_files[:5]:
        corpus(project, "remove", document["id"])
    # edit 5: three files and two collection lines get a new last sentence
    edited = [*as_files[10:13], *in_collection[10:12]]
    addition = {d["id"]: ("Ein ganz neuer Satz." if d["lang"] == "de" else "A brand new sentence.") for d in edited}
    for document in as_files[10:13]:
        path = project / "seeds" / f"{document['id']}.txt"
        path.write_text(path.read_text(encoding="utf-8") + "\n" + addition[document["id"]], encoding="utf-8")
    kept = [
        {**d, "text": d["text"] + "\n" + addition[d["id"]]} if d["id"] in addition else d for d in in_collection[5:]
    ]
    write_collection(project / "seeds" / "news.jsonl", kept)
    corpus(project, "manifest", "--update")
    output = dvc(project, "repro")
    assert '{"documents": 94, "processed": 5, "reused": 89, "removed": [' in output  # only the edited ones

    expected = SEED_IDS | {d["id"] for d in documents} - removed
    assert len(expected) == 94
    manifest = yaml.safe_load((project / "seeds" / "manifest.yaml").read_text(encoding="utf-8"))
    assert len(manifest["documents"]) == 4 + 45 and list(manifest["collections"]) == ["news"]
    # per-document outputs
    assert {p.stem for p in (project / "corpus" / "documents").glob("*.json") if p.name[0] != "."} == expected
    assert {p.stem for p in (project / "corpus" / "sentences").glob("*.jsonl")} == expected
    for doc_id, sentence in addition.items():
        assert f'"text":"{sentence}"' in (project / "corpus" / "sentences" / f"{doc_id}.jsonl").read_text()
    # the dataset
    assert config_ids(project, "documents") == expected
    assert config_ids(project, "ner") == expected  # every document has sentences
    alignments = config_ids(project, "alignments", "de_doc") | config_ids(project, "alignments", "en_doc")
    parallel = config_ids(project, "parallel", "de_doc") | config_ids(project, "parallel", "en_doc")
    assert alignments - {None} <= expected and parallel <= expected and len(parallel) > 40
    card = " ".join((project / "dist" / "dataset" / "README.md").read_text(encoding="utf-8").split())
    assert "94 documents (45 de, 49 en" in card
    # TMX, TSV, report and metrics
    tmx = (project / "dist" / "de-en.tmx").read_text(encoding="utf-8")
    report = (project / "corpus" / "report.html").read_text(encoding="utf-8")
    for doc_id in removed:
        assert doc_id not in tmx and doc_id not in report, doc_id
        assert doc_id not in (project / "dist" / "de-en.tsv").read_text(encoding="utf-8")
    assert any(d["id"] in tmx for d in kept) and any(d["id"] in tmx for d in as_files[5:])
    metrics = {
        name: json.loads((project / "corpus" / "metrics" / f"{name}.json").read_text())
        for name in ("segment", "export")
    }
    assert sum(metrics["segment"]["documents"].values()) == 94
    assert metrics["export"]["rows"]["documents"]["train"] == 94
