"""Corpus scale: `dvc repro` on the seeds plus N generated documents, from scratch, no-op, +1 document.

.venv/bin/python benchmarks/scale.py [--sizes 10 100 1000] [--executors] [--workdir /tmp/corpus-scale]

Documents are built from the Tatoeba de-en pairs in ``../shared/data/tatoeba_deu_eng``
(CC BY 2.0 FR; ``tests/helpers/generated.py``): each German document holds 6 random German
sentences, the next English document their English side in another order, all in one JSONL
collection. Each size runs in a scratch copy of the project with its own caches, so
"from scratch" includes every model load and embedding. Prints per-stage seconds and peak
RSS, sentences/s, the no-op time, the cost of adding one document, and the per-document
overhead of ingest+segment (the same sentences as 1,000 or as 250 documents).
``--executors`` then re-runs the executor stages (ingest, segment, tag) of the largest size
with a local pool of 2 and with Ray (2 actors), checks their outputs are byte-identical to
the single-process run, and prints the time ratios.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.helpers.generated import generated_documents  # noqa: E402

STAGES = ["ingest", "segment", "translate", "align", "train-ner", "tag", "agreement", "export", "report"]
EXECUTOR_STAGES = {"ingest": ["corpus", "ingest"], "segment": ["corpus", "segment"]}


def generate(count: int, path: Path, seed: int = 0, sentences: int = 6) -> None:
    documents = generated_documents(count, seed, sentences=sentences)
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in documents), encoding="utf-8")


def make_project(folder: Path, count: int) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name in ("seeds", "pipelines", "annotations", "params.yaml", "dvc.yaml"):
        source = ROOT / name
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", ".labelstudio")
            shutil.copytree(source, folder / name, ignore=ignore)
        else:
            shutil.copy2(source, folder / name)
    (folder / "models").symlink_to(ROOT / "models")
    run(["dvc", "init", "--no-scm", "-q"], folder)
    if count:
        generate(count, folder / "generated.jsonl")
        run(["corpus", "add", "generated.jsonl", "--licence", "CC-BY-2.0-FR", "--source", "Tatoeba"], folder)
        (folder / "generated.jsonl").unlink()
    return folder


def run(command: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (MiB) of a command and its children."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "TQDM_DISABLE": "1"}
    start = time.perf_counter()
    result = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *command], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    if result.returncode:
        sys.exit(f"{' '.join(command)} failed in {cwd}:\n{result.stderr[-3000:]}")
    return elapsed, int(result.stderr.strip().splitlines()[-1]) // 1024


def sentences(folder: Path) -> int:
    return sum(1 for f in (folder / "corpus" / "sentences").glob("*.jsonl") for _ in open(f, encoding="utf-8"))


def measure(folder: Path) -> dict:
    per_stage = {stage: run(["dvc", "repro", "-s", stage], folder) for stage in STAGES}
    total = sum(seconds for seconds, _ in per_stage.values())
    noop, _ = run(["dvc", "repro"], folder)
    extra = folder / "seeds" / "extra.jsonl"
    generate(1, extra, seed=1)
    run(["corpus", "add", str(extra), "--licence", "CC-BY-2.0-FR"], folder)
    add_one, _ = run(["dvc", "repro"], folder)
    return {"stages": per_stage, "total": total, "noop": noop, "add_one": add_one, "sentences": sentences(folder)}


def document_overhead(workdir: Path) -> None:
    """ingest + segment on the same sentences cut into 1,000 documents of 6 or 250 of 24: the
    difference per extra document is what a document costs beyond its sentences."""
    seconds = {}
    for count, size in ((1000, 6), (250, 24)):
        folder = make_project(workdir / f"overhead-{count}", 0)
        generate(count, folder / "seeds" / "docs.jsonl", sentences=size)
        run(["corpus", "add", "seeds/docs.jsonl", "--licence", "CC-BY-2.0-FR"], folder)
        seconds[count] = sum(run(["corpus", stage], folder)[0] for stage in ("ingest", "segment"))
        print(f"  ingest+segment, {count} documents of {size} sentences: {seconds[count]:.1f} s")
    print(f"  per-document overhead: {1000 * (seconds[1000] - seconds[250]) / 750:.1f} ms")


def compare_executors(folder: Path) -> None:
    """Fresh executor-stage runs under three executors; outputs must match byte for byte."""
    params = folder / "params.yaml"
    original = params.read_text(encoding="utf-8")
    reference = folder / "reference"
    shutil.copytree(folder / "corpus", reference)
    files = sorted(str(p.relative_to(folder)) for p in (folder / "corpus" / "sentences").glob("*.jsonl"))
    timings = {}
    for name, executor in (
        ("one process", "kind: local\n  workers: 1"),
        ("local pool x2", "kind: local\n  workers: 2"),
        ("ray x2", "kind: ray\n  workers: 2"),
    ):
        params.write_text(original.replace("kind: local\n  workers: 1", executor), encoding="utf-8")
        for sub in ("documents", "sentences"):
            shutil.rmtree(folder / "corpus" / sub)
        shutil.rmtree(folder / ".cache" / "stanza-tag", ignore_errors=True)
        seconds = {stage: run(command, folder)[0] for stage, command in EXECUTOR_STAGES.items()}
        seconds["tag"] = run(["corpus", "tag", *files], folder)[0]
        for sub in ("documents", "sentences"):
            match = filecmp.dircmp(reference / sub, folder / "corpus" / sub)
            assert not match.diff_files and not match.left_only, f"{name}: {sub} differ"
        assert filecmp.cmp(reference / "entities.jsonl", folder / "corpus" / "entities.jsonl", shallow=False)
        timings[name] = seconds
        print(f"{name:>14}: " + ", ".join(f"{k} {v:.1f} s" for k, v in seconds.items()) + "  (outputs identical)")
    params.write_text(original, encoding="utf-8")
    base = sum(timings["one process"].values())
    for name in ("local pool x2", "ray x2"):
        print(f"ratio one process / {name}: {base / sum(timings[name].values()):.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/corpus-scale"))
    parser.add_argument("--executors", action="store_true", help="compare local, pool and Ray on the largest size")
    args = parser.parse_args()
    baseline = measure(make_project(args.workdir / "seeds-only", 0))
    print(f"seeds only: {baseline['total']:.1f} s from scratch, {baseline['sentences']} sentences")
    folder = None
    for count in args.sizes:
        folder = make_project(args.workdir / f"n{count}", count)
        result = measure(folder)
        print(f"\nN = {count} generated documents (+4 seeds), {result['sentences']} sentences")
        for stage, (seconds, rss) in result["stages"].items():
            print(f"  {stage:<10} {seconds:7.1f} s  peak RSS {rss:5d} MiB")
        print(f"  from scratch {result['total']:.1f} s: {result['sentences'] / result['total']:.0f} sentences/s")
        print(f"  no-op dvc repro {result['noop']:.2f} s")
        share = result["add_one"] / result["total"]
        print(f"  add one document: {result['add_one']:.1f} s = {share:.1%} of from scratch")
    print("\nper-document overhead")
    document_overhead(args.workdir)
    if args.executors and folder is not None:
        compare_executors(folder)


if __name__ == "__main__":
    main()
