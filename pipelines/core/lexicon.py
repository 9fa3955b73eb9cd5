"""Shared word lists (``core/data/lexicon.yaml``): months, abbreviations, name nouns."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data"


@cache
def lexicon() -> dict[str, dict[str, list[str]]]:
    return yaml.safe_load((DATA / "lexicon.yaml").read_text(encoding="utf-8"))


def words(name: str, lang: str) -> list[str]:
    """One word list for one language; empty when the lexicon has none for it."""
    return list(lexicon()[name].get(lang, []))
