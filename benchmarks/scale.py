"""Corpus scale: `dvc repro` on the seeds plus N generated documents, from scratch, no-op, +1 document.

.venv/bin/python benchmarks/scale.py [--sizes 10 100 1000] [--executor local warm] [--executors]
                                     [--workdir /tmp/corpus-scale] [--sizes-only]

Documents are built from the Tatoeba de-en pairs in ``../shared/data/tatoeba_deu_eng``
(CC BY 2.0 FR; ``tests/helpers/generated.py``): each German document holds 6 random German
sentences, the next English document their English side in another order, all in one JSONL
collection. Each size runs in a scratch copy of the project with its own caches, so
"from scratch" includes every model load and embedding. Prints per-stage seconds and peak
RSS, sentences/s, the no-op time, the cost of adding one document, and the per-document
overhead of ingest+segment (the same sentences as 1,000 or as 250 documents).
The added document is German and new to every cache: 6 GermEval 2014 sentences (CC BY 4.0;
the Tatoeba file holds 1,000 pairs, which the generated documents already use), and its
``dvc repro`` is timed stage by stage. ``--executor warm`` runs each project with the warm
engine server (``executor.warm: true``), stopped at the end.
The add-one run is split into DVC's own time and each stage process's (timed by
``/usr/bin/time`` in the stage commands), and DVC's floor is measured: every stage forced
with a command that does nothing.
``--executors`` then re-runs the executor stages (ingest, segment, tag) of the largest size
with a local pool of 2 and with Ray (2 actors), checks their outputs are byte-identical to
the single-process run, and prints the time ratios.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from pipelines.core.settings import load_settings  # noqa: E402
from pipelines.training.tagged import read_germeval  # noqa: E402
from tests.helpers.generated import generated_documents  # noqa: E402

STAGES = ["ingest", "segment", "translate", "align", "train-ner", "tag", "agreement", "export", "report"]
EXECUTOR_STAGES = {"ingest": ["corpus", "ingest"], "segment": ["corpus", "segment"]}


def generate(count: int, path: Path, seed: int = 0, sentences: int = 6) -> None:
    documents = generated_documents(count, seed, sentences=sentences)
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in documents), encoding="utf-8")


def fresh_document(path: Path, seed: int, sentences: int = 6) -> None:
    """A German document of GermEval sentences: text no cache of the project has seen."""
    germeval = ROOT / load_settings(ROOT / "params.yaml").train_ner.germeval
    chosen = random.Random(seed).sample(read_germeval(germeval), sentences)
    lines = [re.sub(r" ([.,;:!?)])", r"\1", " ".join(s.tokens)) for s in chosen]
    text = "\n".join(" ".join(lines[k : k + 2]) for k in range(0, sentences, 2))
    path.write_text(json.dumps({"id": f"fresh-{seed}", "lang": "de", "text": text}, ensure_ascii=False) + "\n")


def make_project(folder: Path, count: int, executor: str) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name in ("seeds", "pipelines", "annotations", "params.yaml", "dvc.yaml"):
        source = ROOT / name
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", ".labelstudio")
            shutil.copytree(source, folder / name, ignore=ignore)
        else:
            shutil.copy2(source, folder / name)
    params = folder / "params.yaml"
    if executor == "warm":
        params.write_text(params.read_text(encoding="utf-8").replace("  warm: false", "  warm: true", 1))
    (folder / "models").symlink_to(ROOT / "models")
    run(["dvc", "init", "--no-scm", "-q"], folder)
    if count:
        generate(count, folder / "generated.jsonl")
        run(["corpus", "add", "generated.jsonl", "--licence", "CC-BY-2.0-FR", "--source", "Tatoeba"], folder)
        (folder / "generated.jsonl").unlink()
    return folder


ENV = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "TQDM_DISABLE": "1"}


def run(command: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (MiB) of a command and its children."""
    start = time.perf_counter()
    result = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *command], cwd=cwd, env=ENV, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    if result.returncode:
        sys.exit(f"{' '.join(command)} failed in {cwd}:\n{result.stderr[-3000:]}")
    return elapsed, int(result.stderr.strip().splitlines()[-1]) // 1024


def sentences(folder: Path) -> int:
    return sum(1 for f in (folder / "corpus" / "sentences").glob("*.jsonl") for _ in open(f, encoding="utf-8"))


def timed_repro(folder: Path) -> tuple[float, dict[str, float]]:
    """`dvc repro`, with the seconds from each stage's start to the next's (DVC's own time included)."""
    start = time.perf_counter()
    process = subprocess.Popen(["dvc", "repro"], cwd=folder, env=ENV, stdout=subprocess.PIPE, text=True)
    stages: dict[str, float] = {}
    current, began = None, start
    for line in process.stdout:
        found = re.match(r"Running stage '([^']+)'", line)
        if found:
            now = time.perf_counter()
            if current:
                stages[current] = now - began
            current, began = found.group(1), now
    if process.wait():
        sys.exit(f"dvc repro failed in {folder}")
    total = time.perf_counter() - start
    if current:
        stages[current] = start + total - began
    return total, stages


def wrap_commands(folder: Path, log: Path) -> None:
    """Time every stage's process: the same ``/usr/bin/time`` prefix in dvc.yaml and dvc.lock,
    so DVC sees no changed command."""
    prefix = f"cmd: /usr/bin/time -a -o {log} -f '%e %C' corpus "  # %C: the command, to name the stage
    for name in ("dvc.yaml", "dvc.lock"):
        path = folder / name
        path.write_text(path.read_text(encoding="utf-8").replace("cmd: corpus ", prefix), encoding="utf-8")


def process_seconds(log: Path) -> dict[str, float]:
    """Seconds per stage process from the ``wrap_commands`` log (``corpus annotate metrics`` is agreement)."""
    seconds = {}
    for line in log.read_text(encoding="utf-8").splitlines():
        elapsed, _, command = line.partition(" ")
        words = command.split()
        stage = "agreement" if words[1] == "annotate" else words[1]
        seconds[stage] = float(elapsed)
    return seconds


def import_seconds(folder: Path) -> dict[str, float]:
    """A stage process's fixed start: Python, the ``corpus`` command and the stage's imports."""
    commands = {stage: [stage] for stage in STAGES if stage != "agreement"}
    commands["agreement"] = ["annotate", "metrics"]
    return {stage: run(["corpus", *words, "--help"], folder)[0] for stage, words in commands.items()}


def dvc_floor(folder: Path) -> float:
    """What DVC alone spends running every stage: a copy of the project whose commands are all
    ``true``, forced (``dvc repro -f``); the best of three."""
    import yaml

    floor = folder.with_name(f"{folder.name}-dvc-floor")
    shutil.rmtree(floor, ignore_errors=True)
    shutil.copytree(folder, floor, symlinks=True)
    for name in ("dvc.yaml", "dvc.lock"):
        path = floor / name
        pipeline = yaml.safe_load(path.read_text(encoding="utf-8"))
        for stage in pipeline["stages"].values():
            stage["cmd"] = "true"
        path.write_text(yaml.safe_dump(pipeline, sort_keys=False), encoding="utf-8")
    seconds = min(run(["dvc", "repro", "-f"], floor)[0] for _ in range(3))
    shutil.rmtree(floor)
    return seconds


def measure(folder: Path, executor: str = "local") -> dict:
    per_stage = {stage: run(["dvc", "repro", "-s", stage], folder) for stage in STAGES}
    total = sum(seconds for seconds, _ in per_stage.values())
    noop, _ = run(["dvc", "repro"], folder)
    extra = folder / "seeds" / "fresh.jsonl"
    fresh_document(extra, seed=1)
    run(["corpus", "add", str(extra), "--licence", "CC-BY-4.0"], folder)
    log = folder / "stage-times.log"
    wrap_commands(folder, log)
    add_one, add_stages = timed_repro(folder)
    processes = process_seconds(log)
    server = server_peak_rss(folder)
    run(["corpus", "engines", "stop"], folder)
    return {
        "stages": per_stage, "total": total, "noop": noop, "add_one": add_one, "add_stages": add_stages,
        "sentences": sentences(folder), "server_rss": server, "processes": processes,
        "imports": import_seconds(folder) if executor == "local" else None, "dvc_floor": dvc_floor(folder),
    }  # fmt: skip


def server_peak_rss(folder: Path) -> int | None:
    """Peak RSS (MiB) of the warm engine server, which runs apart from the stage processes."""
    status = subprocess.run(["corpus", "engines", "status"], cwd=folder, capture_output=True, text=True, env=ENV)
    if not status.stdout.startswith("{"):
        return None
    lines = Path(f"/proc/{json.loads(status.stdout)['pid']}/status").read_text().splitlines()
    return next(int(line.split()[1]) // 1024 for line in lines if line.startswith("VmHWM"))


def document_overhead(workdir: Path) -> None:
    """ingest + segment on the same sentences cut into 1,000 documents of 6 or 250 of 24: the
    difference per extra document is what a document costs beyond its sentences."""
    seconds = {}
    for count, size in ((1000, 6), (250, 24)):
        folder = make_project(workdir / f"overhead-{count}", 0, "local")
        generate(count, folder / "seeds" / "docs.jsonl", sentences=size)
        run(["corpus", "add", "seeds/docs.jsonl", "--licence", "CC-BY-2.0-FR"], folder)
        seconds[count] = sum(run(["corpus", stage], folder)[0] for stage in ("ingest", "segment"))
        print(f"  ingest+segment, {count} documents of {size} sentences: {seconds[count]:.1f} s")
    print(f"  per-document overhead: {1000 * (seconds[1000] - seconds[250]) / 750:.1f} ms")


def compare_executors(folder: Path) -> None:
    """Fresh executor-stage runs under four executors; outputs must match byte for byte."""
    params = folder / "params.yaml"
    original = params.read_text(encoding="utf-8")
    reference = folder / "reference"
    shutil.copytree(folder / "corpus", reference)
    files = sorted(str(p.relative_to(folder)) for p in (folder / "corpus" / "sentences").glob("*.jsonl"))
    timings = {}
    for name, executor in (
        ("one process", "kind: local\n  workers: 1\n  warm: false"),
        ("local pool x2", "kind: local\n  workers: 2\n  warm: false"),
        ("ray x2", "kind: ray\n  workers: 2\n  warm: false"),
        ("warm", "kind: local\n  workers: 1\n  warm: true"),
    ):
        pattern = r"kind: \w+\n  workers: \d+\n  warm: \w+"
        params.write_text(re.sub(pattern, executor, original, count=1), encoding="utf-8")
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
    run(["corpus", "engines", "stop"], folder)
    for name in ("local pool x2", "ray x2", "warm"):
        print(f"ratio one process / {name}: {base / sum(timings[name].values()):.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/corpus-scale"))
    parser.add_argument(
        "--executor",
        nargs="+",
        default=["local"],
        choices=["local", "warm"],
        help="local, or warm (executor.warm: true)",
    )
    parser.add_argument("--executors", action="store_true", help="compare local, pool and Ray on the largest size")
    parser.add_argument("--sizes-only", action="store_true", help="skip the seeds-only run and the overhead runs")
    args = parser.parse_args()
    if not args.sizes_only:
        baseline = measure(make_project(args.workdir / "seeds-only", 0, "local"))
        print(f"seeds only: {baseline['total']:.1f} s from scratch, {baseline['sentences']} sentences")
    folder = None
    for count, executor in ((c, e) for c in args.sizes for e in args.executor):
        folder = make_project(args.workdir / f"n{count}-{executor}", count, executor)
        result = measure(folder, executor)
        print(f"\nN = {count} generated documents (+4 seeds), {result['sentences']} sentences, executor {executor}")
        for stage, (seconds, rss) in result["stages"].items():
            print(f"  {stage:<10} {seconds:7.1f} s  peak RSS {rss:5d} MiB")
        print(f"  from scratch {result['total']:.1f} s: {result['sentences'] / result['total']:.0f} sentences/s")
        print(f"  no-op dvc repro {result['noop']:.2f} s")
        if result["server_rss"]:
            print(f"  warm engine server: peak RSS {result['server_rss']} MiB (not in the stages' figures)")
        share = result["add_one"] / result["total"]
        print(f"  add one document: {result['add_one']:.1f} s = {share:.1%} of from scratch")
        print("    " + ", ".join(f"{stage} {seconds:.1f}" for stage, seconds in result["add_stages"].items()))
        processes = sum(result["processes"].values())
        print(f"    DVC itself {result['add_one'] - processes:.1f} s, the stage processes {processes:.1f} s:")
        print("    " + ", ".join(f"{stage} {seconds:.2f}" for stage, seconds in result["processes"].items()))
        floor = result["dvc_floor"]
        print(f"    DVC running all {len(STAGES)} stages with commands that do nothing: {floor:.2f} s"
              f" = {floor / result['total']:.1%} of from scratch")  # fmt: skip
        if result["imports"]:  # a local stage process starts Python and imports its stage
            starts = sum(result["imports"].values())
            print(f"    of which starting and imports {starts:.1f} s, work {processes - starts:.1f} s")
    if not args.sizes_only:
        print("\nper-document overhead")
        document_overhead(args.workdir)
    if args.executors and folder is not None:
        compare_executors(folder)


if __name__ == "__main__":
    main()
