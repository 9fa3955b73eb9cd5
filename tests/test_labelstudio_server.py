"""The local Label Studio server's life and privacy: real servers, real signals."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.core.errors import StageError
from pipelines.labelstudio import server

from .conftest import ROOT, Server, label_studio_template
from .helpers.ports import free_port

pytestmark = pytest.mark.labelstudio


def modes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): stat.S_IMODE(p.stat().st_mode) for p in [folder, *folder.rglob("*")]}


def test_data_folder_is_private_whatever_the_umask(label_studio, full_corpus: Path, tmp_path: Path) -> None:
    """The folder is 0700 while the server runs; what the server writes is 0600 (its exports once
    `corpus annotate pull` has run: Django writes them 0644 inside the private folder)."""
    from typer.testing import CliRunner

    from pipelines.cli.main import app

    data_dir = label_studio["data_dir"]
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((data_dir / "label_studio.sqlite3").stat().st_mode) == 0o600
    env = {"LABEL_STUDIO_URL": label_studio["url"], "LABEL_STUDIO_API_KEY": label_studio["credentials"].token}
    args = ["annotate", "push", "alignment", "--corpus", str(full_corpus), "--data-dir", str(data_dir)]
    args += ["--configs", str(ROOT / "annotations" / "configs")]
    assert CliRunner().invoke(app, args, env=env).exit_code == 0
    pulled = CliRunner().invoke(
        app,
        [
            "annotate",
            "pull",
            "alignment",
            "--corpus",
            str(full_corpus),
            "--out",
            str(tmp_path),
            "--data-dir",
            str(data_dir),
        ],
        env=env,
    )
    assert pulled.exit_code == 0, pulled.output
    found = modes(data_dir)
    assert any(name.startswith("media/export") for name in found)
    loose = {name: oct(mode) for name, mode in found.items() if mode & 0o077}
    assert loose == {}


def test_credentials_folder_is_private(tmp_path: Path, monkeypatch) -> None:
    for name in ("LABEL_STUDIO_USERNAME", "LABEL_STUDIO_PASSWORD", "LABEL_STUDIO_API_KEY", "LABEL_STUDIO_USER_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    old = os.umask(0o000)
    try:
        server.load_credentials(tmp_path / "ls", create=True)
    finally:
        os.umask(old)
    assert modes(tmp_path / "ls") == {".": 0o700, "credentials.json": 0o600}


def start_serve(tmp_path: Path) -> tuple[subprocess.Popen, int, int]:
    """`corpus annotate serve` on a free port, from the pre-migrated template; returns it, its server pid, port."""
    template, _ = label_studio_template()
    data_dir = tmp_path / "data"
    server.copy_template(template, data_dir)
    port = free_port()
    serve = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "annotate", "serve", "--port", str(port), "--data-dir", str(data_dir)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        line = serve.stdout.readline()
        if match := re.search(r"pid (\d+)\)", line):
            return serve, int(match.group(1)), port
        if serve.poll() is not None:
            break
    serve.kill()
    pytest.fail(f"serve did not come up: {serve.stderr.read()}")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def gone(pid: int, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    return not alive(pid)


def test_sigterm_stops_serve_and_its_server(tmp_path: Path) -> None:
    serve, child, port = start_serve(tmp_path)
    serve.send_signal(signal.SIGTERM)
    assert serve.wait(timeout=60) == 0
    assert gone(child), "the Label Studio child outlived serve"
    assert server.port_is_free(port)


def test_server_death_is_reported_and_nonzero(tmp_path: Path) -> None:
    serve, child, _ = start_serve(tmp_path)
    os.killpg(child, signal.SIGKILL)
    code = serve.wait(timeout=60)
    assert code != 0
    assert re.search(r"Label Studio \(pid \d+\) exited with code -?\d+; see .*server\.log", serve.stderr.read())
    assert gone(child)


def test_server_gone_mid_push_gives_one_line_and_a_rerun_resumes(tmp_path: Path, full_corpus: Path) -> None:
    """The server dies after connect: push says what happened in one line; a re-run against a
    live server completes, with nothing duplicated."""
    from pipelines.core.errors import StageError
    from pipelines.labelstudio import client as ls_client

    configs = ROOT / "annotations" / "configs"
    live = Server(tmp_path)
    try:
        client = live.client()
        live.stop()
        with pytest.raises(StageError) as failure:
            ls_client.push(client, "alignment", full_corpus, configs)
        message = str(failure.value)
        assert "\n" not in message and "Re-run `corpus annotate push`: it checks the server" in message
        assert message.startswith("push alignment: Label Studio failed (")
        client = live.start()
        first = ls_client.push(client, "alignment", full_corpus, configs)
        again = ls_client.push(client, "alignment", full_corpus, configs)
        assert first["tasks_total"] == again["tasks_total"] == 16 and again["tasks_added"] == 0
    finally:
        live.stop()


@pytest.fixture
def own_server(tmp_path: Path):
    """A real server of this test's own (the session one is shared by other tests' counts)."""
    live = Server(tmp_path)
    try:
        yield live.client()
    finally:
        live.stop()


def test_superseded_tasks_are_marked_and_stale_work_counted_at_repro_time(own_server, full_corpus, tmp_path) -> None:
    import json

    from pipelines.labelstudio import client as ls_client
    from pipelines.labelstudio.tasks import current_fingerprints
    from pipelines.publish.agreement import agreement_report
    from pipelines.publish.reviews import reviewed_items

    configs = ROOT / "annotations" / "configs"
    first = ls_client.push(own_server, "alignment", full_corpus, configs)
    tasks = list(own_server.tasks.list(project=first["project"], fields="all"))
    annotated = tasks[0]
    own_server.annotations.create(
        id=annotated.id,
        result=[
            {"id": "v", "from_name": "verdict", "to_name": "src", "type": "choices", "value": {"choices": ["correct"]}}
        ],
    )
    annotations = tmp_path / "annotations"
    ls_client.pull(own_server, "alignment", annotations, full_corpus)

    # the German sentence behind the annotated task is edited: its alignment gets a new id
    edited = tmp_path / "corpus"
    shutil.copytree(full_corpus, edited)
    rows = [json.loads(line) for line in (edited / "alignments.jsonl").read_text().splitlines()]
    for row in rows:
        if row["align_id"] == annotated.data["align_id"]:
            row["align_id"], row["src_text"] = "al-edited000000", row["src_text"] + " (überarbeitet)"
    (edited / "alignments.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))

    # counted at repro time from the local files, before any new pull
    report = agreement_report(edited, annotations)["alignment"]
    assert report["stale_annotations"] == 1 and report["reviewed"] == 0
    fingerprints = current_fingerprints("alignment", edited)
    assert all(not item.human for item in reviewed_items("alignment", fingerprints, "v", annotations).values())

    second = ls_client.push(own_server, "alignment", edited, configs)
    assert second["tasks_added"] == 1 and second["tasks_superseded"] == 1
    old = own_server.tasks.get(id=annotated.id)
    assert old.data["superseded"].startswith("yes: no longer in the corpus")
    assert old.total_annotations == 1  # kept, with its annotation
    assert ls_client.push(own_server, "alignment", edited, configs)["tasks_superseded"] == 0


def test_token_rotation_replaces_the_stored_token(own_server, tmp_path: Path) -> None:
    import json

    from pipelines.core.errors import StageError
    from pipelines.labelstudio import client as ls_client

    data_dir = tmp_path / "data"
    old = json.loads((data_dir / "credentials.json").read_text())["token"]
    url = own_server._client_wrapper.get_base_url()
    new = server.rotate_token(own_server, data_dir)
    assert new != old and json.loads((data_dir / "credentials.json").read_text())["token"] == new
    assert stat.S_IMODE((data_dir / "credentials.json").stat().st_mode) == 0o600
    assert ls_client.connect(url, data_dir).users.whoami()  # the stored (new) token works
    with pytest.raises(StageError, match="rejected the API token"):
        ls_client.connect(url, data_dir, api_key=old)


def test_an_existing_server_needs_only_its_url_and_api_key(label_studio, full_corpus: Path, tmp_path, monkeypatch):
    """With LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY set, and no local credentials at all,
    `annotate push` reaches the server (it used to ask for a local username and password)."""
    for name in ("LABEL_STUDIO_USERNAME", "LABEL_STUDIO_PASSWORD", "LABEL_STUDIO_USER_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    token = label_studio["credentials"].token
    env = {**os.environ, "LABEL_STUDIO_URL": label_studio["url"], "LABEL_STUDIO_API_KEY": token}
    empty = tmp_path / "no-local-server"
    command = [sys.executable, "-m", "pipelines.cli", "annotate", "push", "--corpus", str(full_corpus)]
    result = subprocess.run([*command, "--data-dir", str(empty)], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "no Label Studio credentials" not in result.stderr
    assert not (empty / "credentials.json").exists()


def test_sigkill_of_serve_takes_its_server_down_and_clients_find_serve(tmp_path: Path, monkeypatch) -> None:
    """`serve` records its URL (push and pull use it by default, whatever the port); a SIGKILL
    of `serve` (which it cannot catch) still stops its Label Studio: the parent-death signal."""
    from pipelines.labelstudio import client as ls_client

    for name in ("LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY", "LABEL_STUDIO_USER_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    serve, child, port = start_serve(tmp_path)
    data_dir = tmp_path / "data"
    assert json.loads((data_dir / "server.json").read_text()) == {"url": f"http://127.0.0.1:{port}", "pid": child}
    assert ls_client.connect(None, data_dir).users.whoami().id  # no URL given: the recorded one
    serve.kill()
    serve.wait(timeout=30)
    assert gone(child), "Label Studio outlived a SIGKILLed serve"
    deadline = time.monotonic() + 30
    while not server.port_is_free(port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert server.port_is_free(port)
    # the server.json that the killed serve left behind: a client names the recorded port, not 8080
    with pytest.raises(StageError, match=f"started at http://127.0.0.1:{port} is no longer running"):
        ls_client.connect(None, data_dir)
    assert not (data_dir / "server.json").exists()


def test_serve_stops_the_stale_server_of_its_own_data_folder(tmp_path: Path) -> None:
    """A server left running from this data folder (pid recorded, command line naming the folder)
    is stopped by the next `serve`, which then starts on the same port."""
    template, credentials = label_studio_template()
    data_dir = tmp_path / "data"
    server.copy_template(template, data_dir)
    port = free_port()
    stale = server.start_server(data_dir, port, credentials, log=data_dir / "server.log")
    try:
        server.wait_healthy(f"http://127.0.0.1:{port}", stale)
        server.record_running(data_dir, f"http://127.0.0.1:{port}", stale.pid)
        command = ["annotate", "serve", "--port", str(port), "--data-dir", str(data_dir)]
        serve = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", *command],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = ""
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and "is up at" not in line and serve.poll() is None:
            line = serve.stdout.readline()
        assert "is up at" in line, serve.stderr.read()
        assert stale.wait(timeout=30) is not None  # the stale server was stopped
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=60) == 0
        assert f"stopped the Label Studio (pid {stale.pid})" in serve.stderr.read()
    finally:
        server.stop_server(stale)


def test_a_task_injected_with_an_existing_key_is_named_and_gets_no_predictions(own_server, full_corpus, capsys) -> None:
    """A task added outside the pipeline with one of its keys but other text is left alone and
    named at every push, and no prediction made for the real sentence lands on it."""
    from pipelines.labelstudio import client as ls_client

    configs = ROOT / "annotations" / "configs"
    first = ls_client.push(own_server, "tagging", full_corpus, configs)
    real = next(iter(own_server.tasks.list(project=first["project"], fields="all")))
    forged = {**dict(real.data), "text": "forged 17 chars!!"}
    own_server.projects.import_tasks(id=first["project"], request=[{"data": forged}])
    capsys.readouterr()
    again = ls_client.push(own_server, "tagging", full_corpus, configs)
    assert again["tasks_added"] == 0 and again["duplicates_removed"] == 0
    warned = capsys.readouterr().err
    tasks = list(own_server.tasks.list(project=first["project"], fields="all"))
    injected = next(t for t in tasks if t.data["text"] == "forged 17 chars!!")
    assert f"task {injected.id} carries sent_id {real.data['sent_id']!r}" in warned
    assert not injected.predictions  # spans computed for the real sentence never land on it
    assert own_server.tasks.get(id=real.id).predictions  # the real task keeps its own
    third = ls_client.push(own_server, "tagging", full_corpus, configs)
    assert third["tasks_added"] == 0 and f"task {injected.id} carries" in capsys.readouterr().err  # named again
    assert own_server.tasks.get(id=injected.id).data["text"] == forged["text"]  # and left alone
