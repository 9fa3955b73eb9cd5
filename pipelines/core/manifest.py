"""``seeds/manifest.yaml``: which documents the pipeline reads, with sha256, source and licence.

Two kinds of entries:

- ``documents``: one seed file per document (wiki-style or plain text), keyed by doc_id;
- ``collections``: one JSONL file of many documents (``id``, ``text``, and optionally ``lang``,
  ``title``, ``source``, ``url``, ``licence``, ``licence_note`` per line); the collection's
  source and licence apply to lines that do not give their own.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from pipelines.core.errors import InputError, StageError
from pipelines.core.hashing import file_sha256
from pipelines.core.ids import check_doc_id
from pipelines.core.layout import MANIFEST

UNKNOWN_LICENCE = "unknown"  # what `corpus manifest --update` records for a new document
NO_LICENCE = {"", UNKNOWN_LICENCE, "none", "other?"}
SECTIONS = ("documents", "collections")
SEED_SUFFIXES = (".txt", ".jsonl")  # a document file, a collection file


def licence_missing(licence: str | None) -> bool:
    """True when a document's licence was never recorded: flagged on the card, not published."""
    return (licence or "").strip().lower() in NO_LICENCE


@dataclass(frozen=True)
class ManifestEntry:
    """A ``documents`` entry (``doc_id``) or a ``collections`` entry (its name)."""

    doc_id: str
    file: str
    licence: str
    sha256: str | None = None
    licence_note: str | None = None
    source: str | None = None
    url: str | None = None


MANIFEST_HEADER = (
    "# The pipeline's input: `documents` (one seed file each, keyed by doc_id) and `collections`\n"
    "# (one JSONL file of many documents). Change it with `corpus add / remove / rename`, or edit\n"
    "# the files and run `corpus manifest --update`; `corpus ingest` checks every sha256.\n"
)


def seed_file(seeds_dir: Path, file: str, where: str) -> Path:
    """The path of a listed file, refused unless it is a file name inside the seeds folder after
    following every link: a manifest entry can never make the pipeline read (and publish) a file
    elsewhere (``../../secret.txt``, ``/etc/hostname``, a symlink out of the tree)."""
    folder = Path(seeds_dir).resolve()
    target = (folder / file).resolve()
    if Path(file).is_absolute() or target.parent != folder:
        raise InputError(
            where,
            f"file {file!r} is not a file in {seeds_dir}/ (absolute path, '..', a sub-folder "
            "or a symlink out of the folder); nothing was changed",
        )
    return target


def _read(path: Path) -> dict[str, dict[str, dict]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    except yaml.YAMLError as error:
        raise InputError(path, f"not valid YAML: {error}") from None
    sections = {}
    for section in SECTIONS:
        entries = (data or {}).get(section) or {}
        if not isinstance(entries, dict):
            raise InputError(path, f"'{section}' must map names to {{file, sha256, licence, ...}}")
        sections[section] = entries
    return sections


def _write(path: Path, sections: dict[str, dict[str, dict]]) -> None:
    body = yaml.safe_dump({k: v for k, v in sections.items() if v}, sort_keys=False, allow_unicode=True, width=120)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(MANIFEST_HEADER + body, encoding="utf-8")
    tmp.replace(path)


def _entries(path: Path, section: str, items: dict[str, dict]) -> list[ManifestEntry]:
    entries = []
    for name, item in items.items():
        item = item or {}
        missing = [key for key in ("file", "licence", "sha256") if not item.get(key)]
        if missing:
            hint = " (run `corpus manifest --update`)" if missing == ["sha256"] else ""
            raise InputError(path, f"{section[:-1]} {name!r} lacks {', '.join(missing)}{hint}")
        unknown = set(item) - set(ManifestEntry.__dataclass_fields__)
        if unknown:
            raise InputError(path, f"{section[:-1]} {name!r} has unknown keys {', '.join(sorted(unknown))}")
        seed_file(path.parent, str(item["file"]), f"{path}: {section[:-1]} {name!r}")
        entries.append(ManifestEntry(doc_id=check_doc_id(name, f"{path}: {section[:-1]}"), **item))
    return entries


def load_manifest(path: Path = MANIFEST) -> list[ManifestEntry]:
    """The single-file documents (collections: ``load_collections``)."""
    if not path.exists():
        raise InputError(path, "manifest not found")
    sections = _read(path)
    if not any(sections.values()):
        raise InputError(path, "lists no documents")
    return _entries(path, "documents", sections["documents"])


def load_collections(path: Path = MANIFEST) -> list[ManifestEntry]:
    return _entries(path, "collections", _read(path)["collections"]) if path.exists() else []


def collection_ids(file: Path) -> list[str]:
    """The document ids of a collection file, without validating the rest of each line."""
    ids = []
    with open(file, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    ids.append(str(json.loads(line)["id"]))
                except (ValueError, KeyError, TypeError):
                    raise InputError(f"{file}:{number}", "not a JSON object with an 'id'") from None
    return ids


def update_manifest(seeds_dir: Path, path: Path = MANIFEST) -> list[str]:
    """Refresh sha256 of listed files, drop entries whose file is gone, add unlisted ``*.txt``
    and ``*.jsonl`` files; returns what changed. Removing a document: ``corpus remove``."""
    sections = _read(path)
    changes = []
    for section, items in sections.items():
        for name, item in items.items():
            seed_file(seeds_dir, str(item.get("file", "")), f"{path}: {section[:-1]} {name!r}")
        for name in [n for n, item in items.items() if not (seeds_dir / item["file"]).exists()]:
            changes.append(f"{items[name]['file']}: file gone, removed {section[:-1]} {name!r} from the manifest")
            del items[name]
        for name, item in items.items():
            digest = file_sha256(seeds_dir / item["file"])
            if item.get("sha256") != digest:
                changes.append(f"{item['file']}: sha256 updated ({name})")
                item["sha256"] = digest
    listed = {item["file"] for items in sections.values() for item in items.values()}
    for new in sorted(p for p in seeds_dir.iterdir() if p.suffix in SEED_SUFFIXES and p.name not in listed):
        seed_file(seeds_dir, new.name, str(new))
        section = "collections" if new.suffix == ".jsonl" else "documents"
        check_doc_id(new.stem, new)  # the file name becomes the id: rename the file, or `corpus add --id`
        sections[section][new.stem] = {
            "file": new.name,
            "sha256": file_sha256(new),
            "licence": UNKNOWN_LICENCE,
            "licence_note": "added by `corpus manifest --update`: fill in source and licence",
        }
        changes.append(f"{new.name}: added as {section[:-1]} {new.stem!r} with licence {UNKNOWN_LICENCE!r}")
    _write(path, sections)
    return changes


def add_to_manifest(file: Path, path: Path, entry: dict[str, str | None], name: str | None = None) -> str:
    """Register ``file`` (copied into the seeds folder if it is elsewhere) as a document, or as
    a collection when it is ``.jsonl``; returns what was done."""
    seeds_dir = path.parent
    if not file.is_file():
        raise InputError(file, "file not found")
    target = seeds_dir / file.name
    copy = file.resolve() != target.resolve()
    if not copy:
        seed_file(seeds_dir, file.name, str(file))
    if copy and (target.exists() or target.is_symlink()):
        raise InputError(target, "a different file of this name is already in the seeds folder")
    section = "collections" if file.suffix == ".jsonl" else "documents"
    name = check_doc_id(file.stem if name is None else name, file if name is None else "--id")
    sections = _read(path)
    taken = {n for items in sections.values() for n in items}
    if name in taken:
        raise StageError(f"{path}: {name!r} is already listed (corpus remove it first, or pass --id)")
    sha256 = refuse_listed_content(file, path)
    if copy:  # only once everything is checked: a refused file leaves nothing behind
        shutil.copy2(file, target)
    fields = {k: v for k, v in entry.items() if v}
    sections[section][name] = {"file": target.name, "sha256": sha256, **fields}
    sections[section][name].setdefault("licence", UNKNOWN_LICENCE)
    _write(path, sections)
    return f"{target.name}: added as {section[:-1]} {name!r} (licence {sections[section][name]['licence']})"


def refuse_listed_content(file: Path, path: Path) -> str:
    """The file's sha256, unless a listed file has the same content (an error naming both)."""
    sha256 = file_sha256(file)
    for listed, item in ((n, i) for items in _read(path).values() for n, i in items.items()):
        if item.get("sha256") == sha256:
            raise InputError(file, f"same content as {path.parent / item['file']}, listed as {listed!r}; not added")
    return sha256


def remove_from_manifest(name: str, path: Path, delete_file: bool = True) -> str:
    """Unlist a document or collection (and delete its seed file unless told not to)."""
    sections = _read(path)
    for section, items in sections.items():
        if name in items:
            item = items.pop(name)
            _write(path, sections)
            if delete_file:
                (path.parent / item["file"]).unlink(missing_ok=True)
            return f"removed {section[:-1]} {name!r} ({item['file']}{'' if delete_file else ', file kept'})"
    raise StageError(f"{path}: nothing called {name!r} (documents and collections are listed there)")


def rename_in_manifest(old: str, new: str, path: Path) -> str:
    check_doc_id(new, "new name")
    sections = _read(path)
    if any(new in items for items in sections.values()):
        raise StageError(f"{path}: {new!r} is already listed")
    for section, items in sections.items():
        if old in items:
            sections[section] = {new if k == old else k: v for k, v in items.items()}
            _write(path, sections)
            return f"renamed {section[:-1]} {old!r} to {new!r}"
    raise StageError(f"{path}: nothing called {old!r}")


def check_manifest(seeds_dir: Path, path: Path = MANIFEST) -> list[str]:
    """Problems between the manifest and the seed files (empty when they agree)."""
    problems = []
    entries = load_manifest(path) + load_collections(path)
    for entry in entries:
        file = seeds_dir / entry.file
        if not file.exists():
            problems.append(f"{file}: listed in the manifest but missing")
        elif entry.sha256 != file_sha256(file):
            problems.append(f"{file}: sha256 differs from the manifest")
    listed = {e.file for e in entries}
    problems += [
        f"{p}: not in the manifest"
        for p in sorted(seeds_dir.iterdir())
        if p.suffix in SEED_SUFFIXES and p.name not in listed
    ]
    return problems


def listed_documents(path: Path = MANIFEST) -> set[str]:
    """The doc_ids the manifest lists, collections' lines included: what every output describes."""
    ids = {entry.doc_id for entry in load_manifest(path)}
    for collection in load_collections(path):
        file = path.parent / collection.file
        if file.exists():
            ids.update(collection_ids(file))
    return ids


def entry_fields(entry: ManifestEntry) -> dict[str, str | None]:
    return {k: v for k, v in asdict(entry).items() if k not in ("doc_id", "file", "sha256")}
