"""Document mode on 2-1 and 1-2 links with one short sentence (how merges are lost).

.venv/bin/python benchmarks/alignment_merges.py [--member-weight W] [--seeds 0 1 2]

A third development set, from the Tatoeba de-en pairs (CC BY 2.0 FR; read from ../shared/data,
never copied), built like ``alignment_quality.synthetic_document`` (with its ``GoldDocument``)
but with every joined pair made of a longer sentence and a short one (at most four English
words: "Hurry it up!"), in either order. That is the shape of the held-out 2-1/1-2 links the
aligner lost (a short clause or a caption next to a full sentence): the short member's own
evidence is weak.
Prints strict F1 per seed and what became of each gold 2-1/1-2 link the output lacks: the
output links inside it (``1-1`` alone: the short member went elsewhere) or none (merged into a
larger link).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alignment_quality import GoldDocument  # noqa: E402

from pipelines.core.settings import load_settings  # noqa: E402
from pipelines.engines.align.document_aligner import align_document  # noqa: E402
from pipelines.engines.vectors.embedders import embedder_from_settings  # noqa: E402
from pipelines.evaluation.align_eval import read_lines, score_links  # noqa: E402

SHORT_WORDS = 4

Links = list[tuple[tuple[int, ...], tuple[int, ...]]]


def lopsided_document(german: list[str], english: list[str], seed: int) -> tuple[list[str], list[str], Links]:
    """1 in 10 links a 2-1, 1 in 10 a 1-2 of a long and a short sentence; 1 in 20 an insertion
    on each side; the rest 1-1 (long sentences, in random order)."""
    rng = random.Random(seed)
    order = list(range(len(german)))
    rng.shuffle(order)
    short = [k for k in order if len(english[k].split()) <= SHORT_WORDS]
    long = [k for k in order if len(english[k].split()) > SHORT_WORDS]
    document = GoldDocument(german, english)
    while long:
        a, roll = long.pop(), rng.random()
        if roll < 0.2 and short:
            b = short.pop()
            joined = [a, b] if rng.random() < 0.5 else [b, a]
            if roll < 0.1:
                document.link([[k] for k in joined], [joined])
            else:
                document.link([joined], [[k] for k in joined])
        elif roll < 0.25:
            document.link([[a]], [])
        elif roll < 0.3:
            document.link([], [[a]])
        else:
            document.link([[a]], [[a]])
    return document.src, document.tgt, document.links


def lost_merges(gold: Links, found: Links) -> Counter:
    """Per gold 2-1/1-2 link the output lacks: the shapes of the output links inside it."""
    out, lost = set(found), Counter()
    for link in gold:
        if len(link[0]) + len(link[1]) == 3 and link not in out:
            inside = [o for o in found if set(o[0]) <= set(link[0]) and set(o[1]) <= set(link[1]) and o[0] and o[1]]
            shapes = "+".join(sorted(f"{len(a)}-{len(b)}" for a, b in inside)) or "merged into a larger link"
            lost[f"{len(link[0])}-{len(link[1])} as {shapes}"] += 1
    return lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--member-weight", type=float, default=None, help="override align.member_weight")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    settings = load_settings(ROOT / "params.yaml").align
    if args.member_weight is not None:
        settings = settings.model_copy(update={"member_weight": args.member_weight})
    embedder = embedder_from_settings(settings)
    tatoeba = args.data / "tatoeba_deu_eng"
    german, english = read_lines(tatoeba / "tatoeba.deu-eng.deu"), read_lines(tatoeba / "tatoeba.deu-eng.eng")
    for seed in args.seeds:
        src, tgt, gold = lopsided_document(german, english, seed)
        found = [(link.src, link.tgt) for link in align_document(src, tgt, None, embedder, settings, "de-en")]
        scores = score_links([gold], [found])
        merges = sum(1 for a, b in gold if len(a) + len(b) == 3)
        lost = ", ".join(f"{n} {shape}" for shape, n in sorted(lost_merges(gold, found).items())) or "none"
        print(
            f"seed {seed} ({len(src)} x {len(tgt)}, {merges} gold 2-1/1-2): strict F1 {scores['f1_strict']:.3f} "
            f"(P {scores['precision_strict']:.3f} R {scores['recall_strict']:.3f}); lost merges: {lost}",
            flush=True,
        )


if __name__ == "__main__":
    main()
