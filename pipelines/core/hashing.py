"""Content hashes and installed versions: what ids, cache keys and provenance are made of."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any


def text_hash(text: str, length: int = 8) -> str:
    """Short content hash used inside ids: same text, same id."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:length]


def content_key(*parts: Any) -> str:
    """A cache key over JSON-serialisable parts (model fingerprint, settings, text)."""
    material = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def package_version(distribution: str, missing: str | None = None) -> str | None:
    """Installed version of a distribution, for provenance; ``missing`` when not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return missing
