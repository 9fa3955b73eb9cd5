"""Progress off a terminal: a line at an interval with the count, rate and ETA; silent with --quiet."""

from __future__ import annotations

import pytest

from pipelines.core.progress import Progress


def test_lines_at_an_interval_when_output_is_not_a_terminal(monkeypatch, capsys) -> None:
    monkeypatch.setenv("CORPUS_PROGRESS_SECONDS", "0")  # every update prints
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    with Progress(4, "translate", "sent") as bar:
        bar.update(1)
        bar.update(3)
    lines = capsys.readouterr().err.splitlines()  # pytest's captured stderr is not a terminal
    assert lines[0].startswith("translate: 1/4 sent (25%), ") and "sent/s, ETA " in lines[0]
    assert lines[1].startswith("translate: 4/4 sent (100%), ") and "ETA" not in lines[1]
    assert lines[-1].startswith("translate: 4/4 sent (100%)") and ", done in " in lines[-1]


@pytest.mark.parametrize("environment", [{"TQDM_DISABLE": "1", "CORPUS_PROGRESS_SECONDS": "0"}, {}])
def test_quiet_or_quick_work_prints_nothing(environment: dict, monkeypatch, capsys) -> None:
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    monkeypatch.delenv("CORPUS_PROGRESS_SECONDS", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with Progress(2, "segment") as bar:
        bar.update(2)
    assert capsys.readouterr().err == ""
