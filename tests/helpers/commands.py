"""Commands for the warm engine server to run in tests (``WarmClient.run`` targets)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from pipelines.core.errors import StageError


def nap(argv: list[str]) -> int:
    """Say so, then sleep: a command to interrupt."""
    print(f"napping {' '.join(argv)}", flush=True)
    time.sleep(60)
    return 0


def report(argv: list[str]) -> int:
    """Print the environment variable named by the argument to stdout and a note to stderr."""
    print(os.environ.get(argv[0], "unset"))
    print("to stderr", file=sys.stderr)
    return 3


class Counter:
    """Counts its own constructions in the process that holds it: a warm engine is built once."""

    built = 0

    def __init__(self, suffix: str) -> None:
        Counter.built += 1
        self.suffix = suffix

    def __call__(self, batch: list[str]) -> list[str]:
        return [f"{item}{self.suffix}:{Counter.built}" for item in batch]


class Broken:
    def __init__(self) -> None:
        raise StageError("no model in models/nowhere")


def count(argv: list[str]) -> int:
    """``SUFFIX N BATCH``: map N items through a Counter on the one-process executor and print
    the results as JSON; ``broken``: the same with an engine that fails to load."""
    from pipelines.run.executor import LocalExecutor

    try:
        if argv[0] == "broken":
            list(LocalExecutor(1).map(Broken, (), ["x"], 1, "test"))
        suffix, items, batch = argv[0], [str(i) for i in range(int(argv[1]))], int(argv[2])
        print(json.dumps(list(LocalExecutor(1).map(Counter, (suffix,), items, batch, "test"))))
    except StageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def tag_seeds(argv: list[str]) -> int:
    """``SENTENCES FULL OUT WORK``: the tag stage on the seed sentences in this process (the
    server), writing to OUT with caches in WORK, on the one-process executor."""
    from pipelines.stages import tag
    from tests.conftest import project_settings

    sentences, full, out, work = map(Path, argv)
    files = sorted(sentences.glob("*.jsonl"))
    outputs = [out / name for name in ("entities.jsonl", "events.jsonl", "tag.json")]
    tag.run(files, full / "translations.jsonl", full / "alignments.jsonl", *outputs, project_settings(work).tag)
    return 0
