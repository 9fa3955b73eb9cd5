"""The environment for commands a test runs: this virtualenv's ``bin`` first on ``PATH``, so
``corpus`` and ``dvc`` resolve to the tested install."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def venv_environment() -> dict[str, str]:
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
