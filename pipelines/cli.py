"""``corpus``: one command, one subcommand per stage (``python -m pipelines.<stage>`` too)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import typer

from pipelines import align, align_eval, annotate, export, ingest, models, report, segment, tag, translate
from pipelines.config import StageError
from pipelines.records import RecordError

app = typer.Typer(
    help="Bilingual (de/en) corpus pipeline: ingest, segment, translate, align, tag, annotate, export.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
models_app = typer.Typer(help="Install and list the models the stages use.", no_args_is_help=True)
app.add_typer(models_app, name="models")

app.command("ingest")(ingest.command)
app.command("segment")(segment.command)
app.command("translate")(translate.command)
app.command("align")(align.command)
app.command("tag")(tag.command)
app.add_typer(annotate.app, name="annotate")
app.command("export")(export.command)
app.command("publish")(export.publish_command)
app.command("report")(report.command)
app.add_typer(align_eval.app, name="align-eval")


@app.callback()
def options(quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bars")) -> None:
    """Bilingual (de/en) corpus pipeline: ingest, segment, translate, align, tag, annotate, export."""
    if quiet:
        os.environ["TQDM_DISABLE"] = "1"  # tqdm reads this for every bar it creates


@app.command("manifest")
def manifest_command(
    update: bool = typer.Option(False, "--update", help="refresh sha256 and add unlisted seed files"),
    seeds: Path = typer.Option(Path("seeds"), help="folder of seed files"),
) -> None:
    """Check seeds/manifest.yaml against the seed files (or update it)."""
    path = seeds / "manifest.yaml"
    if update:
        for change in ingest.update_manifest(seeds, path) or ["manifest already up to date"]:
            typer.echo(change)
        return
    problems = []
    entries = ingest.load_manifest(path)
    for entry in entries:
        file = seeds / entry.file
        if not file.exists():
            problems.append(f"{file}: listed in the manifest but missing")
        elif entry.sha256 != ingest.file_sha256(file):
            problems.append(f"{file}: sha256 differs from the manifest")
    listed = {e.file for e in entries}
    problems += [f"{p}: not in the manifest" for p in sorted(seeds.glob("*.txt")) if p.name not in listed]
    if problems:
        raise StageError("; ".join(problems) + " (run `corpus manifest --update`)")
    typer.echo(f"{len(entries)} documents, all files match")


@models_app.command("stanza")
def models_stanza(
    lang: list[str] = typer.Option(["de", "en"], "--lang", help="language to download"),
    processors: str = typer.Option("tokenize,mwt,pos,lemma,depparse,ner", help="stanza processors"),
    stanza_dir: Path = typer.Option(models.STANZA_DIR, help="project-local stanza model folder"),
) -> None:
    """Download official stanza models (needs the stanza model hub; fails offline)."""
    models.download_stanza(lang, processors, stanza_dir)
    typer.echo(f"stanza models in {stanza_dir}")


@models_app.command("argos")
def models_argos(
    path: Path = typer.Option(None, "--path", help="install this local .argosmodel instead of using the index"),
    source: str = typer.Option("de", "--from", help="source language"),
    target: str = typer.Option("en", "--to", help="target language"),
    packages_dir: Path = typer.Option(models.ARGOS_DIR, help="project-local argos package folder"),
) -> None:
    """Install an argostranslate package: from the argos index (online) or a local file."""
    if path is not None:
        installed = models.install_argos_from_path(path, packages_dir)
    else:
        installed = [models.install_argos_from_index(source, target, packages_dir)]
    for info in installed:
        typer.echo(json.dumps(models.describe(info)))
    typer.echo("re-run the translate stage: dvc repro translate")


@models_app.command("list")
def models_list(packages_dir: Path = typer.Option(models.ARGOS_DIR, help="argos package folder")) -> None:
    """List installed argos packages and local stanza models."""
    packages = models.installed_argos_packages(packages_dir)
    for info in packages:
        typer.echo(json.dumps({"kind": "argos", **models.describe(info)}))
    if not packages:
        typer.echo(f"no argos packages in {packages_dir}")
    for model in sorted(Path("models").glob("stanza*/**/*.pt")):
        typer.echo(json.dumps({"kind": "stanza", "path": str(model)}))


def _fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def run_command(command: Callable[..., None]) -> None:
    """Run one stage command as a script (``python -m pipelines.<stage>``) with clean errors."""
    try:
        single = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
        single.command()(command)
        single()
    except (StageError, RecordError) as error:
        _fail(str(error))


def main() -> None:
    try:
        app()
    except (StageError, RecordError) as error:
        _fail(str(error))


if __name__ == "__main__":
    main()
