"""Segment stage: document records -> ``corpus/sentences/<doc_id>.jsonl`` (stanza Pipeline/Document API)."""

from __future__ import annotations

from pathlib import Path

import typer
from tqdm import tqdm

from pipelines.core.errors import warn
from pipelines.core.io import read_json, write_jsonl
from pipelines.core.layout import SENTENCES, sentence_file
from pipelines.core.records import Document
from pipelines.core.runner import run_command
from pipelines.core.settings import PARAMS_FILE, SegmentSettings, load_settings
from pipelines.engines.segmenter import Segmenter


def run(documents: list[Path], out_dir: Path, settings: SegmentSettings) -> dict[str, int]:
    segmenter = Segmenter(settings)
    counts = {}
    for path in tqdm(documents, desc="segment", unit="doc", disable=None):
        document = read_json(path, Document)
        counts[document.doc_id] = write_jsonl(sentence_file(out_dir, document.doc_id), segmenter.segment(document))
    if segmenter.dropped:
        warn(f"{segmenter.dropped} punctuation-only sentences left out")
    return counts


def command(
    documents: list[Path] = typer.Argument(..., help="document records (corpus/documents/*.json)"),
    out: Path = typer.Option(SENTENCES, help="output folder"),
    params: Path = typer.Option(PARAMS_FILE, help="parameters file"),
) -> None:
    """Split document paragraphs into tokenised sentences with stable ids."""
    for doc_id, count in run(documents, out, load_settings(params).segment).items():
        typer.echo(f"{doc_id}: {count} sentences")


if __name__ == "__main__":
    run_command(command)
