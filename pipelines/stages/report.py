"""Report stage: ``corpus/report.html``, one self-contained page about a corpus run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from pipelines.core.corpus import load_alignments, load_sentences, load_translations, sentence_files
from pipelines.core.io import read_jsonl, write_text
from pipelines.core.layout import (
    AGREEMENT_METRICS,
    ALIGN_METRICS,
    ALIGNMENTS,
    CORPUS,
    ENTITIES,
    EXPORT_METRICS,
    MANIFEST,
    METRICS,
    REPORT,
    SENTENCES,
    TAG_METRICS,
    TRANSLATIONS,
)
from pipelines.core.records import Provenance, SentenceEntities
from pipelines.core.settings import PARAMS_FILE, Settings, load_settings
from pipelines.publish.report import build
from pipelines.run.contract import StageContract
from pipelines.run.runner import run_command

CONTRACT = StageContract(
    "report",
    deps=(
        MANIFEST, SENTENCES, TRANSLATIONS, ALIGNMENTS, ENTITIES, ALIGN_METRICS, TAG_METRICS, EXPORT_METRICS,
        AGREEMENT_METRICS,
    ),
    outs=(REPORT,),
    params=("align.threshold", "translate.min_quality"),
)  # fmt: skip


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def tagging_engines(path: Path) -> list[Provenance]:
    """The distinct engines of the tag stage's rows (none before it has run)."""
    if not path.exists():
        return []
    return list(
        {row.provenance.model_dump_json(): row.provenance for row in read_jsonl(path, SentenceEntities)}.values()
    )


def run(corpus: Path, out: Path, settings: Settings, *, manifest: Path | None = None) -> dict[str, Any]:
    """The HTML report of the corpus as it is (``align.threshold`` and ``translate.min_quality``
    mark borderline pairs and weak translations)."""
    metrics = {name: _load(corpus / METRICS.name / f"{name}.json") for name in ("align", "tag", "export", "agreement")}
    page, figures = build(
        load_sentences(sentence_files(corpus / SENTENCES.name, manifest)),
        list(load_translations(corpus / TRANSLATIONS.name).values()),
        load_alignments(corpus / ALIGNMENTS.name),
        metrics,
        settings.align.threshold,
        settings.translate.min_quality,
        taggers=tagging_engines(corpus / ENTITIES.name),
    )
    write_text(out, page)
    return figures


def command(
    corpus: Path = typer.Option(CORPUS, help="corpus folder"),
    out: Path = typer.Option(REPORT, help="report file"),
    params: Path = typer.Option(PARAMS_FILE, help="parameters file"),
    manifest: Path = typer.Option(MANIFEST, help="only documents listed here are reported"),
) -> None:
    """Write a self-contained HTML report of the corpus run."""
    settings = load_settings(params)
    figures = run(corpus, out, settings, manifest=manifest)
    typer.echo(f"{out}: {sum(figures['sentences_per_document'].values())} sentences")


if __name__ == "__main__":
    run_command(command)
