"""English NER on free gold (``../shared/data/ner_en``, CC BY 4.0): the tag stage's English tagger per type.

.venv/bin/python benchmarks/english_ner.py [--limit N] [--show 0]

Sets: the Broad Twitter Corpus's own test part (``btc/f.conll``: PER/LOC/ORG) and WNUT-17's
test set (person -> PER, location -> LOC, corporation/group -> ORG; product and creative-work
are not scored and predictions inside them are ignored). Both are tweets and other social
text, not news: use them to compare variants of the English tagger, not as a target.
Sentences are rebuilt from the gold tokens and go through the tag stage's English pipeline
(``engines/tagger``: the configured engine, the ALL-CAPS recasing rule included). Its labels
map as the project's do: PERSON -> PER; GPE/LOC/FAC -> LOC; ORG -> ORG; other labels (NORP,
DATE, ...) are not names of these three types and are left out of the score.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.german_ner import rebuild, tags_of  # noqa: E402
from pipelines.core.settings import load_settings  # noqa: E402
from pipelines.engines.ner.tagger import analyse, build_tagger  # noqa: E402
from pipelines.tagging.labels import unify_label  # noqa: E402
from pipelines.training.scoring import score  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "ner_en"
SETS = {
    "BTC test (f.conll)": (DATA / "btc" / "f.conll", {"PER": "PER", "LOC": "LOC", "ORG": "ORG"}),
    "WNUT-17 test": (
        DATA / "wnut17" / "emerging.test.annotated",
        {"person": "PER", "location": "LOC", "corporation": "ORG", "group": "ORG"},
    ),
}
PROJECT_TO_GOLD = {"PER": "PER", "LOC": "LOC", "GPE": "LOC", "ORG": "ORG"}


def read_conll(path: Path, types: dict[str, str]) -> list[tuple[tuple[str, ...], tuple[str, ...], set[int]]]:
    """(tokens, BIO tags over PER/LOC/ORG, token positions of unscored gold types) per sentence."""
    sentences, tokens, tags, ignored = [], [], [], set()
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if tokens:
                sentences.append((tuple(tokens), tuple(tags), ignored))
            tokens, tags, ignored = [], [], set()
            continue
        token, _, tag = line.rpartition("\t")
        prefix, _, kind = tag.partition("-")
        if tag != "O" and kind not in types:
            ignored.add(len(tokens))
        tokens.append(token.strip() or "_")
        tags.append(f"{prefix}-{types[kind]}" if tag != "O" and kind in types else "O")
    return sentences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="first N sentences of each set (0: all)")
    args = parser.parse_args()
    settings = load_settings(ROOT / "params.yaml")
    tagger = build_tagger("en", settings.tag)
    print(f"{'set':22} {'sents':>6} {'names':>6} {'P':>6} {'R':>6} {'F1':>6}  per type P/R/F1   sent/s")
    for name, (path, types) in SETS.items():
        data = read_conll(path, types)[: args.limit or None]
        sentences = [rebuild(tokens, k) for k, (tokens, _, _) in enumerate(data)]
        began = time.perf_counter()
        analyses = analyse(tagger, sentences)
        seconds = time.perf_counter() - began
        predicted = []
        for (tokens, _, ignored), analysis in zip(data, analyses, strict=True):
            found = [
                (start, end, PROJECT_TO_GOLD[label])
                for start, end, raw in analysis.raw_entities
                if (label := unify_label(raw)) in PROJECT_TO_GOLD and not ignored & set(range(start, end))
            ]
            predicted.append(tags_of(len(tokens), found))
        scores = score([list(tags) for _, tags, _ in data], predicted)
        names = sum(v["gold"] for v in scores["per_type"].values())
        per_type = "  ".join(
            f"{k} {v['precision']:.2f}/{v['recall']:.2f}/{v['f1']:.2f}" for k, v in sorted(scores["per_type"].items())
        )
        print(
            f"{name:22} {len(data):6} {names:6} {scores['precision']:6.3f} {scores['recall']:6.3f} "
            f"{scores['f1']:6.3f}  {per_type}  {len(data) / seconds:.0f}"
        )


if __name__ == "__main__":
    main()
