"""Label Studio round trip against a real server: push, re-push, annotate, pull, merge, errors."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest

from pipelines.core.errors import StageError
from pipelines.core.io import read_jsonl
from pipelines.core.records import SentenceEntities, SentenceEvents
from pipelines.core.reviews import read_reviews
from pipelines.labelstudio import client as ls_client
from pipelines.labelstudio import server
from pipelines.labelstudio import tasks as ls_tasks
from pipelines.labelstudio.results import reparse
from pipelines.publish.agreement import tagging_agreement
from pipelines.publish.reviews import Reviewed, merge

from .conftest import ROOT
from .helpers.ports import free_port

CONFIGS = ROOT / "annotations" / "configs"

pytestmark = pytest.mark.labelstudio


@pytest.fixture(scope="module")
def pushed(client, full_corpus: Path) -> dict:
    return {kind: ls_client.push(client, kind, full_corpus, CONFIGS) for kind in ("tagging", "alignment")}


def tasks_by_key(client, project_id: int, key: str) -> dict:
    return {t.data[key]: t for t in client.tasks.list(project=project_id, fields="all")}


def test_push_creates_projects_with_validated_predictions(client, pushed, full_corpus: Path) -> None:
    sentences = sum(1 for _ in read_jsonl(full_corpus / "entities.jsonl", SentenceEntities))
    assert pushed["tagging"]["tasks_added"] == sentences
    assert pushed["alignment"]["tasks_added"] == 16
    project = client.projects.get(id=pushed["tagging"]["project"])
    assert project.model_version == pushed["tagging"]["model_version"]
    tasks = tasks_by_key(client, project.id, "sent_id")
    task = next(t for t in tasks.values() if "Cuba also recognized" in t.data["text"])
    prediction = task.predictions[0]
    result = prediction["result"] if isinstance(prediction, dict) else prediction.result
    labels = {(r["value"]["text"], r["value"]["labels"][0]) for r in result if r["type"] == "labels"}
    assert ("the Republic of Korea", "GPE") in labels and ("recognized", "SUPPORT") in labels
    relations = [r for r in result if r["type"] == "relation"]
    assert {tuple(r["labels"]) for r in relations} >= {("actor",), ("recipient",), ("time",)}


def test_repush_adds_nothing_and_a_new_model_version_adds_predictions(client, pushed, full_corpus, monkeypatch) -> None:
    again = ls_client.push(client, "alignment", full_corpus, CONFIGS)
    assert again["tasks_added"] == 0 and again["predictions_added"] == 0
    project_id = pushed["alignment"]["project"]
    assert len(tasks_by_key(client, project_id, "align_id")) == 16
    real = ls_tasks.prediction_version
    monkeypatch.setattr(ls_tasks, "prediction_version", lambda kind, p: real(kind, p) + "-next")
    newer = ls_client.push(client, "alignment", full_corpus, CONFIGS)
    assert newer["tasks_added"] == 0 and newer["predictions_added"] == 16
    assert client.projects.get(id=project_id).model_version.endswith("-next")
    task = next(iter(tasks_by_key(client, project_id, "align_id").values()))
    assert len(task.predictions) == 1  # one current prediction per task: the older one is replaced
    prediction = task.predictions[0]
    assert (prediction["model_version"] if isinstance(prediction, dict) else prediction.model_version).endswith("-next")
    assert ls_client.push(client, "alignment", full_corpus, CONFIGS)["predictions_added"] == 0


def test_annotate_pull_merge_and_agreement(client, pushed, full_corpus: Path, tmp_path: Path) -> None:
    project_id = pushed["tagging"]["project"]
    tasks = tasks_by_key(client, project_id, "sent_id")
    sent_id, task = next((k, t) for k, t in tasks.items() if "Cuba also recognized" in t.data["text"])
    text = task.data["text"]
    start = text.index("Cuba also")
    # an annotator keeps "Cuba" (GPE), relabels nothing else and adds a NORP the model missed
    corrected = [
        {
            "id": "h1",
            "from_name": "entities",
            "to_name": "text",
            "type": "labels",
            "value": {"start": start, "end": start + 4, "text": "Cuba", "labels": ["GPE"]},
        },
        {
            "id": "h2",
            "from_name": "entities",
            "to_name": "text",
            "type": "labels",
            "value": {"start": text.index("Korea"), "end": text.index("Korea") + 5, "text": "Korea", "labels": ["GPE"]},
        },
    ]
    client.annotations.create(id=task.id, result=corrected)
    out = tmp_path / "annotations"
    summary = ls_client.pull(client, "tagging", out, full_corpus)
    assert summary["annotated"] == 1 and summary["stale"] == 0
    snapshot = json.loads((out / "tagging.json").read_text())
    exported = next(t for t in snapshot if t["data"]["sent_id"] == sent_id)
    assert isinstance(exported["predictions"][0], dict) and exported["predictions"][0]["result"]
    human = read_reviews(out / "tagging.human.jsonl")
    # the snapshot the pull kept reads again offline into the same reviews (`corpus annotate reparse`)
    again = reparse("tagging", out / "tagging.json", ls_tasks.current_fingerprints("tagging", full_corpus))
    assert {row.key: row for row in again} == human
    gpe_human = {(r["value"]["start"], r["value"]["end"], r["value"]["labels"][0]) for r in corrected}
    assert {(s.start, s.end, s.label) for s in human[sent_id].entities} == gpe_human and not human[sent_id].stale

    _, version = ls_tasks.build_items("tagging", full_corpus)
    merged = merge(ls_tasks.current_fingerprints("tagging", full_corpus), human, version)
    assert merged[sent_id] == Reviewed(version, human[sent_id])
    other = next(k for k in merged if k != sent_id)
    assert merged[other] == Reviewed(version) and merged[other].annotation_source == f"model:{version}"

    entities = {r.sent_id: r for r in read_jsonl(full_corpus / "entities.jsonl", SentenceEntities)}
    events = {r.sent_id: r for r in read_jsonl(full_corpus / "events.jsonl", SentenceEvents)}
    figures = tagging_agreement(entities, events, {sent_id: human[sent_id]})
    gpe_model = {(e.start, e.end, e.label) for e in entities[sent_id].entities if e.label == "GPE"}
    tp = len(gpe_model & gpe_human)
    assert figures["reviewed"] == 1
    assert figures["entities"]["GPE"]["tp"] == tp
    assert figures["entities"]["GPE"]["precision"] == pytest.approx(tp / len(gpe_model))
    assert figures["entities"]["GPE"]["recall"] == pytest.approx(tp / len(gpe_human))


def test_changed_sentence_text_keeps_the_annotation_and_flags_it(client, pushed, full_corpus, tmp_path) -> None:
    project_id = pushed["alignment"]["project"]
    align_id, task = next(iter(tasks_by_key(client, project_id, "align_id").items()))
    client.annotations.create(
        id=task.id,
        result=[
            {
                "id": "verdict",
                "from_name": "verdict",
                "to_name": "src",
                "type": "choices",
                "value": {"choices": ["incorrect"]},
            }
        ],
    )
    edited = tmp_path / "corpus"
    shutil.copytree(full_corpus, edited)
    rows = [json.loads(line) for line in (edited / "alignments.jsonl").read_text().splitlines()]
    for row in rows:
        if row["align_id"] == align_id:
            row["src_text"] = row["src_text"] + " (revised)"
    (edited / "alignments.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    out = tmp_path / "annotations"
    ls_client.pull(client, "alignment", out, edited)
    human = read_reviews(out / "alignment.human.jsonl")
    assert human[align_id].stale is True and human[align_id].verdict == "incorrect"
    merged = merge(ls_tasks.current_fingerprints("alignment", edited), human, "v")
    assert merged[align_id].annotation_source == "model:v"  # stale human work is kept, not applied


def test_failed_pull_overwrites_nothing(client, pushed, full_corpus, tmp_path, monkeypatch) -> None:
    out = tmp_path / "annotations"
    ls_client.pull(client, "tagging", out, full_corpus)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    # the server answers with something that is not an export
    monkeypatch.setattr(type(client.projects.exports), "download", lambda self, *a, **k: iter([b'{"detail": "oops"}']))
    with pytest.raises(StageError, match="export is not a list"):
        ls_client.pull(client, "tagging", out, full_corpus)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_export_shape_is_checked(client, pushed, monkeypatch) -> None:
    monkeypatch.setattr(type(client.projects.exports), "download", lambda self, *a, **k: iter([b'[{"id": 1}]']))
    with pytest.raises(StageError, match="export task #0 has no data/annotations"):
        ls_client.export_snapshot(client, pushed["tagging"]["project"])


def test_invalid_predictions_are_refused_before_sending(full_corpus) -> None:
    interface = ls_tasks.label_interface("tagging", CONFIGS)
    data = {"text": "Cuba met Kim."}
    wrong_label = [
        {
            "id": "a",
            "from_name": "entities",
            "to_name": "text",
            "type": "labels",
            "value": {"start": 0, "end": 4, "text": "Cuba", "labels": ["COUNTRY"]},
        }
    ]
    with pytest.raises(StageError, match="task x: invalid prediction"):
        ls_tasks.validate_result(interface, data, wrong_label, "task x")
    wrong_span = [
        {
            "id": "a",
            "from_name": "entities",
            "to_name": "text",
            "type": "labels",
            "value": {"start": 0, "end": 4, "text": "Kim", "labels": ["PER"]},
        }
    ]
    with pytest.raises(StageError, match=r"text\[0:4\] is 'Cuba', not 'Kim'"):
        ls_tasks.validate_result(interface, data, wrong_span, "task x")
    dangling = [*wrong_label[:0], {"type": "relation", "from_id": "t0", "to_id": "e9", "labels": ["actor"]}]
    with pytest.raises(StageError, match="points to no region"):
        ls_tasks.validate_result(interface, data, dangling, "task x")


def test_server_down_and_wrong_token(label_studio, tmp_path: Path) -> None:
    with pytest.raises(StageError, match="is not reachable"):
        ls_client.connect(f"http://127.0.0.1:{free_port()}", tmp_path, api_key="x" * 40)
    with pytest.raises(StageError, match=r"rejected the API token \(HTTP 401\)"):
        ls_client.connect(label_studio["url"], tmp_path, api_key="0" * 40)


def test_busy_port_is_refused(tmp_path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(StageError, match=f"port {port} on 127.0.0.1 is busy"):
            server.start_server(tmp_path, port, server.Credentials("a@b.c", "p", "t" * 40))


def test_server_log_never_contains_the_secrets(label_studio, client) -> None:
    log = (label_studio["data_dir"] / "server.log").read_text(errors="replace")
    assert "GET /health" in log or "health" in log
    assert label_studio["credentials"].token not in log and label_studio["credentials"].password not in log


def test_credentials_are_generated_once(tmp_path, monkeypatch, capsys) -> None:
    for name in ("LABEL_STUDIO_USERNAME", "LABEL_STUDIO_PASSWORD", "LABEL_STUDIO_API_KEY", "LABEL_STUDIO_USER_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(StageError, match="no Label Studio credentials"):
        server.load_credentials(tmp_path)
    first = server.load_credentials(tmp_path, create=True)
    assert first.token in capsys.readouterr().err
    stored = tmp_path / "credentials.json"
    assert stored.stat().st_mode & 0o777 == 0o600
    assert server.load_credentials(tmp_path, create=True) == first
    assert capsys.readouterr().err == ""
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "from-the-environment")
    assert server.load_credentials(tmp_path).token == "from-the-environment"
