"""Errors a user can act on, and loud warnings; the CLI prints them without a traceback."""

from __future__ import annotations

import sys
from pathlib import Path


class StageError(RuntimeError):
    """A failure the user can act on; the CLI prints it without a traceback."""


class RecordError(ValueError):
    """A record file that does not match its schema; the message names file and line."""


class InputError(StageError):
    """An input file that cannot be used; the message starts with its path."""

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")


def warn(message: str) -> None:
    """Loud, visible warnings: these flag substitutes and data problems, not noise."""
    print(f"WARNING: {message}", file=sys.stderr)
