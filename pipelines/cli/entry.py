"""The ``corpus`` command's entry point: a DVC stage command goes to the warm engine server when
the project's parameters choose ``executor.warm: true``; anything else runs in this process.

``dvc repro`` starts one ``corpus`` process per stage. Handing the command line to the server
(``run.warm``), which has already imported the stages and loaded their libraries, leaves
this process a small client: it imports only what reading the parameters and reaching the
server need, and prints what the command prints.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

from pipelines.core.floats import pin_float_paths

pin_float_paths()  # before anything imports numpy: the same floats on every x86-64 CPU

from pipelines.core.layout import PARAMS_FILE  # noqa: E402
from pipelines.run.runner import run_app  # noqa: E402

# the commands dvc.yaml runs (``annotate metrics`` is the agreement stage), but train-ner: a
# training run holds gigabytes while it lasts, which a server would keep after it
STAGE_COMMANDS = {"ingest", "segment", "translate", "align", "tag", "export", "report", "annotate metrics"}
RUN_TARGET = "pipelines.cli.main:invoke"


def stage_command(argv: list[str]) -> str | None:
    """The stage a command line runs (options before it skipped), else None."""
    words = [word for word in argv if not word.startswith("-")][:2]
    for name in (" ".join(words), words[0] if words else ""):
        if name in STAGE_COMMANDS:
            return name
    return None


def params_file(argv: list[str]) -> Path:
    for position, word in enumerate(argv):
        if word == "--params" and position + 1 < len(argv):
            return Path(argv[position + 1])
        if word.startswith("--params="):
            return Path(word.partition("=")[2])
    return PARAMS_FILE


def runs_warm(argv: list[str]) -> bool:
    """A stage command in a project whose parameters say ``executor: {warm: true}`` (or the older
    ``kind: warm``). A file that cannot be read says no: the command then runs here and reports
    what is wrong with it."""
    if stage_command(argv) is None or "--help" in argv:
        return False
    import yaml

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's, when built with it
        params = yaml.load(params_file(argv).read_text(encoding="utf-8"), Loader=loader)
        executor = params["executor"]
        return executor.get("warm") is True or executor.get("kind") == "warm"
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
        return False


def run_warm(argv: list[str]) -> NoReturn:
    from pipelines.run.warm_client import WarmClient

    sys.exit(WarmClient(params_file(argv)).run(RUN_TARGET, argv))


def main() -> None:
    argv = sys.argv[1:]
    if runs_warm(argv):
        run_app(lambda: run_warm(argv))  # a server that cannot be reached fails as a stage error
    from pipelines.cli.main import main as run_here

    run_here()
