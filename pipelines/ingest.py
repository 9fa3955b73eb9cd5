"""Ingest stage: seed files -> ``corpus/documents/<doc_id>.json``.

Parses the wiki-style seeds (``= Title =``, ``==Section==``, ``=== Sub ===``, an
``Infobox`` block of ``- key: value`` lines, ``- `` list items, ``See also``), keeps the
section path of every paragraph, identifies the language with lingua, and checks each
file against ``seeds/manifest.yaml``. Every offset indexes the decoded file text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import typer
import yaml

from pipelines.config import StageError, stage_params
from pipelines.records import Document, Paragraph, Provenance, file_sha256, package_version, write_json

MANIFEST = Path("seeds/manifest.yaml")
HEADING = re.compile(r"(=+)\s*(.*?)\s*\1")
INFOBOX_ITEM = re.compile(r"-\s*([^:]+?)\s*:\s*(.*)")
DEFAULT_NAVIGATION = ["See also", "References", "External links", "Further reading", "Notes"]


class InputError(StageError):
    """A seed file that cannot be ingested; the message starts with its path."""

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")


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
        missing = [key for key in ("file", "licence") if not item.get(key)]
        if missing:
            raise InputError(path, f"document {doc_id!r} lacks {', '.join(missing)}")
        unknown = set(item) - set(ManifestEntry.__dataclass_fields__)
        if unknown:
            raise InputError(path, f"document {doc_id!r} has unknown keys {', '.join(sorted(unknown))}")
        entries.append(ManifestEntry(doc_id=str(doc_id), **item))
    if not entries:
        raise InputError(path, "lists no documents")
    return entries


def update_manifest(seeds_dir: Path, path: Path = MANIFEST) -> list[str]:
    """Refresh sha256 of listed files and add unlisted ``*.txt`` files; returns what changed."""
    documents = _manifest_documents(path)
    changes = []
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
            "licence": "unknown",
            "licence_note": "added by `corpus manifest --update`: fill in source and licence",
        }
        changes.append(f"{new.name}: added as doc_id {new.stem!r} with licence 'unknown'")
    body = yaml.safe_dump({"documents": documents}, sort_keys=False, allow_unicode=True, width=120)
    path.write_text(MANIFEST_HEADER + body, encoding="utf-8")
    return changes


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
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


class LanguageIdentifier:
    """lingua over all its languages, so a French file is named French, not forced to de/en."""

    def __init__(self, min_confidence: float = 0.5) -> None:
        from lingua import LanguageDetectorBuilder

        self._detector = LanguageDetectorBuilder.from_all_languages().build()
        self.min_confidence = min_confidence
        self.provenance = Provenance(
            engine="lingua", model="lingua-all-languages", version=package_version("lingua-language-detector")
        )

    def identify(self, text: str) -> tuple[str | None, float]:
        values = self._detector.compute_language_confidence_values(text)
        if not values or values[0].value < self.min_confidence:
            return None, values[0].value if values else 0.0
        best = values[0]
        return best.language.iso_code_639_1.name.lower(), float(best.value)


def parse_wiki(
    text: str, doc_id: str, navigation: list[str]
) -> tuple[str | None, list[Paragraph], dict[str, str], list[str]]:
    """Split a wiki-style page into paragraphs with section paths; one line, one paragraph."""
    nav = {name.casefold() for name in navigation}
    title: str | None = None
    section: list[str] = []
    in_infobox = False
    paragraphs: list[Paragraph] = []
    infobox: dict[str, str] = {}
    see_also: list[str] = []
    offset = 0
    for line in text.split("\n"):
        line_start = offset
        offset += len(line) + 1
        stripped = line.strip()
        if not stripped:
            in_infobox = False
            continue
        start = line_start + len(line) - len(line.lstrip())
        kind: str
        heading = HEADING.fullmatch(stripped)
        span_text = stripped
        if heading:
            level, name = len(heading.group(1)), heading.group(2)
            in_infobox = False
            if level == 1:
                title, kind, section = name, "title", []
            else:
                section = [*section[: level - 2], name]
                kind = "heading"
            start += stripped.index(name) if name else 0
            span_text = name
        elif stripped == "Infobox":
            in_infobox, kind = True, "infobox"
        elif in_infobox and (item := INFOBOX_ITEM.fullmatch(stripped)):
            infobox[item.group(1)] = item.group(2)
            kind = "infobox"
        elif stripped.startswith("- "):
            span_text = stripped[2:].strip()
            start += stripped.index(span_text)
            kind = "list_item"
        else:
            kind = "text"
        is_nav = any(name.casefold() in nav for name in section)
        if kind == "list_item" and section and section[-1].casefold() == "see also":
            see_also.append(span_text)
        index = len(paragraphs)
        paragraphs.append(
            Paragraph(
                para_id=f"{doc_id}-p{index:03d}",
                index=index,
                kind=kind,
                section=list(section),
                navigation=is_nav,
                start=start,
                end=start + len(span_text),
                text=span_text,
            )
        )
    return title, paragraphs, infobox, see_also


def ingest_document(
    entry: ManifestEntry,
    seeds_dir: Path,
    identifier: LanguageIdentifier,
    languages: list[str],
    navigation: list[str],
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
    title, paragraphs, infobox, see_also = parse_wiki(text, entry.doc_id, navigation)
    body = [p.text for p in paragraphs if p.kind == "text" and not p.navigation]
    if not body:
        raise InputError(path, "has no text paragraphs (only headings, lists or infobox)")
    lang, confidence = identifier.identify("\n".join(body))
    if lang is None:
        raise InputError(path, f"language could not be identified (best confidence {confidence:.2f})")
    if lang not in languages:
        raise InputError(path, f"language is {lang!r}; the pipeline is configured for {', '.join(languages)}")
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
    doc_ids: list[str] | None = None,
    seeds_dir: Path = Path("seeds"),
    out_dir: Path = Path("corpus/documents"),
    manifest: Path = MANIFEST,
    params_path: Path = Path("params.yaml"),
) -> list[Document]:
    """Ingest the named documents (all in the manifest when none are named)."""
    params = stage_params("ingest", params_path)
    entries = load_manifest(manifest)
    if doc_ids:
        known = {e.doc_id for e in entries}
        unknown = [d for d in doc_ids if d not in known]
        if unknown:
            raise InputError(manifest, f"no document with doc_id {', '.join(unknown)}")
        entries = [e for e in entries if e.doc_id in doc_ids]
    identifier = LanguageIdentifier(params.get("min_language_confidence", 0.5))
    languages = params.get("languages", ["de", "en"])
    navigation = params.get("navigation_sections", DEFAULT_NAVIGATION)
    # Parse everything first: one bad file stops the stage before anything is written.
    documents = [ingest_document(e, seeds_dir, identifier, languages, navigation) for e in entries]
    for document in documents:
        write_json(out_dir / f"{document.doc_id}.json", document)
    return documents


def command(
    doc: list[str] = typer.Option(None, "--doc", help="doc_id to ingest (repeatable); default: all"),
    seeds: Path = typer.Option(Path("seeds"), help="folder of seed files"),
    out: Path = typer.Option(Path("corpus/documents"), help="output folder"),
    params: Path = typer.Option(Path("params.yaml"), help="parameters file"),
) -> None:
    """Parse seed documents into document records with sections and language."""
    for document in run(doc, seeds, out, params_path=params):
        sentences = len(document.sentence_paragraphs())
        typer.echo(f"{document.doc_id}: lang={document.lang} paragraphs={len(document.paragraphs)} text={sentences}")


if __name__ == "__main__":
    from pipelines.cli import run_command

    run_command(command)
