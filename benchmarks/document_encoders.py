"""Document-mode alignment per sentence encoder: strict F1, time (cold/warm) and memory, with the
DP's score-scale knobs re-tuned per encoder on the same two sets.

Sets (from ../shared/data, never copied): the Text+Berg de-fr dev set (Bleualign's eval1957 via
Vecalign, GPL-2.0) and the synthetic de-en document of alignment_quality.py built from Tatoeba
pairs (CC BY 2.0 FR; 2-1, 1-2 and unmatched sentences with known gold). No translation is fused.

One encoder per process, so the peak memory is that encoder's:

    .venv/bin/python benchmarks/document_encoders.py --encoder use-multilingual-v3
    .venv/bin/python benchmarks/document_encoders.py --encoder embeddinggemma            # BitextMining prompt
    .venv/bin/python benchmarks/document_encoders.py --encoder embeddinggemma:none       # raw sentences
    .venv/bin/python benchmarks/document_encoders.py --encoder use-multilingual-v3+embeddinggemma

``--cold`` empties the benchmark's own embedding cache first (``.cache/bench-encoders.sqlite``),
so the first pass times the encoding; the grid then runs warm. The vectors are the align
stage's (each text alone, on one thread); ``--workers N`` encodes them ahead on a local process
pool of N workers, as the stage does with ``executor.workers: N``. The grid: skip_percentile x
merge_penalty x member_weight, picked by the dev set's strict F1 and by the mean of both sets.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from pipelines.core.floats import pin_float_paths  # noqa: E402

pin_float_paths()

from alignment_quality import synthetic_document  # noqa: E402

from pipelines.core.settings import AlignSettings, ExecutorSettings, load_settings  # noqa: E402
from pipelines.engines.align.document_aligner import align_document, texts_to_encode  # noqa: E402
from pipelines.engines.align.encoders import encoder_for  # noqa: E402
from pipelines.evaluation.align_eval import read_lines, read_links, score_links  # noqa: E402
from pipelines.stages.align import Encoder  # noqa: E402

CACHE = ROOT / ".cache" / "bench-encoders.sqlite"
GRID = {
    "skip_percentile": (0.02, 0.05, 0.1, 0.2),
    "merge_penalty": (0.0, 0.02, 0.05),
    "member_weight": (1.0, 2.0),
}


def encoder_settings(spec: str, base: AlignSettings) -> AlignSettings:
    """``embeddinggemma:none`` is the encoder without its prompt; ``embeddinggemma:STS`` another."""
    update: dict[str, object] = {"cache_path": CACHE, "document_embedder": None}
    names = []
    for part in spec.split("+"):
        name, _, prompt = part.partition(":")
        if prompt:
            update["gemma_prompt"] = None if prompt == "none" else prompt
        names.append(name)
    update["embedder"] = "+".join(names)
    return base.model_copy(update=update)


def score(sets: dict[str, tuple], settings: AlignSettings, embedder) -> dict[str, dict[str, float]]:
    found = {}
    for label, (src, tgt, gold, pair) in sets.items():
        links = align_document(src, tgt, None, embedder, settings, pair)
        found[label] = score_links([gold], [[(link.src, link.tgt) for link in links]])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", default="use-multilingual-v3")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--cold", action="store_true", help="empty the benchmark's embedding cache first")
    parser.add_argument("--no-grid", action="store_true", help="only the configured DP settings")
    parser.add_argument("--dev-only", action="store_true", help="the Text+Berg dev set only (a slow encoder)")
    parser.add_argument("--workers", type=int, default=1, help="encode ahead on a process pool of N workers")
    args = parser.parse_args()
    if args.cold and CACHE.exists():
        CACHE.unlink()
    settings = encoder_settings(args.encoder, load_settings(ROOT / "params.yaml").align)
    dev = args.data / "textberg_defr_dev"
    tatoeba = args.data / "tatoeba_deu_eng"
    synthetic = synthetic_document(
        read_lines(tatoeba / "tatoeba.deu-eng.deu"), read_lines(tatoeba / "tatoeba.deu-eng.eng")
    )
    sets = {
        "Text+Berg dev": (
            read_lines(dev / "dev.de"),
            read_lines(dev / "dev.fr"),
            read_links(dev / "dev.defr"),
            "de-fr",
        ),
        "synthetic de-en": (*synthetic, "de-en"),
    }
    if args.dev_only:
        del sets["synthetic de-en"]
    start = time.perf_counter()
    embedder = encoder_for(settings, "document")
    loaded = time.perf_counter() - start
    encoder = Encoder(embedder, ExecutorSettings(workers=args.workers))
    first = {}
    for label, (src, tgt, gold, pair) in sets.items():
        start = time.perf_counter()
        encoder.ahead(texts_to_encode(src, tgt, None, settings))
        links = align_document(src, tgt, None, embedder, settings, pair)
        first[label] = (time.perf_counter() - start, score_links([gold], [[(lk.src, lk.tgt) for lk in links]]))
    warm = {}
    for label, (src, tgt, _, pair) in sets.items():
        start = time.perf_counter()
        align_document(src, tgt, None, embedder, settings, pair)
        warm[label] = time.perf_counter() - start
    print(f"encoder {embedder.name}: loaded in {loaded:.1f} s")
    for label, (seconds, found) in first.items():
        size = f"{len(sets[label][0])} x {len(sets[label][1])}"
        print(
            f"  {label} ({size}), configured DP: strict F1 {found['f1_strict']:.3f} (P {found['precision_strict']:.3f}"
            f" R {found['recall_strict']:.3f}), lax {found['f1_lax']:.3f}; first pass {seconds:.1f} s"
            f"{' (cold)' if args.cold else ''}, warm {warm[label]:.1f} s"
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory {peak_mb:.0f} MB")
    result = {
        "encoder": args.encoder,
        "workers": args.workers,
        "name": embedder.name,
        "configured": {k: round(v[1]["f1_strict"], 4) for k, v in first.items()},
        "first_pass_s": {k: round(v[0], 1) for k, v in first.items()},
        "warm_s": {k: round(v, 1) for k, v in warm.items()},
        "peak_mb": round(peak_mb),
    }
    if not args.no_grid:
        trials = []
        for values in itertools.product(*GRID.values()):
            knobs = dict(zip(GRID, values, strict=True))
            found = score(sets, settings.model_copy(update=knobs), embedder)
            mean = sum(f["f1_strict"] for f in found.values()) / len(found)
            trials.append((mean, knobs, {k: round(f["f1_strict"], 4) for k, f in found.items()}))
        picks = {
            "dev": max(trials, key=lambda t: (t[2]["Text+Berg dev"], t[0])),  # the dev set decides
            "mean of both": max(trials, key=lambda t: t[0]),
        }
        for rule, (mean, knobs, per_set) in picks.items():
            figures = ", ".join(f"{k} {v:.3f}" for k, v in per_set.items())
            print(f"  re-tuned by {rule}: {knobs}: {figures} (mean {mean:.3f})")
            result[f"tuned by {rule}"] = {"knobs": knobs, "f1_strict": per_set}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
