"""Parameters (``params.yaml``) and common paths, shared by the stages and the CLI."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

DEFAULT_PARAMS = Path("params.yaml")


class StageError(RuntimeError):
    """A failure the user can act on; the CLI prints it without a traceback."""


def load_params(path: Path = DEFAULT_PARAMS) -> dict[str, Any]:
    path = Path(path)
    if not path.exists():
        raise StageError(f"{path}: parameters file not found (run from the project root)")
    try:
        params = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise StageError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(params, dict):
        raise StageError(f"{path}: expected a mapping of stage names to settings")
    return params


def stage_params(name: str, path: Path = DEFAULT_PARAMS) -> dict[str, Any]:
    section = load_params(path).get(name, {})
    if not isinstance(section, dict):
        raise StageError(f"{path}: section {name!r} must be a mapping")
    return section


def warn(message: str) -> None:
    """Loud, visible warnings: these flag substitutes and data problems, not noise."""
    print(f"WARNING: {message}", file=sys.stderr)
