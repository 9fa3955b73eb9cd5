"""Event coding on PETRARCH-2's validation records (``../shared/data/petrarch_validation``, MIT).

.venv/bin/python benchmarks/event_coding.py [--file PETR2_GSR_validation.xml] [--show]

Each record's text goes through the project's own code: segmenter, the tag stage's English
pipeline, entity typing and English event coding (CAMEO dictionary + PLOVER table from
``params.yaml: tag``). Prints, for records with gold events, the share whose gold CAMEO root
code (first two digits) is among the predicted codes' roots (PLOVER events, plus the
CAMEO codings PLOVER leaves untyped: 01 statements, 02 appeals), the share whose gold PLOVER
type is among the predicted types, and for "no event" records the share with nothing
predicted. Negated events do not count as predictions.

The coder runs as the validation file's environment declares it: CAMEO.2.0 verbs, Phoenix
actors and a discard file (``Phoenix.discards.txt``, not in ``../shared/data``; the project's
``news.discards.txt`` with its past years stands in). ``--discards none``
codes every sentence, as the pipeline's default does.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.core.hashing import file_sha256  # noqa: E402
from pipelines.core.settings import load_settings  # noqa: E402
from pipelines.engines.segmenter import Segmenter  # noqa: E402
from pipelines.engines.tagger import analyse, build_tagger  # noqa: E402
from pipelines.tagging.cameo import load_plover_table, plover_for  # noqa: E402
from pipelines.tagging.discards import NEWS_DISCARDS, discarded_sentences, load_discards  # noqa: E402
from pipelines.tagging.entities import entities_for  # noqa: E402
from pipelines.tagging.events_en import english_events  # noqa: E402
from tests.helpers.documents import plain_document  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "data" / "petrarch_validation" / "PETR2_GSR_validation.xml"


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT)
    parser.add_argument("--show", action="store_true", help="print every record's gold and predicted codes")
    parser.add_argument("--discards", default=str(NEWS_DISCARDS), help="PETRARCH discard file, or 'none'")
    args = parser.parse_args()
    settings = load_settings(ROOT / "params.yaml")
    discards = None if args.discards == "none" else Path(args.discards)
    table = load_plover_table(settings.tag.plover_table)
    segmenter, tagger = Segmenter(settings.segment), build_tagger("en", settings.tag)
    hits = type_hits = events_total = quiet = quiet_total = 0
    for record_id, text, gold in records(args.file):
        sentences = segmenter.segment(plain_document(record_id, text))
        discarded = discarded_sentences(sentences, load_discards(discards), {})  # as the tag stage decides
        predicted, codes = [], []  # PLOVER events, and CAMEO codings PLOVER does not type
        for analysis in analyse(tagger, [s for s in sentences if s.sent_id not in discarded]):
            entities = entities_for(analysis, tagger.provenance.engine)
            untyped: list[tuple[str, bool]] = []
            events = english_events(analysis, entities, settings.tag, untyped)
            predicted += [e for e in events if not e.negated]
            codes += [code for code, negated in untyped if not negated]
        roots = {code[:2] for code in [e.cameo for e in predicted if e.cameo] + codes}
        types = {e.type for e in predicted}
        if gold:
            events_total += 1
            hits += bool({g[:2] for g in gold} & roots)
            gold_types = {t.type for g in gold if (t := plover_for(g, table))}
            type_hits += bool(gold_types & types)
        else:
            quiet_total += 1
            quiet += not (predicted or codes)
        if args.show:
            shown = [(e.cameo, e.type, e.rule[:60]) for e in predicted] + [(c, "untyped") for c in codes]
            print(f"{record_id}: gold {gold or 'none'} predicted {shown}")
            print(f"   {text[:160]}")
    print(f"event records: {events_total}; gold CAMEO root among predictions: {hits / events_total:.1%} ({hits})")
    print(f"gold PLOVER type among predicted types: {type_hits / events_total:.1%} ({type_hits})")
    print(f"no-event records: {quiet_total}; no event predicted: {quiet / max(1, quiet_total):.1%} ({quiet})")
    print(f"discards: {discards or 'none'}")
    print(f"dictionary: {settings.tag.cameo_dictionary} (sha256 {file_sha256(settings.tag.cameo_dictionary)[:12]})")


if __name__ == "__main__":
    main()
