"""The CPU paths that decide floats are pinned: a process whose environment asks for other
kernels (as another CPU's default would) computes the same bytes as the pinned default."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from pipelines.core.floats import OPENBLAS_CORE, cpu_has

from .conftest import ROOT
from .helpers.environment import venv_environment

pytestmark = pytest.mark.skipif(
    platform.machine() != "x86_64" or not cpu_has("avx2"), reason="the pins are for x86-64 CPUs with AVX2"
)
# USE vectors (numpy + OpenBLAS) and the German NER's contextual word states, as `corpus` computes them
SCRIPT = """
import hashlib
import pipelines.cli.entry  # pins, as the `corpus` command does
from pipelines.engines.vectors.embedders import make_embedder
from pipelines.engines.vectors.token_vectors import WordStates
texts = ["Kim Il Sung empfing Fidel Castro in Pjöngjang.", "Die DVRK und Kuba", "Havanna", "Ministerpräsident"]
vectors = make_embedder("use-multilingual-v3", 2).embed(texts)
states = WordStates().sentences([t.split() for t in texts])
print(hashlib.sha256(vectors.tobytes()).hexdigest(), hashlib.sha256(b"".join(s.tobytes() for s in states)).hexdigest())
"""
OTHER_CPU = {"OPENBLAS_CORETYPE": "Prescott", "NPY_DISABLE_CPU_FEATURES": "AVX2 FMA3", "OPENBLAS_NUM_THREADS": "2"}


def digests(**environment: str) -> list[str]:
    env = {**venv_environment(), **environment}
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_this_test_session_runs_with_the_pins() -> None:
    assert os.environ.get("OPENBLAS_CORETYPE") == OPENBLAS_CORE


def test_the_pin_wins_over_an_environment_that_asks_for_other_kernels() -> None:
    pinned = digests()
    assert digests(**OTHER_CPU) == pinned
    # without the pin, the same request changes the vectors: the test can see a difference
    unpinned = digests(**OTHER_CPU, CORPUS_NATIVE_FLOATS="1")
    assert unpinned[0] != pinned[0] and unpinned[1] == pinned[1]  # e5's states: fixed flags, no dispatch
