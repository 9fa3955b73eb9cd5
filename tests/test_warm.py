"""The warm engine server: same records as the local executor, engines kept between runs."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.core.errors import StageError
from pipelines.core.settings import ExecutorSettings, load_settings
from pipelines.run.executor import LocalExecutor, make_executor
from pipelines.run.warm_client import WarmClient
from pipelines.stages import tag

from .conftest import copy_project, project_settings
from .helpers.environment import venv_environment

SETTINGS = project_settings()


COUNT = "tests.helpers.commands:count"


def counted(warm: WarmClient, capfd: pytest.CaptureFixture, *argv: str) -> list[str]:
    """Run the counting command in the server; what it printed (streamed back here)."""
    assert warm.run(COUNT, list(argv)) == 0
    return json.loads(capfd.readouterr().out)


@pytest.fixture
def warm() -> Iterator[WarmClient]:
    executor = WarmClient(idle_seconds=120)
    executor.stop()  # a server left by an earlier run of this checkout
    yield executor
    executor.stop()


def test_warm_keeps_order_and_builds_each_engine_once(warm: WarmClient, capfd: pytest.CaptureFixture) -> None:
    """Commands the server runs take their engines from it: built on first use, kept."""
    first = counted(warm, capfd, "!", "23", "4")
    again = counted(warm, capfd, "!", "23", "5")
    assert first == again == [f"{i}!:1" for i in range(23)]  # built once, in the server
    assert counted(warm, capfd, "?", "2", "4") == ["0?:2", "1?:2"]  # other arguments: another engine
    status = warm.status()
    assert status is not None and status["engines"] == 2 and status["requests"] == 3


def test_an_engine_that_fails_to_load_fails_the_command_with_its_message(
    warm: WarmClient, capfd: pytest.CaptureFixture
) -> None:
    assert warm.run(COUNT, ["broken"]) == 2
    assert "no model in models/nowhere" in capfd.readouterr().err
    assert counted(warm, capfd, "!", "1", "1") == ["0!:1"]  # the server survives it


def test_the_server_runs_commands_only() -> None:
    """One protocol: a command line in, its output and exit code out (batches are not sent)."""
    from pipelines.run.warm import _Server

    with pytest.raises(StageError, match="runs commands; it got a 'map' request"):
        _Server(Path("unused.sock"), 1).handle(("map", "key", b"", ["x"]))


def test_the_server_exits_when_idle(capfd: pytest.CaptureFixture) -> None:
    client = WarmClient(idle_seconds=1)
    client.stop()
    assert counted(client, capfd, "!", "1", "1") == ["0!:1"]
    deadline = time.monotonic() + 30
    while client.status() is not None and time.monotonic() < deadline:
        time.sleep(0.5)
    assert client.status() is None


def test_keeping_engines_warm_and_where_batches_run_are_separate_settings(tmp_path: Path) -> None:
    assert ExecutorSettings(warm=True).kind == "local" and ExecutorSettings(kind="ray", warm=True).warm
    assert isinstance(make_executor(ExecutorSettings(warm=True)), LocalExecutor)
    legacy = ExecutorSettings.model_validate({"kind": "warm", "workers": 1})  # the older spelling
    assert (legacy.kind, legacy.warm) == ("local", True)
    params = copy_project(tmp_path) / "params.yaml"
    assert load_settings(params).executor.warm is False


def test_warm_tagging_gives_byte_identical_outputs(
    warm: WarmClient, seed_corpus: Path, full_corpus: Path, tmp_path: Path
) -> None:
    """The tag stage run twice in the server (engines loaded once) writes what it writes locally."""
    work = tmp_path / "work"  # the same settings both times; an empty analysis cache each time
    argv = [str(seed_corpus / "sentences"), str(full_corpus), str(tmp_path / "first"), str(work)]
    assert warm.run("tests.helpers.commands:tag_seeds", argv) == 0
    for name in ("entities.jsonl", "events.jsonl"):
        assert (tmp_path / "first" / name).read_bytes() == (full_corpus / name).read_bytes(), name
    engines = warm.status()["engines"]
    shutil.rmtree(work / "stanza-tag")
    argv[2] = str(tmp_path / "again")
    assert warm.run("tests.helpers.commands:tag_seeds", argv) == 0
    assert warm.status()["engines"] == engines  # the loaded taggers served the second run
    assert (tmp_path / "again" / "entities.jsonl").read_bytes() == (full_corpus / "entities.jsonl").read_bytes()


def test_a_tagger_that_is_not_the_planned_engine_is_refused() -> None:
    planned = tag.plan_tagger("en", SETTINGS.tag).provenance.model_copy(update={"model": "another model"})
    with pytest.raises(StageError, match="planned another model"):
        tag.AnalyseWork("en", SETTINGS.tag, planned)


def test_a_new_server_stops_this_folders_servers_for_other_code(warm: WarmClient, capfd: pytest.CaptureFixture) -> None:
    folder = warm.address.name.split("-")[0]
    outdated = WarmClient(120, warm.address.with_name(f"{folder}-0000000000000000.sock"))
    outdated.stop()
    assert counted(outdated, capfd, "!", "1", "1") == ["0!:1"]
    assert outdated.status() is not None
    assert counted(warm, capfd, "!", "1", "1") == ["0!:1"]  # starts this code's server
    assert outdated.status() is None


def test_a_command_runs_in_the_server_with_the_clients_environment(
    warm: WarmClient, capfd: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORPUS_TEST_VALUE", "from the client")
    assert warm.run("tests.helpers.commands:report", ["CORPUS_TEST_VALUE"]) == 3
    printed = capfd.readouterr()
    assert printed.out == "from the client\n" and printed.err == "to stderr\n"
    monkeypatch.delenv("CORPUS_TEST_VALUE")
    assert warm.run("tests.helpers.commands:report", ["CORPUS_TEST_VALUE"]) == 3  # not kept from the last run
    assert capfd.readouterr().out == "unset\n"


def test_ctrl_c_stops_the_command_in_the_server_not_the_server(warm: WarmClient, capfd: pytest.CaptureFixture) -> None:
    # the client starts as a command typed at a terminal does, with Ctrl-C at its default even
    # when the suite itself runs as a background job (which ignores SIGINT, and children inherit that)
    client = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pipelines.run.warm_client import WarmClient; "
         "sys.exit(WarmClient(120).run('tests.helpers.commands:nap', ['now']))"],
        cwd=Path.cwd(), stdout=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    assert client.stdout.readline() == "napping now\n"  # streamed while the command runs
    assert warm.status()["running"]  # answered while the command runs
    client.send_signal(signal.SIGINT)
    assert client.wait(timeout=30) == 130
    assert warm.status()["running"] is False  # the server lives on
    capfd.readouterr()
    assert counted(warm, capfd, "!", "1", "1") == ["0!:1"]


def project(folder: Path, warm: str) -> Path:
    copy_project(folder)
    params = folder / "params.yaml"
    params.write_text(params.read_text(encoding="utf-8").replace("  warm: false", f"  warm: {warm}", 1))
    return folder


def corpus(folder: Path, *words: str) -> subprocess.CompletedProcess:
    return subprocess.run(["corpus", *words], cwd=folder, env=venv_environment(), capture_output=True, text=True,
                          check=False)  # fmt: skip


def test_stage_commands_run_in_the_warm_server_with_local_outputs(tmp_path: Path) -> None:
    local, warm = project(tmp_path / "local", "false"), project(tmp_path / "warm", "true")
    corpus(warm, "engines", "stop")
    try:
        for stage in ("ingest", "segment"):
            for folder in (local, warm):
                done = corpus(folder, stage)
                assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["processed"] == 4  # the command's stdout, passed through
        for sub, pattern in (("documents", "*.json"), ("sentences", "*.jsonl")):
            expected = {p.name: p.read_bytes() for p in (local / "corpus" / sub).glob(pattern)}
            assert {p.name: p.read_bytes() for p in (warm / "corpus" / sub).glob(pattern)} == expected
        assert "no warm engine server" in corpus(local, "engines", "status").stdout  # local ones start none
        status = json.loads(corpus(warm, "engines", "status").stdout)
        assert status["requests"] == 2 and status["engines"] == 2  # their batches served in the server itself
        (warm / "corpus" / "documents" / "de-dprk-cuba.json").write_text("{not json", encoding="utf-8")
        failed = corpus(warm, "segment")
        assert failed.returncode == 2 and failed.stderr.startswith("error:") and "de-dprk-cuba.json" in failed.stderr
        assert json.loads(corpus(warm, "engines", "status").stdout)["pid"] == status["pid"]
    finally:
        corpus(warm, "engines", "stop")
