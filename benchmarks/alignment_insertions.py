"""Document mode when a long passage is missing on one side (the alignment moves off the diagonal).

.venv/bin/python benchmarks/alignment_insertions.py [--fixed-band] [--full-grid]

A second development set built from the Text+Berg de-fr dev document (Bleualign's eval1957 via
Vecalign, GPL-2.0; read from ../shared/data, never copied): the whole document, and four
copies each missing 40 consecutive sentences of one side (German from 100 or 300, French from
150 or 400), with the gold links renumbered (a link that loses one side becomes an insertion).
Prints strict F1 per variant for the aligner as configured, and for comparison with the band
fixed (``--fixed-band``: no second, wider search when the path runs along the band's edge) or
with the full grid searched (``--full-grid``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.core.settings import load_settings  # noqa: E402
from pipelines.engines.align import document_aligner  # noqa: E402
from pipelines.engines.vectors.embedders import embedder_from_settings  # noqa: E402
from pipelines.evaluation.align_eval import read_lines, read_links, score_links  # noqa: E402

Links = list[tuple[tuple[int, ...], tuple[int, ...]]]
CUTS = (("de", 100), ("de", 300), ("fr", 150), ("fr", 400))
CUT_LENGTH = 40


def without(src: list[str], tgt: list[str], gold: Links, side: str, start: int) -> tuple[list[str], list[str], Links]:
    """The document with ``CUT_LENGTH`` sentences of one side removed, and the gold renumbered."""
    cut = range(start, start + CUT_LENGTH)
    keep_src = [i for i in range(len(src)) if not (side == "de" and i in cut)]
    keep_tgt = [j for j in range(len(tgt)) if not (side == "fr" and j in cut)]
    new_src, new_tgt = {old: new for new, old in enumerate(keep_src)}, {old: new for new, old in enumerate(keep_tgt)}
    renumbered = []
    for a, b in gold:
        link = (tuple(new_src[i] for i in a if i in new_src), tuple(new_tgt[j] for j in b if j in new_tgt))
        if link[0] or link[1]:
            renumbered.append(link)
    return [src[i] for i in keep_src], [tgt[j] for j in keep_tgt], renumbered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--fixed-band", action="store_true", help="no wider search along the band's edge")
    parser.add_argument("--full-grid", action="store_true", help="search the full grid (no band)")
    args = parser.parse_args()
    settings = load_settings(ROOT / "params.yaml").align
    if args.full_grid:
        settings = settings.model_copy(update={"max_full_dp": 100_000})
    if args.fixed_band:
        document_aligner._touches_edge = lambda *_: False
    dev = args.data / "textberg_defr_dev"
    src, tgt, gold = read_lines(dev / "dev.de"), read_lines(dev / "dev.fr"), read_links(dev / "dev.defr")
    embedder = embedder_from_settings(settings)
    variants = {"whole": (src, tgt, [(tuple(a), tuple(b)) for a, b in gold])}
    for side, start in CUTS:
        variants[f"{side} {start}-{start + CUT_LENGTH - 1} missing"] = without(src, tgt, gold, side, start)
    label = "full grid" if args.full_grid else "fixed band" if args.fixed_band else "as configured"
    for name, (s, t, g) in variants.items():
        started = time.perf_counter()
        links = document_aligner.align_document(s, t, None, embedder, settings, "de-fr")
        seconds = time.perf_counter() - started
        scores = score_links([g], [[(link.src, link.tgt) for link in links]])
        print(
            f"{label}: {name} ({len(s)} x {len(t)}): strict F1 {scores['f1_strict']:.3f}, {seconds:.1f} s", flush=True
        )


if __name__ == "__main__":
    main()
