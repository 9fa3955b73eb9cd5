"""Agreement stage (``corpus annotate metrics``): model vs human on pulled annotations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from pipelines.core.io import write_json
from pipelines.core.layout import AGREEMENT_METRICS, ALIGNMENTS, ANNOTATIONS, CORPUS, ENTITIES, EVENTS, human_file
from pipelines.publish.agreement import agreement_report
from pipelines.run.contract import StageContract
from pipelines.run.runner import run_command

CONTRACT = StageContract(
    "agreement",
    deps=(ENTITIES, EVENTS, ALIGNMENTS, human_file(ANNOTATIONS, "tagging"), human_file(ANNOTATIONS, "alignment")),
    metrics=(AGREEMENT_METRICS,),
)


def run(corpus: Path, annotations: Path, out: Path) -> dict[str, Any]:
    """Model vs human on the pulled reviews still current for the corpus (no settings of its own)."""
    report = agreement_report(corpus, annotations)
    write_json(out, report)
    return report


def command(
    corpus: Path = typer.Option(CORPUS, help="corpus folder"),
    annotations: Path = typer.Option(ANNOTATIONS, help="pulled annotations"),
    out: Path = typer.Option(AGREEMENT_METRICS, help="DVC metrics file"),
) -> None:
    """Model-vs-human agreement on pulled annotations (per-label P/R, alignment accept rate)."""
    typer.echo(json.dumps(run(corpus, annotations, out)))


if __name__ == "__main__":
    run_command(command)
