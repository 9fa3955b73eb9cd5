"""The documents the manifest lists, read and checked: seed files and the lines of collections.

Everything here is cheap (decoding and hashing), so an incremental stage can read all
sources, key each by its content hash, and hand only the changed ones to its engines.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pipelines.core.errors import InputError, RecordError
from pipelines.core.hashing import file_sha256
from pipelines.core.ids import check_doc_id
from pipelines.core.io import parse_record
from pipelines.core.manifest import load_collections, load_manifest, seed_file


def read_text_file(path: Path) -> str:
    """Decode a seed strictly, with errors that say what is wrong with the file."""
    if not path.exists():
        raise InputError(path, "file not found")
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError(path, "file is empty")
    head = raw[:8192]
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    if b"\x00" in head or controls > len(head) * 0.05:
        raise InputError(path, "looks like a binary file, not text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(path, f"not valid UTF-8: byte 0x{raw[error.start]:02x} at offset {error.start}") from None
    return _normalise(text)


def _normalise(text: str) -> str:
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


class CollectionLine(BaseModel):
    """One document of a JSONL collection; ``text`` is plain text (a paragraph per line) or wiki-style."""

    model_config = ConfigDict(extra="forbid")
    id: str
    text: str
    lang: str | None = None
    title: str | None = None
    source: str | None = None
    url: str | None = None
    licence: str | None = None
    licence_note: str | None = None


@dataclass(frozen=True)
class SourceDocument:
    doc_id: str
    where: str  # the seed file, or ``file:line`` of a collection line
    text: str
    sha256: str  # of the file, or of the collection line
    licence: str
    licence_note: str | None = None
    source: str | None = None
    url: str | None = None
    title: str | None = None  # a collection line's title (seed files carry theirs in the text)
    lang: str | None = None  # declared by a collection line


def _checked_file(path: Path, expected: str | None) -> str:
    digest = file_sha256(path)
    if expected and expected != digest:
        raise InputError(
            path,
            f"sha256 {digest[:12]}… differs from seeds/manifest.yaml ({expected[:12]}…); "
            "if the edit is intended, run `corpus manifest --update`",
        )
    return digest


def collection_documents(path: Path, entry) -> list[SourceDocument]:
    documents = []
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            where = f"{path}:{number}"
            try:
                line = parse_record(CollectionLine, raw.decode("utf-8"), where)
            except UnicodeDecodeError:
                raise InputError(where, "not valid UTF-8") from None
            except RecordError as error:
                raise InputError(
                    where, str(error).removeprefix(f"{where}: ").replace("CollectionLine", "collection line")
                ) from None
            check_doc_id(line.id, where)
            if not line.text.strip():
                raise InputError(where, f"document {line.id!r} has no text")
            documents.append(
                SourceDocument(
                    doc_id=line.id,
                    where=where,
                    text=_normalise(line.text),
                    sha256=hashlib.sha256(raw.rstrip(b"\n")).hexdigest(),
                    licence=line.licence or entry.licence,
                    licence_note=line.licence_note or entry.licence_note,
                    source=line.source or entry.source,
                    url=line.url,
                    title=line.title,
                    lang=line.lang,
                )
            )
    return documents


def read_sources(seeds_dir: Path, manifest: Path) -> list[SourceDocument]:
    """Every listed document, checked against the manifest; ids must be unique."""
    documents = []
    for entry in load_manifest(manifest):
        seed_file(seeds_dir, entry.file, f"{manifest}: {entry.doc_id!r}")
        path = seeds_dir / entry.file
        text = read_text_file(path)
        digest = _checked_file(path, entry.sha256)
        documents.append(
            SourceDocument(
                doc_id=entry.doc_id,
                where=str(path),
                text=text,
                sha256=digest,
                licence=entry.licence,
                licence_note=entry.licence_note,
                source=entry.source,
                url=entry.url,
            )
        )
    for entry in load_collections(manifest):
        seed_file(seeds_dir, entry.file, f"{manifest}: {entry.doc_id!r}")
        path = seeds_dir / entry.file
        if not path.exists():
            raise InputError(path, "file not found")
        _checked_file(path, entry.sha256)
        documents += collection_documents(path, entry)
    seen: dict[str, str] = {}
    for document in documents:
        if document.doc_id in seen:
            raise InputError(document.where, f"doc_id {document.doc_id!r} is already used by {seen[document.doc_id]}")
        seen[document.doc_id] = document.where
    return documents
