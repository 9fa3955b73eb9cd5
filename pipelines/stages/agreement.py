"""Agreement stage (``corpus annotate metrics``): model vs human on pulled annotations."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from pipelines.core.io import write_json
from pipelines.core.layout import AGREEMENT_METRICS, ANNOTATIONS, CORPUS
from pipelines.publish.agreement import agreement_report
from pipelines.run.contract import StageContract
from pipelines.run.runner import run_command

CONTRACT = StageContract("agreement", metrics=(AGREEMENT_METRICS,))


def command(
    corpus: Path = typer.Option(CORPUS, help="corpus folder"),
    annotations: Path = typer.Option(ANNOTATIONS, help="pulled annotations"),
    out: Path = typer.Option(AGREEMENT_METRICS, help="DVC metrics file"),
) -> None:
    """Model-vs-human agreement on pulled annotations (per-label P/R, alignment accept rate)."""
    report = agreement_report(corpus, annotations)
    write_json(out, report)
    typer.echo(json.dumps(report))


if __name__ == "__main__":
    run_command(command)
