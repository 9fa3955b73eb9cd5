"""Writers: a parquet config of the hub-ready dataset, TMX (translate-toolkit), Moses and TSV."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from pipelines.core.errors import StageError
from pipelines.core.io import write_text
from pipelines.publish.features import SPLIT


def check_rows(name: str, rows: list[dict], feature_set: Any) -> None:
    """Every row has exactly the config's columns: the schema (``features.py``) and the row
    builders (``rows.py``) cannot drift apart, as ``Dataset.from_list`` would let them (a column
    a builder stopped writing would be filled with nulls, one it started writing dropped)."""
    expected = set(feature_set)
    for number, row in enumerate(rows):
        if set(row) != expected:
            missing, extra = sorted(expected - set(row)), sorted(set(row) - expected)
            raise StageError(
                f"export config {name!r}, row {number}: columns differ from its features "
                f"(missing {missing}, not in the schema {extra}); publish/features.py and publish/rows.py must agree"
            )


def write_config(out: Path, name: str, rows: list[dict], feature_set: Any) -> Any:
    from datasets import Dataset, SplitDict, SplitInfo

    check_rows(name, rows, feature_set)
    from datasets.utils.logging import disable_progress_bar

    if not sys.stderr.isatty() or os.environ.get("TQDM_DISABLE"):
        disable_progress_bar()  # as tqdm's own bars: none in logs, none with --quiet
    dataset = Dataset.from_list(rows, features=feature_set)
    path = out / "data" / name / f"{SPLIT}-00000-of-00001.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    dataset.to_parquet(str(path))
    info = dataset.info.copy()
    info.splits = SplitDict()
    info.splits.add(SplitInfo(name=SPLIT, num_bytes=path.stat().st_size, num_examples=len(dataset)))
    info.dataset_size = path.stat().st_size
    return info


def write_tmx(path: Path, pairs: list[dict]) -> None:
    from lxml import etree
    from translate.storage.tmx import tmxfile

    store = tmxfile(sourcelanguage="de", targetlanguage="en")
    for pair in pairs:
        unit = store.addsourceunit(pair["translation"]["de"])
        unit.target = pair["translation"]["en"]
        for name, value in (
            ("x-score", pair["score"]),
            ("x-de-doc", pair["de_doc"]),
            ("x-en-doc", pair["en_doc"]),
            ("x-align-id", pair["align_id"]),
            ("x-annotation-source", pair["annotation_source"]),
            ("x-verified", verified(pair)),
        ):
            prop = etree.Element("prop", type=name)
            prop.text = "" if value is None else str(value)
            unit.xmlelement.insert(0, prop)
    write_text(path, bytes(store).decode("utf-8"))


def verified(pair: dict) -> str:
    """``human`` when an annotator confirmed the pair in Label Studio, else ``model``."""
    return "human" if str(pair.get("annotation_source") or "").startswith("human") else "model"


def write_text_exports(dist: Path, pairs: list[dict]) -> None:
    def clean(text: str) -> str:
        return " ".join(text.split())  # one pair per line, always

    moses = dist / "moses"
    write_text(moses / "corpus.de", "".join(clean(p["translation"]["de"]) + "\n" for p in pairs))
    write_text(moses / "corpus.en", "".join(clean(p["translation"]["en"]) + "\n" for p in pairs))
    write_text(moses / "corpus.verified", "".join(verified(p) + "\n" for p in pairs))
    lines = ["de\ten\tscore\tdoc_ids\tverified\n"] + [
        f"{clean(p['translation']['de'])}\t{clean(p['translation']['en'])}\t{p['score']}\t{p['de_doc']},{p['en_doc']}"
        f"\t{verified(p)}\n"
        for p in pairs
    ]
    write_text(dist / "de-en.tsv", "".join(lines))
