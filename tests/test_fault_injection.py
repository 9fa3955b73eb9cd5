"""Fault injection against real local Label Studio servers: the server dies mid-push and
mid-pull, a write fails, two pushes run at once. Afterwards no annotation or output is lost
or half-written, and a re-run completes.

Faults are injected at a chosen point of the real code path (the server process is killed
between two real requests), so each test is deterministic.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from pipelines.core.errors import StageError
from pipelines.core.reviews import read_reviews
from pipelines.labelstudio import client as ls_client
from pipelines.labelstudio.tasks import PROJECTS

from .conftest import ROOT, Server

pytestmark = pytest.mark.labelstudio
CONFIGS = ROOT / "annotations" / "configs"
VERDICT = [{"id": "v", "from_name": "verdict", "to_name": "src", "type": "choices", "value": {"choices": ["correct"]}}]


@pytest.fixture
def live(tmp_path: Path):
    instance = Server(tmp_path)
    yield instance
    instance.stop()


def keys(client, project_id: int, key: str) -> list[str]:
    return [task.data[key] for task in client.tasks.list(project=project_id, fields="all")]


def test_server_killed_mid_push(live, full_corpus: Path, monkeypatch) -> None:
    client = live.client()
    first = ls_client.push(client, "alignment", full_corpus, CONFIGS)
    task = next(t for t in client.tasks.list(project=first["project"], fields="all"))
    client.annotations.create(id=task.id, result=VERDICT)
    # a new corpus version brings tagging tasks; the server dies after the second batch of 20
    real_import = type(client.projects).import_tasks
    calls = []

    def import_then_die(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            live.kill()
        return real_import(self, *args, **kwargs)

    monkeypatch.setattr(type(client.projects), "import_tasks", import_then_die)
    with pytest.raises(StageError) as failure:
        ls_client.push(client, "tagging", full_corpus, CONFIGS, batch_size=20)
    message = str(failure.value)
    assert "40 of 201 new tasks were imported for certain; the import of 20 more may have been" in message
    assert "\n" not in message
    monkeypatch.undo()

    client = live.start()
    tagging = ls_client.push(client, "tagging", full_corpus, CONFIGS, batch_size=20)
    assert tagging["tasks_added"] == 161 and tagging["tasks_total"] == 201
    sent_ids = keys(client, tagging["project"], "sent_id")
    assert len(sent_ids) == len(set(sent_ids)) == 201  # nothing twice
    assert client.tasks.get(id=task.id).total_annotations == 1  # the annotation survived


def test_an_import_committed_before_the_server_died_is_reported_as_uncertain(live, full_corpus: Path, monkeypatch):
    """The server commits an import and dies before answering: the error does not claim the
    tasks are missing, and the re-run push adds only what is, with no task twice."""
    import httpx

    client = live.client()
    real_import = type(client.projects).import_tasks

    def commit_then_die(self, *args, **kwargs):
        real_import(self, *args, **kwargs)
        live.kill()
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.")

    monkeypatch.setattr(type(client.projects), "import_tasks", commit_then_die)
    with pytest.raises(StageError) as failure:
        ls_client.push(client, "tagging", full_corpus, CONFIGS)
    monkeypatch.undo()
    assert "0 of 201 new tasks were imported for certain; the import of 201 more may have been committed" in str(
        failure.value
    )
    client = live.start()
    again = ls_client.push(client, "tagging", full_corpus, CONFIGS)
    assert again["tasks_added"] == 0 and again["tasks_total"] == 201
    sent_ids = keys(client, again["project"], "sent_id")
    assert len(sent_ids) == len(set(sent_ids)) == 201


def test_server_killed_mid_pull_changes_nothing(live, full_corpus: Path, tmp_path: Path, monkeypatch) -> None:
    client = live.client()
    pushed = ls_client.push(client, "alignment", full_corpus, CONFIGS)
    task = next(t for t in client.tasks.list(project=pushed["project"], fields="all"))
    client.annotations.create(id=task.id, result=VERDICT)
    out = tmp_path / "annotations"
    ls_client.pull(client, "alignment", out, full_corpus)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    real_download = type(client.projects.exports).download

    def die_then_download(self, *args, **kwargs):
        live.kill()
        return real_download(self, *args, **kwargs)

    monkeypatch.setattr(type(client.projects.exports), "download", die_then_download)
    with pytest.raises(
        StageError, match=r"^pull alignment: Label Studio failed .* nothing in annotations/ was changed"
    ):
        ls_client.pull(client, "alignment", out, full_corpus)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before

    client = live.start()
    summary = ls_client.pull(client, "alignment", out, full_corpus)
    assert (
        summary["annotated"] == 1
        and read_reviews(out / "alignment.human.jsonl")[task.data["align_id"]].verdict == "correct"
    )


def test_a_failed_write_keeps_the_previous_human_file(live, full_corpus: Path, tmp_path: Path) -> None:
    client = live.client()
    pushed = ls_client.push(client, "alignment", full_corpus, CONFIGS)
    tasks = list(client.tasks.list(project=pushed["project"], fields="all"))
    client.annotations.create(id=tasks[0].id, result=VERDICT)
    out = tmp_path / "annotations"
    ls_client.pull(client, "alignment", out, full_corpus)
    human = (out / "alignment.human.jsonl").read_bytes()
    client.annotations.create(id=tasks[1].id, result=VERDICT)
    # the snapshot file cannot be replaced (a folder stands in its way): the pull stops before
    # the human file, which keeps the previous pull's rows
    (out / "alignment.json").unlink()
    (out / "alignment.json").mkdir()
    with pytest.raises(OSError):
        ls_client.pull(client, "alignment", out, full_corpus)
    assert (out / "alignment.human.jsonl").read_bytes() == human
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]  # no half-written files left
    (out / "alignment.json").rmdir()
    assert ls_client.pull(client, "alignment", out, full_corpus)["annotated"] == 2


def push_at_once(clients: list, corpus: Path, **options: object) -> tuple[list[dict], list[Exception]]:
    """``push tagging`` from each client in its own thread, all at once: (results, errors)."""
    results, errors = [], []

    def push(client) -> None:
        try:
            results.append(ls_client.push(client, "tagging", corpus, CONFIGS, **options))
        except Exception as error:  # reported by the caller
            errors.append(error)

    threads = [threading.Thread(target=push, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results, errors


def test_two_pushes_at_once_import_each_task_once(live, full_corpus: Path) -> None:
    clients = [live.client() for _ in range(2)]
    results, errors = push_at_once(clients, full_corpus, batch_size=50)
    assert errors == []
    assert sorted(r["tasks_added"] for r in results) == [0, 201]
    sent_ids = keys(clients[0], results[0]["project"], "sent_id")
    assert len(sent_ids) == len(set(sent_ids)) == 201


def test_server_killed_between_the_projects_of_one_pull_changes_nothing(
    live, full_corpus: Path, tmp_path: Path, monkeypatch
) -> None:
    """One `pull` of both projects is all or nothing: the server dies after the first project's
    export, and neither project's files change (the first one's fresh export is not written)."""
    client = live.client()
    for kind in ("tagging", "alignment"):
        ls_client.push(client, kind, full_corpus, CONFIGS)
    out = tmp_path / "annotations"
    ls_client.pull_all(client, ["tagging", "alignment"], out, full_corpus)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    pushed = ls_client.push(client, "tagging", full_corpus, CONFIGS)
    task = next(t for t in client.tasks.list(project=pushed["project"], fields="all"))
    client.annotations.create(id=task.id, result=[])  # new work in the first project

    real_fetch, calls = ls_client._fetch, []

    def kill_before_the_second(*args, **kwargs):
        calls.append(args[1])
        if len(calls) == 2:
            live.kill()
        return real_fetch(*args, **kwargs)

    monkeypatch.setattr(ls_client, "_fetch", kill_before_the_second)
    with pytest.raises(StageError, match=r"^pull alignment: Label Studio failed"):
        ls_client.pull_all(client, ["tagging", "alignment"], out, full_corpus)
    monkeypatch.undo()
    assert calls == ["tagging", "alignment"]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    live.start()


def test_two_machines_pushing_at_once_with_other_url_spellings_make_no_duplicates(
    live, full_corpus: Path, tmp_path: Path, monkeypatch
) -> None:
    """Two pushes at the same moment, one to http://127.0.0.1:PORT and one to
    http://localhost:PORT/, with no lock between them (as from two machines), both seeing no
    task before either imports; and a duplicate project an earlier race left: afterwards one
    project and every task once."""
    from contextlib import nullcontext

    first = live.client()
    for _ in range(2):  # what two pushes creating the project at once leave behind
        first.projects.create(title=PROJECTS["tagging"], label_config="<View><Text name='text' value='$text'/></View>")
    monkeypatch.setattr(ls_client, "push_lock", lambda client, kind: nullcontext())  # two machines
    both_listed = threading.Barrier(2, timeout=120)
    real_existing = ls_client.existing_tasks

    def listed_together(*args, **kwargs):
        found = real_existing(*args, **kwargs)
        both_listed.wait()  # neither imports before both have seen the project without tasks
        return found

    monkeypatch.setattr(ls_client, "existing_tasks", listed_together)
    spellings = [live.url, live.url.replace("127.0.0.1", "localhost") + "/"]
    clients = [ls_client.connect(url, live.data_dir, api_key=live.credentials.token) for url in spellings]
    results, errors = push_at_once(clients, full_corpus)
    assert not errors, errors
    assert [r["tasks_added"] for r in results] == [201, 201]  # both imported everything ...
    projects = [p for p in first.projects.list() if p.title == PROJECTS["tagging"]]
    assert len(projects) == 1
    sent_ids = keys(first, projects[0].id, "sent_id")
    assert len(sent_ids) == len(set(sent_ids)) == 201  # ... and the server holds each task once
