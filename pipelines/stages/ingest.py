"""Ingest stage: the manifest's documents -> ``corpus/documents/<doc_id>.json``.

Seed files and collection lines are checked against ``seeds/manifest.yaml``, parsed
(wiki-style sections, infobox, See also; plain text is one paragraph per line) and their
language identified with lingua. One process per run: only new or changed documents are
parsed (``run.incremental``), on the configured executor; outputs of documents that left
the manifest are deleted.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer

from pipelines.core.errors import InputError, warn
from pipelines.core.hashing import file_sha256, package_version
from pipelines.core.ids import check_doc_id, id_path
from pipelines.core.layout import DOCUMENTS, MANIFEST, SEEDS
from pipelines.core.manifest import ManifestEntry, refuse_listed_content
from pipelines.core.records import Document
from pipelines.core.settings import PARAMS_FILE, ExecutorSettings, IngestSettings, load_settings
from pipelines.core.sources import SourceDocument, collection_documents, read_sources, read_text_file
from pipelines.engines.text.duplicates import repeated_share
from pipelines.engines.text.language import LanguageIdentifier
from pipelines.engines.text.wiki import parse_wiki
from pipelines.run.contract import StageContract
from pipelines.run.executor import make_executor
from pipelines.run.fingerprint import code_fingerprint
from pipelines.run.incremental import StageState, outcome, process_changed
from pipelines.run.runner import run_command

CONTRACT = StageContract("ingest", deps=(SEEDS,), outs=(DOCUMENTS,), params=("ingest",))


class IngestWork:
    """Parses documents; holds the language identifier (loaded once per process or actor)."""

    def __init__(self, settings: IngestSettings) -> None:
        self.settings = settings
        self.identifier = LanguageIdentifier(settings.min_language_confidence, settings.low_accuracy_language_id)

    def __call__(self, batch: list[str]) -> list[str]:
        results = []
        for payload in batch:
            source = SourceDocument(**json.loads(payload))
            warnings: list[str] = []
            try:
                document = self.parse(source, warnings)
            except InputError as error:
                results.append(outcome(source.doc_id, error=str(error)))
                continue
            results.append(outcome(source.doc_id, document.model_dump_json(indent=1) + "\n", warnings=warnings))
        return results

    def parse(self, source: SourceDocument, warnings: list[str]) -> Document:
        settings, where, text = self.settings, source.where, source.text
        if len(text) > settings.max_document_chars:
            warnings.append(
                f"{where}: {len(text):,} characters, above ingest.max_document_chars ({settings.max_document_chars:,})"
            )
        title, paragraphs, infobox, see_also = parse_wiki(text, source.doc_id, settings.navigation_sections)
        repeated = repeated_share(p.text for p in paragraphs if p.kind == "text")
        if repeated > settings.max_repeated_paragraphs:
            warnings.append(
                f"{where}: {repeated:.0%} of its paragraphs repeat earlier ones (the same page pasted twice?)"
            )
        body = [p.text for p in paragraphs if p.kind == "text" and not p.navigation]
        if not body:
            raise InputError(where, "has no text paragraphs (only headings, lists or infobox)")
        lang, confidence = self.identifier.identify("\n".join(body))
        if source.lang and lang != source.lang:
            if lang is not None:
                warnings.append(f"{where}: declared lang {source.lang!r}, lingua says {lang!r} ({confidence:.2f})")
            lang = source.lang
        if lang is None:
            raise InputError(where, f"language could not be identified (best confidence {confidence:.2f})")
        if lang not in settings.languages:
            raise InputError(
                where, f"language is {lang!r}; the pipeline is configured for {', '.join(settings.languages)}"
            )
        return Document(
            doc_id=source.doc_id,
            file=where,
            sha256=source.sha256,
            lang=lang,
            lang_confidence=round(confidence, 4),
            lang_provenance=self.identifier.provenance,
            title=source.title or title,
            text=text,
            paragraphs=paragraphs,
            infobox=infobox,
            see_also=see_also,
            source=source.source,
            url=source.url,
            licence=source.licence,
            licence_note=source.licence_note,
        )


def check_new_source(file: Path, name: str | None, settings: IngestSettings, manifest: Path) -> int:
    """What `corpus add` runs before it changes anything: ingest's own checks of the file (every
    line of a collection: JSON, fields, text, encoding, language) and ids not already in use.
    Returns the number of documents; raises the first problem, naming the file or ``file:line``."""
    if not file.is_file():
        raise InputError(file, "file not found")
    refuse_listed_content(file, manifest)
    if name is not None:
        check_doc_id(name, "--id")  # an empty --id is refused, not replaced by the file name
    if file.suffix == ".jsonl":
        entry = ManifestEntry(doc_id=check_doc_id(name or file.stem, file), file=file.name, licence="unknown")
        read_text_file(file)  # empty, binary, not UTF-8
        sources = collection_documents(file, entry)
    else:
        doc_id = check_doc_id(name or file.stem, file if name is None else "--id")
        sources = [SourceDocument(doc_id, str(file), read_text_file(file), file_sha256(file), "unknown")]
    listed = {s.doc_id: s.where for s in read_sources(manifest.parent, manifest)} if manifest.exists() else {}
    work = IngestWork(settings)
    warnings: list[str] = []
    for source in sources:
        if source.doc_id in listed:
            raise InputError(source.where, f"doc_id {source.doc_id!r} is already used by {listed[source.doc_id]}")
        listed[source.doc_id] = source.where  # a collection that repeats an id is refused as ingest would
        work.parse(source, warnings)
    for warning in warnings:  # the same warnings ingest prints (size, repeated paragraphs, language)
        warn(warning)
    return len(sources)


def run(
    seeds_dir: Path,
    out_dir: Path,
    settings: IngestSettings,
    *,
    manifest: Path | None = None,
    executor: ExecutorSettings | None = None,
) -> dict[str, object]:
    """Ingest what changed since the last run; returns the ids processed, reused and removed."""
    manifest = manifest or seeds_dir / MANIFEST.name
    executor = executor or ExecutorSettings()
    sources = read_sources(seeds_dir, manifest)
    state = StageState(
        out_dir,
        lambda doc_id: id_path(out_dir, doc_id, ".json"),
        code_fingerprint(__name__),
        settings.portable(),
        package_version("lingua-language-detector"),
    )
    items = {s.doc_id: (s.sha256, json.dumps(asdict(s), ensure_ascii=False)) for s in sources}
    work = (IngestWork, (settings,))
    results = process_changed(state, items, make_executor(executor), work, executor.documents_per_batch, "ingest")
    removed = state.remove_others(set(items), "*.json")  # only once every document succeeded
    return {
        "documents": len(items),
        "processed": [r["item"] for r in results],
        "reused": len(items) - len(results),
        "removed": removed,
    }


def command(
    seeds: Path = typer.Option(SEEDS, help="folder of seed files"),
    out: Path = typer.Option(DOCUMENTS, help="output folder"),
    params: Path = typer.Option(PARAMS_FILE, help="parameters file"),
    manifest: Path = typer.Option(None, help="manifest (default: seeds/manifest.yaml)"),
) -> None:
    """Parse the manifest's documents into records with sections and language (only what changed)."""
    settings = load_settings(params)
    summary = run(seeds, out, settings.ingest, manifest=manifest, executor=settings.executor)
    processed = summary["processed"]
    summary["processed"] = len(processed)
    typer.echo(json.dumps(summary))


if __name__ == "__main__":
    run_command(command)
