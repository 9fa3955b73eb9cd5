"""Wall time of a no-op `dvc repro` (everything up to date), median of --runs runs.

.venv/bin/python benchmarks/dvc_noop.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    dvc = [sys.executable, "-m", "dvc"]
    subprocess.run([*dvc, "repro", "-q"], cwd=ROOT, env=env, check=True)  # bring it up to date first
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        result = subprocess.run([*dvc, "repro"], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if "Running stage" in result.stdout:
            sys.exit("dvc repro ran a stage: the pipeline was not up to date")
    print(f"no-op dvc repro over {args.runs} runs: min {min(times):.2f} s, max {max(times):.2f} s")
    print(f"no-op dvc repro median: {statistics.median(times):.2f} s")


if __name__ == "__main__":
    main()
