"""Event coding on PETRARCH-2's validation records (``../shared/data/petrarch_validation``, MIT),
through the tag stage as ``params.yaml`` configures it.

.venv/bin/python benchmarks/event_coding.py [--file PETR2_GSR_validation.xml] [--discards FILE|none] [--show]
    [--cameo-parties both-coded|actor-coded] [--additions FILE|none] [--amendments FILE|none]

Each record becomes a document; the segment engine splits it and ``stages/tag.run`` codes it
with the project's settings (CAMEO dictionary, PLOVER table, actors, discards), so the figures
are those of ``corpus/events.jsonl``. What the stage writes is what is scored: PLOVER events
only (CAMEO 01 statements and 02 appeals have no PLOVER type and are no events, as PLOVER's
codebook has it), negated events not counted. Prints, for records with gold events, the share
whose gold CAMEO root is among the predicted codes' roots and the share whose gold PLOVER type
is among the predicted types; for "no event" records the share with nothing predicted; the
same per class of the issue's error classes (by gold code); and the share of predicted events
whose type a gold code of their record has.

``--additions none`` codes with PETRARCH's dictionary as it is, without the project's additions
(``tag.cameo_additions``); ``--amendments none`` types with the CAMEO->PLOVER table as it is
(``tag.plover_amendments``; the gold codes are typed with the same table as the predictions).
``--discards`` overrides ``tag.cameo_discards`` (the validation file's environment declares
PETRARCH's discard file; ``pipelines/tagging/data/news.discards.txt`` stands in for it).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.core.hashing import file_sha256  # noqa: E402
from pipelines.core.io import read_jsonl, write_jsonl  # noqa: E402
from pipelines.core.records import SentenceEvents  # noqa: E402
from pipelines.core.settings import load_settings  # noqa: E402
from pipelines.engines.text.segmenter import Segmenter  # noqa: E402
from pipelines.stages import tag  # noqa: E402
from pipelines.tagging.cameo import load_plover_table, plover_for  # noqa: E402
from tests.helpers.documents import plain_document  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "data" / "petrarch_validation" / "PETR2_GSR_validation.xml"
# the error classes, by the gold code's CAMEO root
CLASSES = {
    "demands and requests (10)": ("10",),
    "protests (14)": ("14",),
    "agreements and intents (03)": ("03",),
    "attacks (18-20)": ("18", "19", "20"),
    "refusals and threats (12, 13)": ("12", "13"),
    "aid, retreat, mobilisation (07, 08, 15)": ("07", "08", "15"),
    "statements and appeals (01, 02: no PLOVER type)": ("01", "02"),
}


def records(path: Path) -> list[tuple[str, str, list[str]]]:
    """(id, text, gold codes) per record; no codes for a ``noevents`` record."""
    text = path.read_text(encoding="utf-8")
    found = []
    for match in re.finditer(r'<Sentence [^>]*id="([^"]+)"[^>]*>(.*?)(?=<Sentence |</Sentences>)', text, re.S):
        body = match.group(2)
        codes = re.findall(r'<EventCoding [^>]*eventcode="([^"]+)"', body)
        words = re.search(r"<Text>(.*?)</Text>", body, re.S)
        if words:
            found.append((match.group(1), " ".join(words.group(1).split()), codes))
    return found


def segmented(rows: list[tuple[str, str, list[str]]], settings, work: Path, lang: str = "en") -> dict[str, str]:
    """Writes each record as a document's sentences to ``work/sentences.jsonl``, split by the
    segment engine; returns document id -> record id."""
    segmenter = Segmenter(settings.segment)
    documents = [plain_document(f"rec{n:03d}", text, lang=lang) for n, (_, text, _) in enumerate(rows)]
    write_jsonl(work / "sentences.jsonl", [s for document in documents for s in segmenter.segment(document)])
    return {f"rec{n:03d}": record_id for n, (record_id, _, _) in enumerate(rows)}


def tagged(doc_ids: dict[str, str], tag_settings, work: Path, translations: Path | None = None) -> dict[str, list]:
    """Per record id, the events ``tag.run`` writes for the segmented records (negated ones left out)."""
    entities, events_file = work / "entities.jsonl", work / "events.jsonl"
    tag.run([work / "sentences.jsonl"], translations, None, entities, events_file, work / "m.json", tag_settings)
    events: dict[str, list] = defaultdict(list)
    for row in read_jsonl(events_file, SentenceEvents):
        events[doc_ids[row.doc_id]] += [e for e in row.events if not e.negated]
    return events


def coded_by_stage(rows: list[tuple[str, str, list[str]]], settings, work: Path) -> dict[str, list]:
    """Per record id, the events ``tag.run`` writes for it."""
    return tagged(segmented(rows, settings, work), settings.tag, work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT)
    parser.add_argument("--show", action="store_true", help="print every record's gold and predicted codes")
    parser.add_argument("--discards", help="override tag.cameo_discards: a PETRARCH discard file, or 'none'")
    parser.add_argument("--cameo-parties", choices=["both-coded", "actor-coded"], help="override tag.cameo_parties")
    parser.add_argument("--additions", help="override tag.cameo_additions: a file in the dictionary's format or 'none'")
    parser.add_argument("--amendments", help="override tag.plover_amendments: a file in the table's format or 'none'")
    args = parser.parse_args()
    settings = load_settings(ROOT / "params.yaml")
    files = {"cameo_additions": args.additions, "plover_amendments": args.amendments, "cameo_discards": args.discards}
    overrides = {key: None if value == "none" else Path(value).resolve() for key, value in files.items() if value}
    if args.cameo_parties:
        overrides["cameo_parties"] = args.cameo_parties
    settings = settings.model_copy(update={"tag": settings.tag.model_copy(update=overrides)})
    table = load_plover_table(settings.tag.plover_table, settings.tag.plover_amendments)  # gold typed as predictions
    rows = records(args.file)
    with tempfile.TemporaryDirectory() as work:
        predicted = coded_by_stage(rows, settings, Path(work))
    hits = type_hits = events_total = quiet = quiet_total = consistent = predicted_total = 0
    per_class: dict[str, list[int]] = {name: [0, 0, 0] for name in CLASSES}  # records, root found, type found
    for record_id, text, gold in rows:
        events = predicted.get(record_id, [])
        roots, types = {e.cameo[:2] for e in events if e.cameo}, {e.type for e in events}
        gold_types = {t.type for g in gold if (t := plover_for(g, table))}
        if gold:
            events_total += 1
            hits += bool({g[:2] for g in gold} & roots)
            type_hits += bool(gold_types & types)
            predicted_total += len(events)
            consistent += sum(e.type in gold_types for e in events)
            for name, prefixes in CLASSES.items():
                if any(g[:2] in prefixes for g in gold):
                    counts = per_class[name]
                    counts[0] += 1
                    counts[1] += bool({g[:2] for g in gold if g[:2] in prefixes} & roots)
                    counts[2] += bool(gold_types & types)
        else:
            quiet_total += 1
            quiet += not events
        if args.show:
            shown = [(e.cameo, e.type, e.trigger.text, e.rule[:50]) for e in events]
            print(f"{record_id}: gold {gold or 'none'} predicted {shown}\n   {text[:160]}")
    print(f"event records: {events_total}; gold CAMEO root among predictions: {hits / events_total:.1%} ({hits})")
    print(f"gold PLOVER type among predicted types: {type_hits / events_total:.1%} ({type_hits})")
    print(f"predicted events whose type a gold code has: {consistent / max(1, predicted_total):.1%} "
          f"({consistent} of {predicted_total})")  # fmt: skip
    print(f"no-event records: {quiet_total}; no event predicted: {quiet / max(1, quiet_total):.1%} ({quiet})")
    for name, (total, roots_found, types_found) in per_class.items():
        print(f"  {name}: {total} records, root found {roots_found}, type found {types_found}")
    print(f"discards: {settings.tag.cameo_discards or 'none'} ({'--discards' if args.discards else 'params.yaml'})")
    print(f"parties a dictionary pattern needs: {settings.tag.cameo_parties}")
    print(f"dictionary additions: {settings.tag.cameo_additions or 'none'}")
    print(f"PLOVER table amendments: {settings.tag.plover_amendments or 'none'}")
    print(f"dictionary: {settings.tag.cameo_dictionary} (sha256 {file_sha256(settings.tag.cameo_dictionary)[:12]})")


if __name__ == "__main__":
    main()
