"""Label Studio import: batched requests vs one request per task, against a real local server.

Starts Label Studio from the pre-migrated template the tests use (built on first use), imports
--tasks tasks in batches of --batch, and --sample tasks one request each, then prints both
rates and their ratio (the per-task rate is measured on the sample, not on all tasks).

    .venv/bin/python benchmarks/labelstudio_push.py [--tasks 10000] [--sample 200]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.labelstudio.tasks import config_text  # noqa: E402
from tests.conftest import Server  # noqa: E402


def tasks(count: int, offset: int = 0) -> list[dict]:
    return [
        {
            "data": {
                "sent_id": f"bench-{offset + k}",
                "doc_id": "bench",
                "lang": "en",
                "text_sha1": "",
                "text": f"Cuba and South Korea established relations in {1900 + k % 120}.",
            },
            "predictions": [
                {
                    "model_version": "bench",
                    "result": [
                        {
                            "id": "e0",
                            "from_name": "entities",
                            "to_name": "text",
                            "type": "labels",
                            "value": {"start": 0, "end": 4, "text": "Cuba", "labels": ["GPE"]},
                        }
                    ],
                }
            ],
        }
        for k in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--sample", type=int, default=200, help="tasks sent one request each")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ls-") as folder:
        live = Server(Path(folder))  # a real server from the tests' pre-migrated template
        try:
            client = live.client()
            project = client.projects.create(
                title="push benchmark", label_config=config_text("tagging", ROOT / "annotations" / "configs")
            )
            batched = tasks(args.tasks)
            start = time.perf_counter()
            for begin in range(0, len(batched), args.batch):
                client.projects.import_tasks(id=project.id, request=batched[begin : begin + args.batch])
            batched_rate = len(batched) / (time.perf_counter() - start)
            single = tasks(args.sample, offset=args.tasks)
            start = time.perf_counter()
            for task in single:
                client.projects.import_tasks(id=project.id, request=[task])
            single_rate = len(single) / (time.perf_counter() - start)
        finally:
            live.stop()
    print(f"batched ({args.batch}/request): {batched_rate:.0f} tasks/s over {args.tasks} tasks")
    print(f"one request per task: {single_rate:.1f} tasks/s over {args.sample} tasks")
    print(f"speed-up batched/per-task: {batched_rate / single_rate:.1f}x")


if __name__ == "__main__":
    main()
