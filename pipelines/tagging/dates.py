"""Date mentions: German date spans and ISO normalisation with granularity."""

from __future__ import annotations

import re

from pipelines.core.lexicon import words
from pipelines.core.records import Sentence

_GERMAN_MONTHS = "|".join(words("months", "de"))
GERMAN_DATE = re.compile(
    rf"\b(?:\d{{1,2}}\.\s*(?:{_GERMAN_MONTHS})\s+\d{{4}}|(?:{_GERMAN_MONTHS})\s+\d{{4}}|(?:1[5-9]|20)\d\d)\b(?!\s*Jahre)"
)


def normalise_date(text: str, lang: str) -> tuple[str | None, str | None]:
    """ISO date with granularity: '12 July 1949' -> 1949-07-12/day, 'Dezember 1960' -> 1960-12/month."""
    months = {name.lower(): k + 1 for k, name in enumerate(words("months", lang))}
    tokens = re.findall(r"\d+|[A-Za-zÄÖÜäöüß]+", text)
    year = next((int(w) for w in tokens if w.isdigit() and len(w) == 4), None)
    if year is None:
        return None, None
    month = next((months[w.lower()] for w in tokens if w.lower() in months), None)
    day = next((int(w) for w in tokens if w.isdigit() and len(w) <= 2 and 1 <= int(w) <= 31), None)
    if re.search(rf"{year}s\b", text):
        return f"{year:04d}", "decade"
    if month and day:
        return f"{year:04d}-{month:02d}-{day:02d}", "day"
    if month:
        return f"{year:04d}-{month:02d}", "month"
    return f"{year:04d}", "year"


def german_dates(sentence: Sentence, taken: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Date spans in a German sentence that do not overlap the spans already ``taken``."""
    spans = []
    for match in GERMAN_DATE.finditer(sentence.text):
        start, end = match.span()
        if not any(start < b and a < end for a, b in taken):
            spans.append((start, end, match.group()))
    return spans
