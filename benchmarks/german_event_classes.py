"""German events on GermEval 2014 sentences annotated for the event issue's classes: German news
and encyclopedia sentences (``../shared/data/germeval2014``, CC BY 4.0), gold PLOVER types in
``benchmarks/data/event_classes_germeval.tsv`` (ids only, written by hand before the coder ran on them).

    .venv/bin/python benchmarks/german_event_classes.py [--show] [--setups rules,translation,both]

Each sentence is detokenised (sacremoses), segmented and translated by the translate stage as
``params.yaml`` configures it (its cache is the stage's: a second run translates nothing), then
coded by ``stages/tag.run`` once per ``tag.german_events`` set-up: the German pattern rules alone,
the English coder on the translation alone, and both (the default). Prints per set-up the share of
event records whose gold type is found, the type precision, the no-event records left quiet, and
the same per class (``event_classes.report``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from sacremoses import MosesDetokenizer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from event_classes import gold_lines, report  # noqa: E402
from event_coding import segmented, tagged  # noqa: E402

from pipelines.core.io import read_jsonl  # noqa: E402
from pipelines.core.records import Translation  # noqa: E402
from pipelines.core.settings import load_settings  # noqa: E402
from pipelines.stages import translate  # noqa: E402
from pipelines.training.tagged import TaggedSentence, read_germeval, read_germeval_bioes  # noqa: E402

GOLD = ROOT / "benchmarks" / "data" / "event_classes_germeval.tsv"
GERMEVAL = ROOT.parent / "shared" / "data" / "germeval2014"
READERS: dict[str, Callable[[Path], list[TaggedSentence]]] = {
    "NER-de-test.tsv": read_germeval,
    "train_bioes.train": read_germeval_bioes,
}
SETUPS = {"rules": ["rules"], "translation": ["translation"], "both": ["rules", "translation"]}


def gold_rows() -> list[tuple[str, str, str, set[str]]]:
    """(id, detokenised text, class, gold types) per annotated sentence."""
    detokenizer = MosesDetokenizer(lang="de")
    files: dict[str, list[TaggedSentence]] = {}
    rows = []
    for name, number, label, gold in gold_lines(GOLD):
        if name not in files:
            files[name] = READERS[name](GERMEVAL / name)
        text = detokenizer.detokenize(list(files[name][number].tokens))
        rows.append((f"{name}:{number}", text, label, gold))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print each sentence's gold and predicted types")
    parser.add_argument("--setups", default=",".join(SETUPS), help=f"comma-separated, of {', '.join(SETUPS)}")
    args = parser.parse_args()
    settings = load_settings(ROOT / "params.yaml")
    rows = gold_rows()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        doc_ids = segmented([(rid, text, []) for rid, text, _, _ in rows], settings, work, lang="de")
        translations = work / "translations.jsonl"
        counts = translate.run([work / "sentences.jsonl"], translations, settings.translate)
        engines = {f"{t.provenance.engine} {t.provenance.model}" for t in read_jsonl(translations, Translation)}
        print(f"translation: {', '.join(sorted(engines))}; {counts}")
        if args.show:
            for row in read_jsonl(translations, Translation):
                print(f"  {row.sent_id}: {row.text or row.rejected}")
        for name in args.setups.split(","):
            tag_settings = settings.tag.model_copy(update={"german_events": SETUPS[name]})
            print(f"\n## {name}")
            report(rows, tagged(doc_ids, tag_settings, work, translations), args.show)


if __name__ == "__main__":
    main()
