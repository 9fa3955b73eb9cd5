"""The DVC pipeline end to end in a scratch copy of the project."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import copy_project

pytestmark = pytest.mark.slow


def dvc(project: Path, *args: str) -> str:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run([sys.executable, "-m", "dvc", *args], cwd=project, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def ran(output: str) -> list[str]:
    return sorted(re.findall(r"Running stage '([^']+)'", output))


def test_repro_runs_once_then_only_what_changed(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    dvc(project, "init", "--no-scm", "-q")
    first = dvc(project, "repro")
    stages = ran(first)
    assert "ingest@de-dprk-cuba" in stages and "segment@en-south-korea-uzbekistan" in stages
    assert len(stages) == 14 and {"translate", "align", "tag", "agreement", "export", "report"} <= set(stages)
    assert (project / "corpus" / "sentences" / "de-dprk-cuba.jsonl").exists()

    assert ran(dvc(project, "repro")) == []

    seed = project / "seeds" / "002_819e1095e51f7057.txt"
    seed.write_text(seed.read_text(encoding="utf-8") + "Ein neuer Satz am Ende.\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "manifest", "--update"], cwd=project, check=True, capture_output=True
    )
    assert ran(dvc(project, "repro")) == [
        "agreement",
        "align",
        "export",
        "ingest@de-dprk-cuba",
        "report",
        "segment@de-dprk-cuba",
        "tag",
        "translate",
    ]
    last = (project / "corpus" / "sentences" / "de-dprk-cuba.jsonl").read_text(encoding="utf-8").splitlines()[-1]
    assert '"text":"Ein neuer Satz am Ende."' in last
