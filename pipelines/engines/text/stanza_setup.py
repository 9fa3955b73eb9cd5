"""What every stanza pipeline of the project needs: a resources file and official-model lookup.

stanza always reads ``<dir>/resources.json``, even offline. Official models come with a
real one (``corpus models stanza``); otherwise :func:`stanza_stub_dir` writes a minimal one
that knows no official model, only the ``pretokenized`` tokenizer, so pipelines built on
it use local model files, processor variants or pretokenized input.
"""

from __future__ import annotations

import json
from pathlib import Path


def stanza_stub_dir(cache_dir: Path) -> Path:
    cache_dir.mkdir(parents=True, exist_ok=True)
    stub = {
        lang: {"lang_name": name, "packages": {"default": {}}, "tokenize": {"pretokenized": {}}}
        for lang, name in (("de", "German"), ("en", "English"))
    }
    (cache_dir / "resources.json").write_text(json.dumps(stub), encoding="utf-8")
    return cache_dir


def default_processors(stanza_dir: Path, lang: str) -> dict[str, str] | None:
    """The official default package per processor for ``lang``, when official resources exist."""
    resources = stanza_dir / "resources.json"
    if not resources.exists():
        return None
    try:
        return json.loads(resources.read_text())[lang]["default_processors"]
    except (KeyError, ValueError):
        return None
