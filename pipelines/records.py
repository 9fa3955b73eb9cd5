"""The records every stage reads and writes.

One module owns the shapes so that ids, character offsets and provenance mean the same
thing everywhere. Offsets are Python ``str`` indices (code points), the unit Label Studio
and ``datasets`` use too. Every record written to ``corpus/`` is validated on read, and a
bad line is reported with its file and line number.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

SCHEMA_VERSION = 1


class RecordError(ValueError):
    """A record file that does not match its schema; the message names file and line."""


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


def text_hash(text: str, length: int = 8) -> str:
    """Short content hash used inside ids: same text, same id."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:length]


def package_version(distribution: str, missing: str | None = None) -> str | None:
    """Installed version of a distribution, for provenance; ``missing`` when not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return missing


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Provenance(Record):
    """Which engine and model produced a field.

    ``substitute_for`` is set when an offline stand-in produced the field instead of the
    engine the stage is designed around (e.g. a dictionary gloss instead of argos MT), so
    no consumer mistakes one for the other.
    """

    engine: str
    model: str | None = None
    version: str | None = None
    model_sha256: str | None = None
    substitute_for: str | None = None
    postprocess: str | None = None


class Span(Record):
    """A character span; ``start``/``end`` index the text of the record that holds it."""

    start: int
    end: int
    text: str

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"span offsets out of order: {self.start}..{self.end}")
        if self.end - self.start != len(self.text):
            raise ValueError(
                f"span {self.start}..{self.end} has length {self.end - self.start} "
                f"but its text {self.text!r} has length {len(self.text)}"
            )
        return self


ParagraphKind = Literal["text", "list_item", "infobox", "heading", "title"]


class Paragraph(Span):
    """A line-level block of a document; offsets index ``Document.text``."""

    para_id: str
    index: int
    kind: ParagraphKind
    section: list[str]
    navigation: bool = False


class Document(Record):
    schema_version: int = SCHEMA_VERSION
    doc_id: str
    file: str
    sha256: str
    lang: str
    lang_confidence: float
    lang_provenance: Provenance
    title: str | None
    text: str
    paragraphs: list[Paragraph]
    infobox: dict[str, str]
    see_also: list[str]
    source: str | None = None
    url: str | None = None
    licence: str
    licence_note: str | None = None

    @model_validator(mode="after")
    def _offsets_match(self) -> Document:
        for para in self.paragraphs:
            if self.text[para.start : para.end] != para.text:
                raise ValueError(f"paragraph {para.para_id} offsets do not match the document text")
        return self

    def sentence_paragraphs(self) -> list[Paragraph]:
        """Paragraphs whose text goes on to sentence segmentation."""
        return [p for p in self.paragraphs if p.kind == "text" and not p.navigation]


class Token(Span):
    """A token; offsets index ``Sentence.text``."""


class Sentence(Record):
    schema_version: int = SCHEMA_VERSION
    sent_id: str
    doc_id: str
    para_id: str
    index: int
    lang: str
    text: str
    start: int
    end: int
    section: list[str]
    tokens: list[Token]
    provenance: Provenance

    @model_validator(mode="after")
    def _tokens_match(self) -> Sentence:
        for token in self.tokens:
            if self.text[token.start : token.end] != token.text:
                raise ValueError(f"token {token.text!r} offsets do not match the sentence text")
        return self


def sentence_id(doc_id: str, para_index: int, index_in_para: int, text: str) -> str:
    """Stable id: a re-run that leaves a sentence (and its place) unchanged keeps its id."""
    return f"{doc_id}-p{para_index:03d}-s{index_in_para:02d}-{text_hash(text)}"


R = TypeVar("R", bound=BaseModel)


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "record"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def parse_record(model: type[R], line: str, where: str) -> R:
    try:
        return model.model_validate_json(line)
    except ValidationError as error:
        raise RecordError(f"{where}: not a valid {model.__name__}: {_describe(error)}") from None


def read_jsonl(path: Path, model: type[R]) -> Iterator[R]:
    """Yield validated records; the first bad line raises ``RecordError`` naming it."""
    path = Path(path)
    if not path.exists():
        raise RecordError(f"{path}: missing (run the stage that produces it first)")
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield parse_record(model, line, f"{path}:{number}")


def read_json(path: Path, model: type[R]) -> R:
    path = Path(path)
    if not path.exists():
        raise RecordError(f"{path}: missing (run the stage that produces it first)")
    return parse_record(model, path.read_text(encoding="utf-8"), str(path))


def _atomic_write(path: Path, write) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            write(handle)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would make outputs private
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_jsonl(path: Path, records: Iterable[BaseModel | dict]) -> int:
    """Write all records or nothing: a failure leaves the previous file in place."""
    count = 0

    def write(handle) -> None:
        nonlocal count
        for record in records:
            if isinstance(record, BaseModel):
                handle.write(record.model_dump_json())
            else:
                handle.write(json.dumps(record, ensure_ascii=False))
            handle.write("\n")
            count += 1

    _atomic_write(path, write)
    return count


def write_json(path: Path, payload: BaseModel | dict | list) -> None:
    def write(handle) -> None:
        if isinstance(payload, BaseModel):
            handle.write(payload.model_dump_json(indent=1))
        else:
            json.dump(payload, handle, ensure_ascii=False, indent=1)
        handle.write("\n")

    _atomic_write(path, write)
