"""Validated reads and atomic writes of record files.

Every record read from ``corpus/`` is validated, and a bad line is reported with its file
and line number. Every write goes to a temporary file that replaces the target only when
complete, so a failing stage leaves the previous output in place.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TypeVar

from pydantic import BaseModel, ValidationError

from pipelines.core.errors import RecordError

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


def atomic_write(path: Path, write: Callable[[IO[str]], None]) -> None:
    """Call ``write`` on a temporary file next to ``path``, then rename it into place."""
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


def write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda handle: handle.write(text))


def write_jsonl(path: Path, records: Iterable[BaseModel | dict]) -> int:
    """Write all records or nothing: a failure leaves the previous file in place."""
    count = 0

    def write(handle: IO[str]) -> None:
        nonlocal count
        for record in records:
            if isinstance(record, BaseModel):
                handle.write(record.model_dump_json())
            else:
                handle.write(json.dumps(record, ensure_ascii=False))
            handle.write("\n")
            count += 1

    atomic_write(path, write)
    return count


def write_json(path: Path, payload: BaseModel | dict | list) -> None:
    def write(handle: IO[str]) -> None:
        if isinstance(payload, BaseModel):
            handle.write(payload.model_dump_json(indent=1))
        else:
            json.dump(payload, handle, ensure_ascii=False, indent=1)
        handle.write("\n")

    atomic_write(path, write)
