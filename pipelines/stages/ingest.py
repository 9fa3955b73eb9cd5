"""Ingest stage: seed files -> ``corpus/documents/<doc_id>.json``.

Each file is checked against ``seeds/manifest.yaml``, parsed (wiki-style sections,
infobox, See also) and its language identified with lingua.
"""

from __future__ import annotations

from pathlib import Path

import typer

from pipelines.core.errors import InputError, warn
from pipelines.core.hashing import file_sha256
from pipelines.core.io import write_json
from pipelines.core.layout import DOCUMENTS, MANIFEST, SEEDS
from pipelines.core.manifest import ManifestEntry, load_manifest
from pipelines.core.records import Document
from pipelines.core.runner import run_command
from pipelines.core.settings import PARAMS_FILE, IngestSettings, load_settings
from pipelines.engines.duplicates import repeated_share
from pipelines.engines.language import LanguageIdentifier
from pipelines.engines.wiki import parse_wiki, read_text_file


def ingest_document(
    entry: ManifestEntry, seeds_dir: Path, identifier: LanguageIdentifier, settings: IngestSettings
) -> Document:
    path = seeds_dir / entry.file
    text = read_text_file(path)
    digest = file_sha256(path)
    if entry.sha256 and entry.sha256 != digest:
        raise InputError(
            path,
            f"sha256 {digest[:12]}… differs from seeds/manifest.yaml ({entry.sha256[:12]}…); "
            "if the edit is intended, run `corpus manifest --update`",
        )
    if len(text) > settings.max_document_chars:
        warn(f"{path}: {len(text):,} characters, above ingest.max_document_chars ({settings.max_document_chars:,})")
    title, paragraphs, infobox, see_also = parse_wiki(text, entry.doc_id, settings.navigation_sections)
    repeated = repeated_share(p.text for p in paragraphs if p.kind == "text")
    if repeated > settings.max_repeated_paragraphs:
        warn(f"{path}: {repeated:.0%} of its paragraphs repeat earlier ones (the same page pasted more than once?)")
    body = [p.text for p in paragraphs if p.kind == "text" and not p.navigation]
    if not body:
        raise InputError(path, "has no text paragraphs (only headings, lists or infobox)")
    lang, confidence = identifier.identify("\n".join(body))
    if lang is None:
        raise InputError(path, f"language could not be identified (best confidence {confidence:.2f})")
    if lang not in settings.languages:
        raise InputError(path, f"language is {lang!r}; the pipeline is configured for {', '.join(settings.languages)}")
    return Document(
        doc_id=entry.doc_id,
        file=str(path),
        sha256=digest,
        lang=lang,
        lang_confidence=round(confidence, 4),
        lang_provenance=identifier.provenance,
        title=title,
        text=text,
        paragraphs=paragraphs,
        infobox=infobox,
        see_also=see_also,
        source=entry.source,
        url=entry.url,
        licence=entry.licence,
        licence_note=entry.licence_note,
    )


def run(
    doc_ids: list[str] | None,
    seeds_dir: Path,
    out_dir: Path,
    settings: IngestSettings,
    manifest: Path | None = None,
    expect_sha256: str | None = None,
) -> list[Document]:
    """Ingest the named documents (all in the manifest when none are named).

    ``expect_sha256`` is the manifest's sha256 as DVC saw it when it planned the run: it is part
    of the stage's command, so a seed reverted to content DVC has cached still runs this check.
    """
    manifest = manifest or seeds_dir / MANIFEST.name
    entries = load_manifest(manifest)
    if doc_ids:
        known = {e.doc_id for e in entries}
        unknown = [d for d in doc_ids if d not in known]
        if unknown:
            raise InputError(manifest, f"no document with doc_id {', '.join(unknown)}")
        entries = [e for e in entries if e.doc_id in doc_ids]
    if expect_sha256 and any(e.sha256 != expect_sha256 for e in entries):
        raise InputError(manifest, f"sha256 of {', '.join(doc_ids or [])} changed while the pipeline ran; re-run")
    identifier = LanguageIdentifier(settings.min_language_confidence)
    # Parse everything first: one bad file stops the stage before anything is written.
    documents = [ingest_document(e, seeds_dir, identifier, settings) for e in entries]
    for document in documents:
        write_json(out_dir / f"{document.doc_id}.json", document)
    return documents


def command(
    doc: list[str] = typer.Option(None, "--doc", help="doc_id to ingest (repeatable); default: all"),
    seeds: Path = typer.Option(SEEDS, help="folder of seed files"),
    out: Path = typer.Option(DOCUMENTS, help="output folder"),
    params: Path = typer.Option(PARAMS_FILE, help="parameters file"),
    expect_sha256: str = typer.Option(None, help="the manifest's sha256 of the --doc (dvc.yaml passes it)"),
) -> None:
    """Parse seed documents into document records with sections and language."""
    for document in run(doc, seeds, out, load_settings(params).ingest, expect_sha256=expect_sha256):
        sentences = len(document.sentence_paragraphs())
        typer.echo(f"{document.doc_id}: lang={document.lang} paragraphs={len(document.paragraphs)} text={sentences}")


if __name__ == "__main__":
    run_command(command)
