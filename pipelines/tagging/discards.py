"""PETRARCH's discard list: phrases whose sentence (``+``: whose story) is not event-coded.

PETRARCH codes news streams, so a sentence naming a past year ("the 1994 genocide") or a
sports phrase is about something other than today's interaction and gets no events; its
validation records were coded that way. The file format is Phoenix's ``*.discards.txt``: one
upper-case phrase per line, ``#`` comments, a ``+`` prefix for a story-level discard, a ``_``
suffix for "ends at a word boundary". As in PETRARCH-2, phrases match whole words of the
upper-cased sentence (here with punctuation stripped from each word's edges).

Off by default (``tag.cameo_discards: null``): the seed corpus is histories of relations,
whose events are the point.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipelines.core.errors import InputError
from pipelines.core.memo import file_cache
from pipelines.core.records import Sentence

NEWS_DISCARDS = Path(__file__).parent / "data" / "news.discards.txt"
EDGE_PUNCTUATION = "\"'`.,;:!?()[]{}«»„“”‘’"


@dataclass(frozen=True)
class Discard:
    phrase: str
    story: bool  # "+": the whole story (document) is not coded


def words(text: str) -> list[str]:
    return [w for raw in text.upper().split() if (w := raw.strip(EDGE_PUNCTUATION))]


class Discards:
    """The phrases of one discard file, indexed by their first word."""

    def __init__(self, entries: list[Discard]) -> None:
        self.by_first: dict[str, list[tuple[tuple[str, ...], Discard]]] = {}
        for entry in entries:
            key = tuple(entry.phrase.split())
            self.by_first.setdefault(key[0], []).append((key, entry))

    def match(self, text: str) -> Discard | None:
        """The discard a text names (a story-level one before a sentence-level one), or None."""
        found = None
        sentence = words(text)
        for k, word in enumerate(sentence):
            for key, entry in self.by_first.get(word, []):
                if tuple(sentence[k : k + len(key)]) == key and (found is None or entry.story > found.story):
                    found = entry
        return found


def parse_discards(text: str, where: str) -> Discards:
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        story = line.startswith("+")
        phrase = " ".join(words(line.lstrip("+").rstrip("_")))
        if not phrase:
            raise InputError(f"{where}:{number}", f"a discard line needs a phrase, got {raw!r}")
        entries.append(Discard(phrase, story))
    return Discards(entries)


@file_cache
def load_discards(path: Path | None) -> Discards | None:
    if path is None:
        return None
    if not Path(path).exists():
        raise InputError(path, "discard file not found (tag.cameo_discards)")
    return parse_discards(Path(path).read_text(encoding="utf-8"), str(path))


def discarded_sentences(sentences: list[Sentence], discards: Discards | None, also: dict[str, str]) -> dict[str, str]:
    """sent_id -> the phrase that discards it: a sentence whose text (or its text in ``also``, the
    English translation of a German sentence) names a phrase, and every sentence of a document
    where one sentence names a story-level ("+") phrase."""
    if discards is None:
        return {}
    found, stories = {}, {}
    for sentence in sentences:
        hit = discards.match(sentence.text) or discards.match(also.get(sentence.sent_id, ""))
        if hit is not None:
            found[sentence.sent_id] = hit.phrase
            if hit.story:
                stories.setdefault(sentence.doc_id, f"+{hit.phrase}")
    for sentence in sentences:
        if sentence.doc_id in stories:
            found[sentence.sent_id] = found.get(sentence.sent_id, stories[sentence.doc_id])
    return found
