"""Event classes on news headlines annotated for them: the Broad Twitter Corpus's news tweets
(``../shared/data/ner_en/btc``, CC BY 4.0), gold PLOVER types in ``benchmarks/data/event_classes_btc.tsv``
(ids only, written by hand before the coder was run on them), coded through the tag stage as
``params.yaml`` configures it (``event_coding.coded_by_stage``).

    .venv/bin/python benchmarks/event_classes.py [--gold FILE] [--show]

``--gold benchmarks/data/event_headlines_blind.tsv``: 70 news tweets drawn at random (a topic
filter, no event word) and annotated before any run, from which no rule was written.

Per class: records, the share whose gold types are found (any), and the type precision of the
events predicted there; records without an event: the share with nothing predicted. Headlines
are terse (no articles, present tense for the past): a harder genre than wire sentences.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from event_coding import coded_by_stage  # noqa: E402

from pipelines.core.settings import load_settings  # noqa: E402

GOLD = ROOT / "benchmarks" / "data" / "event_classes_btc.tsv"
BTC = ROOT.parent / "shared" / "data" / "ner_en" / "btc"


def sentences(path: Path) -> list[str]:
    """The file's sentences (CoNLL ``token<TAB>tag`` lines, blank-line separated), as text."""
    found, words = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if words:
                found.append(" ".join(words))
            words = []
        elif not line.startswith("#"):
            words.append(line.split("\t")[0])
    if words:
        found.append(" ".join(words))
    return found


def gold_lines(path: Path) -> Iterator[tuple[str, int, str, set[str]]]:
    """(file, sentence number, class, gold types) per line of a gold file of the benchmarks'
    format: tab-separated, "#" comments, "-" for no event."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, number, label, types = line.split("\t")
            yield name, int(number), label, set() if types == "-" else set(types.split(","))


def gold_rows(path: Path = GOLD) -> list[tuple[str, str, str, set[str]]]:
    """(id, text, class, gold types) per annotated sentence of the gold file at ``path``."""
    texts: dict[str, list[str]] = {}
    rows = []
    for name, number, label, gold in gold_lines(path):
        texts.setdefault(name, sentences(BTC / name))
        rows.append((f"{name}:{number}", texts[name][number], label, gold))
    return rows


def report(rows: list[tuple[str, str, str, set[str]]], predicted: dict[str, list], show: bool = False) -> None:
    """Prints the shares over all records and a table per class (records are (id, text, class, gold))."""
    per_class: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # records, found, right, predicted
    quiet = quiet_total = found_total = events_total = right_total = predicted_total = 0
    for rid, text, label, gold in rows:
        types = [e.type for e in predicted.get(rid, []) if e.type]
        counts = per_class[label]
        if gold:
            counts[0] += 1
            counts[1] += bool(gold & set(types))
            counts[2] += sum(t in gold for t in types)
            events_total += 1
            found_total += bool(gold & set(types))
            right_total += sum(t in gold for t in types)
            predicted_total += len(types)
        else:
            quiet_total += 1
            quiet += not types
        counts[3] += len(types)
        if show:
            print(f"{rid} [{label}] gold {sorted(gold) or '-'} predicted {types}\n   {text[:150]}")
    print(f"event records: {events_total}; gold type found: {found_total / max(1, events_total):.1%} ({found_total})")
    print(f"type precision: {right_total / max(1, predicted_total):.1%} ({right_total} of {predicted_total})")
    print(f"no-event records: {quiet_total}; nothing predicted: {quiet / max(1, quiet_total):.1%} ({quiet})")
    print("| class | records | gold type found | type precision |")
    print("|---|---|---|---|")
    for label, (total, found, right, made) in per_class.items():
        precision = f"{right}/{made}" if made else "—"
        print(f"| {label} | {total} | {found} | {precision} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print each sentence's gold and predicted types")
    parser.add_argument("--gold", type=Path, default=GOLD, help="a gold file of this format (default: the class set)")
    args = parser.parse_args()
    settings = load_settings(ROOT / "params.yaml")
    rows = gold_rows(args.gold)
    with tempfile.TemporaryDirectory() as work:
        predicted = coded_by_stage([(rid, text, []) for rid, text, _, _ in rows], settings, Path(work))
    report(rows, predicted, args.show)


if __name__ == "__main__":
    main()
