"""Commands for the warm engine server to run in tests (``WarmExecutor.run`` targets)."""

from __future__ import annotations

import os
import sys
import time


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
