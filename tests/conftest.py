"""Shared fixtures: the project root, a scratch project, and the seed corpus run once."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


@pytest.fixture(autouse=True)
def _run_from_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stages resolve params.yaml and model paths relative to the project root, as DVC runs them."""
    monkeypatch.chdir(ROOT)


def copy_project(destination: Path) -> Path:
    """A scratch copy of the project's inputs and code (not its outputs or virtualenv)."""
    for name in ("seeds", "pipelines", "params.yaml", "dvc.yaml"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, destination / name)
    models = ROOT / "models"
    if models.exists():
        os.symlink(models, destination / "models")
    return destination


@pytest.fixture(scope="session")
def seed_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ingest and segment the four seeds once into a scratch corpus folder."""
    from pipelines import ingest, segment

    out = tmp_path_factory.mktemp("corpus")
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        documents = ingest.run(out_dir=out / "documents")
        segment.run([out / "documents" / f"{d.doc_id}.json" for d in documents], out / "sentences")
    finally:
        os.chdir(cwd)
    return out
