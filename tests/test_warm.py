"""The warm engine server: same records as the local executor, engines kept between runs."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.core.errors import StageError
from pipelines.core.settings import ExecutorSettings
from pipelines.run.executor import WarmExecutor, make_executor
from pipelines.stages import ingest, segment, tag

from .conftest import SEEDS, copy_project, project_settings
from .helpers.environment import venv_environment

SETTINGS = project_settings()


class Counter:
    """Counts its own constructions in the process that holds it: a warm engine is built once."""

    built = 0

    def __init__(self, suffix: str) -> None:
        Counter.built += 1
        self.suffix = suffix

    def __call__(self, batch: list[str]) -> list[str]:
        return [f"{item}{self.suffix}:{Counter.built}" for item in batch]


class Broken:
    def __init__(self) -> None:
        raise StageError("no model in models/nowhere")


@pytest.fixture
def warm() -> Iterator[WarmExecutor]:
    executor = WarmExecutor(idle_seconds=120)
    executor.stop()  # a server left by an earlier run of this checkout
    yield executor
    executor.stop()


def test_warm_keeps_order_and_builds_each_engine_once(warm: WarmExecutor) -> None:
    items = [str(i) for i in range(23)]
    first = list(warm.map(Counter, ("!",), items, 4, "test"))
    again = list(warm.map(Counter, ("!",), items, 5, "test"))
    assert first == again == [f"{i}!:1" for i in range(23)]  # built once, in the server
    other = list(warm.map(Counter, ("?",), items[:2], 4, "test"))
    assert other == ["0?:2", "1?:2"]  # other arguments: another engine
    status = warm.status()
    assert status is not None and status["engines"] == 2 and status["requests"] == 6 + 5 + 1


def test_an_engine_that_fails_to_load_fails_the_stage_with_its_message(warm: WarmExecutor) -> None:
    with pytest.raises(StageError, match="no model in models/nowhere"):
        list(warm.map(Broken, (), ["x"], 1, "test"))
    assert list(warm.map(Counter, ("!",), ["a"], 1, "test")) == ["a!:1"]  # the server survives it


def test_the_server_exits_when_idle() -> None:
    executor = WarmExecutor(idle_seconds=1)
    executor.stop()
    assert list(executor.map(Counter, ("!",), ["a"], 1, "test")) == ["a!:1"]
    deadline = time.monotonic() + 30
    while executor.status() is not None and time.monotonic() < deadline:
        time.sleep(0.5)
    assert executor.status() is None


def test_warm_stages_give_byte_identical_outputs(
    warm: WarmExecutor, seed_corpus: Path, full_corpus: Path, tmp_path: Path
) -> None:
    settings = ExecutorSettings(kind="warm", documents_per_batch=1)
    assert isinstance(make_executor(settings), WarmExecutor)
    ingest.run(SEEDS, tmp_path / "documents", SETTINGS.ingest, executor=settings)
    segment.run(tmp_path / "documents", tmp_path / "sentences", SETTINGS.segment, executor=settings)
    for sub, pattern in (("documents", "*.json"), ("sentences", "*.jsonl")):
        expected = {p.name: p.read_bytes() for p in (seed_corpus / sub).glob(pattern)}
        assert {p.name: p.read_bytes() for p in (tmp_path / sub).glob(pattern)} == expected
    files = sorted((tmp_path / "sentences").glob("*.jsonl"))
    outputs = [tmp_path / name for name in ("entities.jsonl", "events.jsonl", "tag.json")]
    tag_settings = project_settings(tmp_path).tag  # an empty analysis cache: every sentence is parsed warm
    tag.run(files, full_corpus / "translations.jsonl", full_corpus / "alignments.jsonl", *outputs,
            tag_settings, settings)  # fmt: skip
    for name in ("entities.jsonl", "events.jsonl"):
        assert (tmp_path / name).read_bytes() == (full_corpus / name).read_bytes(), name
    engines = warm.status()["engines"]
    (tmp_path / "documents" / "de-dprk-cuba.json").unlink()  # redone, by the engine already loaded
    ingest.run(SEEDS, tmp_path / "documents", SETTINGS.ingest, executor=settings)
    assert warm.status()["engines"] == engines


def test_a_tagger_that_is_not_the_planned_engine_is_refused() -> None:
    planned = tag.plan_tagger("en", SETTINGS.tag).provenance.model_copy(update={"model": "another model"})
    with pytest.raises(StageError, match="planned another model"):
        tag.AnalyseWork("en", SETTINGS.tag, planned)


def test_a_new_server_stops_this_folders_servers_for_other_code(warm: WarmExecutor) -> None:
    folder = warm.address.name.split("-")[0]
    outdated = WarmExecutor(120, warm.address.with_name(f"{folder}-0000000000000000.sock"))
    outdated.stop()
    assert list(outdated.map(Counter, ("!",), ["a"], 1, "test")) == ["a!:1"]
    assert outdated.status() is not None
    assert list(warm.map(Counter, ("!",), ["b"], 1, "test")) == ["b!:1"]  # starts this code's server
    assert outdated.status() is None


def test_a_command_runs_in_the_server_with_the_clients_environment(
    warm: WarmExecutor, capfd: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORPUS_TEST_VALUE", "from the client")
    assert warm.run("tests.helpers.commands:report", ["CORPUS_TEST_VALUE"]) == 3
    printed = capfd.readouterr()
    assert printed.out == "from the client\n" and printed.err == "to stderr\n"
    monkeypatch.delenv("CORPUS_TEST_VALUE")
    assert warm.run("tests.helpers.commands:report", ["CORPUS_TEST_VALUE"]) == 3  # not kept from the last run
    assert capfd.readouterr().out == "unset\n"


def test_ctrl_c_stops_the_command_in_the_server_not_the_server(warm: WarmExecutor) -> None:
    # the client starts as a command typed at a terminal does, with Ctrl-C at its default even
    # when the suite itself runs as a background job (which ignores SIGINT, and children inherit that)
    client = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pipelines.run.executor import WarmExecutor; "
         "sys.exit(WarmExecutor(120).run('tests.helpers.commands:nap', ['now']))"],
        cwd=Path.cwd(), stdout=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    assert client.stdout.readline() == "napping now\n"  # streamed while the command runs
    assert warm.status()["running"]  # answered while the command runs
    client.send_signal(signal.SIGINT)
    assert client.wait(timeout=30) == 130
    assert warm.status()["running"] is False  # the server lives on
    assert list(warm.map(Counter, ("!",), ["a"], 1, "test")) == ["a!:1"]


def project(folder: Path, executor: str) -> Path:
    copy_project(folder)
    params = folder / "params.yaml"
    params.write_text(params.read_text(encoding="utf-8").replace("  kind: local", f"  kind: {executor}", 1))
    return folder


def corpus(folder: Path, *words: str) -> subprocess.CompletedProcess:
    return subprocess.run(["corpus", *words], cwd=folder, env=venv_environment(), capture_output=True, text=True,
                          check=False)  # fmt: skip


def test_stage_commands_run_in_the_warm_server_with_local_outputs(tmp_path: Path) -> None:
    local, warm = project(tmp_path / "local", "local"), project(tmp_path / "warm", "warm")
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
