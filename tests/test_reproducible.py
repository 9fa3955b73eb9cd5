"""The same inputs, settings and code give the same outputs: in any folder, on any run."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, copy_project
from .test_dvc_pipeline import dvc

pytestmark = pytest.mark.slow
SHARED = (ROOT / ".." / "shared").resolve()
STAGES = ("ingest", "segment", "train-ner")


def outputs(project: Path, stages: tuple[str, ...] = STAGES) -> dict[str, str]:
    """Each stage output's hash as ``dvc.lock`` records it."""
    lock = yaml.safe_load((project / "dvc.lock").read_text(encoding="utf-8"))["stages"]
    return {out["path"]: out["md5"] for stage in stages for out in lock[stage].get("outs", [])}


def fresh_copy(folder: Path) -> Path:
    """The project's inputs and code in ``folder``, with the shared data at ``../shared`` as in a clone."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(SHARED, folder.parent / "shared")
    project = copy_project(folder)
    dvc(project, "init", "--no-scm", "-q")
    return project


@pytest.mark.skipif(not (SHARED / "data" / "germeval2014").exists(), reason="no ../shared/data (GermEval)")
def test_fresh_copies_reproduce_the_committed_lock(tmp_path: Path) -> None:
    """A copy as a clone has it (inputs, code, dvc.lock and the committed NER model), in two
    folders and after a forced re-segmentation, hashes every output of ingest, segment and
    train-ner as the committed ``dvc.lock`` does, and finds the model up to date: a clone never
    retrains it (``dvc repro -f train-ner`` rebuilds the same files: benchmarks/README.md)."""
    first = clone_like(tmp_path / "a" / "project")
    printed = dvc(first, "repro", "train-ner")
    assert "Stage 'train-ner' didn't change, skipping" in printed or "'train-ner' is cached" in printed
    committed = outputs(ROOT)
    assert outputs(first) == committed

    dvc(first, "repro", "-f", "-s", "segment")
    assert outputs(first) == committed

    elsewhere = clone_like(tmp_path / "b" / "deeper" / "project")  # another absolute path, same outputs
    dvc(elsewhere, "repro", "segment")
    assert outputs(elsewhere, ("ingest", "segment")) == outputs(ROOT, ("ingest", "segment"))


# what another x86-64 CPU's defaults would pick: CTranslate2's and MKL's generic paths, OpenBLAS's
# pre-AVX kernels on two threads, oneDNN's SSE4.1 kernels
ANOTHER_CPU = {
    "CT2_FORCE_CPU_ISA": "GENERIC",
    "MKL_CBWR": "COMPATIBLE",
    "OPENBLAS_CORETYPE": "Prescott",
    "OPENBLAS_NUM_THREADS": "2",
    "ONEDNN_MAX_CPU_ISA": "SSE41",
}


@pytest.mark.skipif(not (SHARED / "data" / "germeval2014").exists(), reason="no ../shared/data (GermEval)")
def test_a_clone_run_as_on_another_cpu_writes_every_committed_output(tmp_path: Path) -> None:
    """A clone's first ``dvc repro`` in processes whose environment asks for other kernels, as
    another CPU's defaults would (an AMD EPYC without AVX-512 once rewrote dvc.lock): every stage's
    outputs hash as the committed ``dvc.lock`` has them. The project's pins win over the
    environment, and llama.cpp's library has AVX2 code only (tests/test_llm_translate.py)."""
    project = clone_like(tmp_path / "project")
    printed = dvc(project, "repro", environment=ANOTHER_CPU)
    assert "Running stage 'translate'" in printed and "Running stage 'train-ner'" not in printed
    lock = yaml.safe_load((ROOT / "dvc.lock").read_text(encoding="utf-8"))["stages"]
    everything = tuple(lock)
    assert outputs(project, everything) == outputs(ROOT, everything)


def clone_like(folder: Path) -> Path:
    """What ``git clone`` gives: the inputs and code, the lock, and train-ner's outputs committed
    with it (the model and its metrics file, both ``cache: false``)."""
    project = fresh_copy(folder)
    shutil.copy2(ROOT / "dvc.lock", project / "dvc.lock")
    shutil.copytree(ROOT / "corpus" / "models" / "ner-de", project / "corpus" / "models" / "ner-de")
    (project / "corpus" / "metrics").mkdir()
    shutil.copy2(ROOT / "corpus" / "metrics" / "ner.json", project / "corpus" / "metrics" / "ner.json")
    return project
