"""What canonical vectors cost: sentences/s of an encoder batched on two threads (the old path),
each text alone on one thread in process (the align stage with ``executor.workers: 1``), and
each text alone on a local process pool of two workers (``executor.workers: 2``), on the first
``--lines`` German and French lines of the Text+Berg dev set (../shared/data, GPL-2.0). Also checks
that the pool's vectors equal the in-process ones, byte for byte. Ratios are within this run.

    .venv/bin/python benchmarks/encode_ahead.py --encoder use-multilingual-v3 [--lines 300]
    .venv/bin/python benchmarks/encode_ahead.py --encoder embeddinggemma --gemma-dir models/embeddinggemma
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.core.floats import pin_float_paths  # noqa: E402

pin_float_paths()

import numpy as np  # noqa: E402

from pipelines.core.settings import ExecutorSettings, load_settings  # noqa: E402
from pipelines.engines.vectors.each import EachEncoded  # noqa: E402
from pipelines.engines.vectors.embedders import make_embedder  # noqa: E402
from pipelines.evaluation.align_eval import read_lines  # noqa: E402
from pipelines.stages.align import Encoder  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", default="use-multilingual-v3")
    parser.add_argument("--gemma-dir", type=Path, default=None)
    parser.add_argument("--lines", type=int, default=300)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    dev = args.data / "textberg_defr_dev"
    half = args.lines // 2
    texts = read_lines(dev / "dev.de")[:half] + read_lines(dev / "dev.fr")[:half]
    work = Path(tempfile.mkdtemp(prefix="bench-encode-"))
    base = load_settings(ROOT / "params.yaml").align
    update: dict[str, object] = {"cache_path": work / "here.sqlite"}
    if args.gemma_dir is not None:
        update["gemma_dir"] = args.gemma_dir
    settings = base.model_copy(update=update)
    timings = {}

    batched = make_embedder(args.encoder, 2, settings)
    batched.embed(texts[:2])
    start = time.perf_counter()
    batched.embed(texts)
    timings["batched, 2 threads"] = time.perf_counter() - start

    here = EachEncoded(args.encoder, settings)
    here.embed(texts[:2])
    start = time.perf_counter()
    in_process = here.embed(texts)
    timings["each alone, 1 thread, in process"] = time.perf_counter() - start

    pooled = EachEncoded(args.encoder, settings.model_copy(update={"cache_path": work / "pool.sqlite"}))
    start = time.perf_counter()
    Encoder(pooled, ExecutorSettings(workers=2)).ahead(texts)
    timings["each alone, 1 thread each, pool of 2 (worker start-up and model loads included)"] = (
        time.perf_counter() - start
    )
    same = np.array_equal(pooled.embed(texts), in_process)

    print(f"encoder {here.name}, {len(texts)} sentences; pool vectors equal in-process: {same}")
    print("| path | sentences/s | ratio to batched |")
    print("|---|---|---|")
    reference = timings["batched, 2 threads"]
    for label, seconds in timings.items():
        print(f"| {label} | {len(texts) / seconds:.1f} | {reference / seconds:.2f} |")


if __name__ == "__main__":
    main()
