"""Reading the corpus's record files as the stages need them (all validated)."""

from __future__ import annotations

from pathlib import Path

from pipelines.core.errors import warn
from pipelines.core.io import read_json, read_jsonl
from pipelines.core.manifest import listed_documents
from pipelines.core.records import Alignment, Document, Sentence, Translation


def in_manifest(paths: list[Path], manifest: Path | None) -> list[Path]:
    """Per-document files (``<doc_id>.json[l]``) of the documents the manifest lists.

    DVC leaves the outputs of a document that left the manifest in place; they are skipped
    (and named), so every output describes exactly the listed documents.
    """
    paths = [p for p in paths if not p.name.startswith(".")]  # a stage's own state file
    if manifest is None:
        return sorted(paths)
    listed = listed_documents(manifest)
    stale = sorted(str(p) for p in paths if p.stem not in listed)
    if stale:
        warn(f"skipping {len(stale)} files of documents no longer in {manifest}: {', '.join(stale[:5])}")
    return sorted(p for p in paths if p.stem in listed)


def load_documents(folder: Path, manifest: Path | None = None) -> list[Document]:
    return [read_json(path, Document) for path in in_manifest(list(Path(folder).glob("*.json")), manifest)]


def load_sentences(paths: list[Path]) -> list[Sentence]:
    """Sentences of every file, files in name order, sentences in document order."""
    return [s for path in sorted(paths) for s in read_jsonl(path, Sentence)]


def sentence_files(folder: Path, manifest: Path | None = None) -> list[Path]:
    return in_manifest(list(Path(folder).glob("*.jsonl")), manifest)


def load_translations(path: Path | None) -> dict[str, Translation]:
    """Translations by ``sent_id``; empty when the file is not given or not there yet."""
    if path is None or not Path(path).exists():
        return {}
    return {t.sent_id: t for t in read_jsonl(path, Translation)}


def load_alignments(path: Path) -> list[Alignment]:
    return list(read_jsonl(path, Alignment))
