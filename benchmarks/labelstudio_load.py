"""Label Studio under load through the pipeline's own push and pull, against a real local server.

.venv/bin/python benchmarks/labelstudio_load.py [--tasks 10000] [--annotations 1000]

The seed corpus's tagging rows (``corpus/entities.jsonl``, ``corpus/events.jsonl``, after
``dvc repro``) are repeated under new sentence ids up to --tasks sentences; ``push`` imports
them (batches of 500), --annotations tasks get an annotation through the API (an annotator's
submit), ``pull`` exports and writes them. Prints wall time and peak memory of this process
per step, and checks that every task is on the server exactly once and every annotation was
pulled.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.core.reviews import read_reviews as read_human  # noqa: E402
from pipelines.labelstudio import client as ls_client  # noqa: E402
from tests.conftest import Server  # noqa: E402

CONFIGS = ROOT / "annotations" / "configs"


def grown_corpus(folder: Path, size: int) -> None:
    """``size`` tagging rows: the seeds' rows again and again under new sentence ids."""
    for name in ("entities.jsonl", "events.jsonl"):
        rows = [json.loads(line) for line in (ROOT / "corpus" / name).read_text(encoding="utf-8").splitlines()]
        with open(folder / name, "w", encoding="utf-8") as out:
            for k in range(size):
                row = dict(rows[k % len(rows)])
                row["sent_id"] = f"{row['sent_id']}-load{k // len(rows)}"
                out.write(json.dumps(row, ensure_ascii=False) + "\n")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--annotations", type=int, default=1_000)
    args = parser.parse_args()
    figures = {}
    with tempfile.TemporaryDirectory(prefix="bench-ls-load-") as scratch:
        work = Path(scratch)
        corpus, out = work / "corpus", work / "annotations"
        corpus.mkdir()
        grown_corpus(corpus, args.tasks)
        live = Server(work)  # a real server from the tests' pre-migrated template
        try:
            client = live.client()
            started = time.perf_counter()
            pushed = ls_client.push(client, "tagging", corpus, CONFIGS)
            figures["push"] = (time.perf_counter() - started, peak_mb())
            tasks = list(client.tasks.list(project=pushed["project"], fields="all"))
            keys = [t.data["sent_id"] for t in tasks]
            assert len(keys) == len(set(keys)) == args.tasks, (len(keys), len(set(keys)))
            started = time.perf_counter()
            for task in tasks[: args.annotations]:
                client.annotations.create(id=task.id, result=[])
            figures["annotate (API)"] = (time.perf_counter() - started, peak_mb())
            started = time.perf_counter()
            pulled = ls_client.pull(client, "tagging", out, corpus)
            figures["pull"] = (time.perf_counter() - started, peak_mb())
            assert pulled["annotated"] == args.annotations == len(read_human(out / "tagging.human.jsonl"))
            again = ls_client.push(client, "tagging", corpus, CONFIGS)
            assert again["tasks_added"] == 0 and again["tasks_total"] == args.tasks
        finally:
            live.stop()
    for step, (seconds, memory) in figures.items():
        print(f"{step}: {seconds:.1f} s, peak RSS of this process {memory:.0f} MB")
    print(f"every one of {args.tasks} tasks once; {args.annotations} annotations pulled; a second push added 0")
    push_rate, pull_rate = args.tasks / figures["push"][0], args.tasks / figures["pull"][0]
    print(f"push rate {push_rate:.0f} tasks/s, pull {pull_rate:.0f} tasks/s")


if __name__ == "__main__":
    main()
