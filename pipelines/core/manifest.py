"""``seeds/manifest.yaml``: which documents the pipeline reads, with sha256, source and licence."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from pipelines.core.errors import InputError
from pipelines.core.hashing import file_sha256
from pipelines.core.layout import MANIFEST

UNKNOWN_LICENCE = "unknown"  # what `corpus manifest --update` records for a new document
NO_LICENCE = {"", UNKNOWN_LICENCE, "none", "other?"}


def licence_missing(licence: str | None) -> bool:
    """True when a document's licence was never recorded: flagged on the card, not published."""
    return (licence or "").strip().lower() in NO_LICENCE


@dataclass(frozen=True)
class ManifestEntry:
    doc_id: str
    file: str
    licence: str
    sha256: str | None = None
    licence_note: str | None = None
    source: str | None = None
    url: str | None = None


MANIFEST_HEADER = (
    "# Seed documents: the pipeline's input, keyed by doc_id (DVC stages are named after it).\n"
    "# sha256 is checked by `corpus ingest`; after editing or adding a seed run `corpus manifest --update`.\n"
)


def _manifest_documents(path: Path) -> dict[str, dict]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    except yaml.YAMLError as error:
        raise InputError(path, f"not valid YAML: {error}") from None
    documents = (data or {}).get("documents") or {}
    if not isinstance(documents, dict):
        raise InputError(path, "'documents' must map doc_id to {file, sha256, licence, ...}")
    return documents


def load_manifest(path: Path = MANIFEST) -> list[ManifestEntry]:
    if not path.exists():
        raise InputError(path, "manifest not found")
    entries = []
    for doc_id, item in _manifest_documents(path).items():
        item = item or {}
        missing = [key for key in ("file", "licence", "sha256") if not item.get(key)]
        if missing:
            hint = " (run `corpus manifest --update`)" if missing == ["sha256"] else ""
            raise InputError(path, f"document {doc_id!r} lacks {', '.join(missing)}{hint}")
        unknown = set(item) - set(ManifestEntry.__dataclass_fields__)
        if unknown:
            raise InputError(path, f"document {doc_id!r} has unknown keys {', '.join(sorted(unknown))}")
        entries.append(ManifestEntry(doc_id=str(doc_id), **item))
    if not entries:
        raise InputError(path, "lists no documents")
    return entries


def update_manifest(seeds_dir: Path, path: Path = MANIFEST) -> list[str]:
    """Refresh sha256 of listed files, drop entries whose file is gone, add unlisted ``*.txt``
    files; returns what changed. Removing a document: delete its seed file, then update."""
    documents = _manifest_documents(path)
    changes = []
    for doc_id in [d for d, item in documents.items() if not (seeds_dir / item["file"]).exists()]:
        changes.append(f"{documents[doc_id]['file']}: file gone, removed doc_id {doc_id!r} from the manifest")
        del documents[doc_id]
    for doc_id, item in documents.items():
        digest = file_sha256(seeds_dir / item["file"])
        if item.get("sha256") != digest:
            changes.append(f"{item['file']}: sha256 updated ({doc_id})")
            item["sha256"] = digest
    listed = {item["file"] for item in documents.values()}
    for new in sorted(p for p in seeds_dir.glob("*.txt") if p.name not in listed):
        documents[new.stem] = {
            "file": new.name,
            "sha256": file_sha256(new),
            "licence": UNKNOWN_LICENCE,
            "licence_note": "added by `corpus manifest --update`: fill in source and licence",
        }
        changes.append(f"{new.name}: added as doc_id {new.stem!r} with licence {UNKNOWN_LICENCE!r}")
    body = yaml.safe_dump({"documents": documents}, sort_keys=False, allow_unicode=True, width=120)
    path.write_text(MANIFEST_HEADER + body, encoding="utf-8")
    return changes


def check_manifest(seeds_dir: Path, path: Path = MANIFEST) -> list[str]:
    """Problems between the manifest and the seed files (empty when they agree)."""
    problems = []
    entries = load_manifest(path)
    for entry in entries:
        file = seeds_dir / entry.file
        if not file.exists():
            problems.append(f"{file}: listed in the manifest but missing")
        elif entry.sha256 != file_sha256(file):
            problems.append(f"{file}: sha256 differs from the manifest")
    listed = {e.file for e in entries}
    problems += [f"{p}: not in the manifest" for p in sorted(seeds_dir.glob("*.txt")) if p.name not in listed]
    return problems


def listed_documents(path: Path = MANIFEST) -> set[str]:
    """The doc_ids the manifest lists: the documents every output must describe."""
    return {entry.doc_id for entry in load_manifest(path)}
