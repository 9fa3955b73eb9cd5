"""Run a command with clean errors: what every ``python -m pipelines.stages.<stage>`` uses."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import NoReturn

from pipelines.core.errors import RecordError, StageError


def fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def run_app(app: Callable[[], object]) -> None:
    """Call a typer app; a user-facing error prints one line and exits 2, not a traceback."""
    try:
        app()
    except (StageError, RecordError) as error:
        fail(str(error))


def run_command(command: Callable[..., None]) -> None:
    """Run one stage command as a script (``python -m pipelines.stages.<stage>``)."""
    import typer  # here: the warm client (``pipelines.cli.entry``) uses ``run_app`` without typer

    single = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    single.command()(command)
    run_app(single)
