"""The DVC pipeline end to end in a scratch copy of the project."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, copy_project
from .helpers.environment import venv_environment

pytestmark = pytest.mark.slow


def dvc(project: Path, *args: str, environment: dict[str, str] | None = None) -> str:
    env = {**venv_environment(), **(environment or {})}
    result = subprocess.run([sys.executable, "-m", "dvc", *args], cwd=project, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def readme_command(purpose: str) -> str:
    """The README's set-up/run/test line whose comment names ``purpose``."""
    block = (ROOT / "README.md").read_text(encoding="utf-8").split("```bash\n", 1)[1].split("```", 1)[0]
    return next(line.split("#")[0].strip() for line in block.splitlines() if line.endswith(f"# {purpose}"))


def ran(output: str) -> list[str]:
    return sorted(re.findall(r"Running stage '([^']+)'", output))


def test_repro_runs_once_then_only_what_changed(tmp_path: Path) -> None:
    env = venv_environment()
    project = copy_project(tmp_path / "project")
    dvc(project, "init", "--no-scm", "-q")
    # the README's run line, verbatim, in a new shell that does not have the virtualenv on PATH
    shell = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root")}
    command = readme_command("run the pipeline")
    result = subprocess.run(["bash", "-c", command], cwd=project, env=shell, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    first = result.stdout + result.stderr
    assert "Creating parquet" not in first  # no progress bars in logs
    stages = ran(first)
    assert stages == sorted(
        ["ingest", "segment", "translate", "align", "train-ner", "tag", "agreement", "export", "report"]
    )
    # no GermEval file beside the scratch project: train-ner says so and the tag stage keeps HanTa
    assert "train-ner: skipped (training data not found" in first
    assert (project / "corpus" / "sentences" / "de-dprk-cuba.jsonl").exists()

    assert ran(dvc(project, "repro")) == []

    seed = project / "seeds" / "002_819e1095e51f7057.txt"
    seed.write_text(seed.read_text(encoding="utf-8") + "Ein neuer Satz am Ende.\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "manifest", "--update"], cwd=project, check=True, capture_output=True
    )
    output = dvc(project, "repro")
    assert ran(output) == [
        "agreement",
        "align",
        "export",
        "ingest",
        "report",
        "segment",
        "tag",
        "train-ner",
        "translate",
    ]
    last = (project / "corpus" / "sentences" / "de-dprk-cuba.jsonl").read_text(encoding="utf-8").splitlines()[-1]
    assert '"text":"Ein neuer Satz am Ende."' in last
    # only the edited document is parsed and segmented again
    assert '{"documents": 4, "processed": 1, "reused": 3, "removed": []}' in output
    assert '{"processed": 1, "reused": 3, "removed": []' in output

    # removing a document the documented way: corpus remove, then repro
    removed = "en-south-korea-uzbekistan"
    subprocess.run([sys.executable, "-m", "pipelines.cli", "remove", removed], cwd=project, check=True)
    assert not (project / "seeds" / "003_42c5eac75d228d7b.txt").exists()
    dvc(project, "repro")
    assert not (project / "corpus" / "documents" / f"{removed}.json").exists()
    assert not (project / "corpus" / "sentences" / f"{removed}.jsonl").exists()
    for output in ("alignments.jsonl", "align_summary.json", "entities.jsonl", "events.jsonl", "report.html"):
        assert removed not in (project / "corpus" / output).read_text(encoding="utf-8"), output
    import pyarrow.parquet as pq

    documents = pq.read_table(project / "dist" / "dataset" / "data" / "documents" / "train-00000-of-00001.parquet")
    assert sorted(documents.column("doc_id").to_pylist()) == [
        "de-dprk-cuba",
        "en-cuba-south-korea",
        "en-russia-south-korea",
    ]
    ner = pq.read_table(project / "dist" / "dataset" / "data" / "ner" / "train-00000-of-00001.parquet")
    assert removed not in set(ner.column("doc_id").to_pylist())

    # reverting the seed to content DVC has cached, without telling the manifest: the check still runs
    seed.write_text(seed.read_text(encoding="utf-8").replace("Ein neuer Satz am Ende.\n", ""), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "dvc", "repro"], cwd=project, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "differs from seeds/manifest.yaml" in result.stdout + result.stderr


def snapshot(project: Path) -> dict[str, bytes]:
    """Every output file under corpus/ and dist/, by path."""
    return {
        str(p.relative_to(project)): p.read_bytes()
        for folder in ("corpus", "dist")
        for p in sorted((project / folder).rglob("*"))
        if p.is_file() and ".gitignore" not in p.name
    }


def test_a_failing_stage_leaves_every_previous_output_in_place(tmp_path: Path) -> None:
    """Each stage in turn gets a bad input: it fails with the file (and line) named, and no output
    of any stage is removed or changed."""
    project = copy_project(tmp_path / "project")
    dvc(project, "init", "--no-scm", "-q")
    dvc(project, "repro")
    before = snapshot(project)
    env = venv_environment()
    sentences = project / "corpus" / "sentences" / "de-dprk-cuba.jsonl"
    bad_human = '{"key": "x", "kind": "tagging", "task_id": 1, "annotation_id": 2, "result": []}\n'
    cases = [
        # (stage, file to corrupt, new content or None to append a bad line, expected message)
        (
            "ingest",
            project / "seeds" / "002_819e1095e51f7057.txt",
            "Neu.\n",
            "differs from seeds/manifest",
        ),
        ("segment", project / "corpus" / "documents" / "de-dprk-cuba.json", "{}", "not a valid Document"),
        ("translate", sentences, None, "de-dprk-cuba.jsonl:17: not a valid Sentence"),
        ("align", sentences, None, "de-dprk-cuba.jsonl:17: not a valid Sentence"),
        ("tag", sentences, None, "de-dprk-cuba.jsonl:17: not a valid Sentence"),
        ("train-ner", project / "annotations" / "tagging.human.jsonl", bad_human, "tagging.human.jsonl:1: "),
        ("agreement", project / "annotations" / "tagging.human.jsonl", bad_human, "tagging.human.jsonl:1: "),
        ("export", project / "annotations" / "tagging.human.jsonl", bad_human, "stale: Field required"),
        ("report", project / "corpus" / "alignments.jsonl", None, "alignments.jsonl:17: not a valid Alignment"),
    ]
    for stage, path, content, message in cases:
        original = path.read_bytes()
        if content is None:
            path.write_bytes(original + b'{"not": "a record"}\n')
        else:
            path.write_text(content, encoding="utf-8")
        result = subprocess.run(
            [sys.executable, "-m", "dvc", "repro", "-s", stage], cwd=project, env=env, capture_output=True, text=True
        )
        path.write_bytes(original)
        assert result.returncode != 0, f"{stage} accepted a bad input"
        assert message in result.stdout + result.stderr, (stage, result.stderr[-2000:])
        after = snapshot(project)
        changed = {
            name for name in before if after.get(name) != before[name] and name != str(path.relative_to(project))
        }
        assert changed == set(), f"{stage} changed or removed {sorted(changed)}"
