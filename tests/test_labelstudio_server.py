"""The local Label Studio server's life and privacy: real servers, real signals."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.labelstudio import server

from .conftest import ROOT, label_studio_template
from .helpers.ports import free_port

pytestmark = pytest.mark.labelstudio


def modes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): stat.S_IMODE(p.stat().st_mode) for p in [folder, *folder.rglob("*")]}


def test_data_folder_is_private_whatever_the_umask(label_studio) -> None:
    data_dir = label_studio["data_dir"]
    found = modes(data_dir)
    assert found["."] == 0o700
    assert (data_dir / "label_studio.sqlite3").exists()
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
    template, credentials = label_studio_template()
    data_dir = tmp_path / "data"
    server.copy_template(template, data_dir)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = server.start_server(data_dir, port, credentials, log=data_dir / "server.log")
    try:
        server.wait_healthy(url, process)
        client = ls_client.connect(url, data_dir, api_key=credentials.token)
        server.stop_server(process)
        with pytest.raises(StageError) as failure:
            ls_client.push(client, "alignment", full_corpus, configs)
        message = str(failure.value)
        assert "\n" not in message and "Re-run `corpus annotate push` to resume" in message
        assert message.startswith("push alignment: Label Studio failed (")
        process = server.start_server(data_dir, port, credentials, log=data_dir / "server.log")
        server.wait_healthy(url, process)
        client = ls_client.connect(url, data_dir, api_key=credentials.token)
        first = ls_client.push(client, "alignment", full_corpus, configs)
        again = ls_client.push(client, "alignment", full_corpus, configs)
        assert first["tasks_total"] == again["tasks_total"] == 16 and again["tasks_added"] == 0
    finally:
        server.stop_server(process)
