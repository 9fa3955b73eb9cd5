"""What the translate engine is asked for each sentence, and the bound on what one sentence costs.

A :class:`TranslationRequest` carries the sentence with its document's previous sentences
(``translate.context_sentences``), the glossary terms it contains (with the English form the
corpus uses), and the document's examples from the pool. A sentence longer than
``translate.max_source_chars`` is asked for in parts cut at clause boundaries (never silently
truncated); the parts' translations are joined in order.
"""

from __future__ import annotations

import re
from collections import defaultdict

from pipelines.core.records import Provenance, Sentence, Token, TranslationRequest
from pipelines.core.settings import TranslateSettings
from pipelines.engines.translate.example_pool import ExamplePool
from pipelines.engines.translate.glossary import Glossary

TOKEN = re.compile(r"\w+|[^\w\s]")
CLAUSE_BREAKS = (
    re.compile(r"(?<=[;:])\s+"),
    re.compile(r"(?<=,)\s+"),
    re.compile(r"\s+(?=[–—-]\s)"),
    re.compile(r"\s+"),
)


def clause_parts(text: str, max_chars: int) -> list[str]:
    """``text`` cut into pieces of at most ``max_chars``: at ``;``/``:``, then commas, then dashes,
    and only then between words; a single word longer than the limit stays whole."""
    if len(text) <= max_chars:
        return [text]
    for breaks in CLAUSE_BREAKS:
        pieces = [p for p in breaks.split(text) if p]
        if len(pieces) > 1:
            return _pack(pieces, max_chars, breaks)
    return [text]


def _pack(pieces: list[str], max_chars: int, breaks: re.Pattern[str]) -> list[str]:
    parts: list[str] = []
    for piece in pieces:
        if parts and len(parts[-1]) + 1 + len(piece) <= max_chars:
            parts[-1] = f"{parts[-1]} {piece}"
        else:
            parts.append(piece)
    return [q for part in parts for q in (clause_parts(part, max_chars) if len(part) > max_chars else [part])]


def line_sentence(number: int, text: str, lang: str) -> Sentence:
    """A line of a plain file as a sentence (regex tokens, for the engines that read tokens)."""
    tokens = [Token(start=m.start(), end=m.end(), text=m.group()) for m in TOKEN.finditer(text)]
    return Sentence(
        sent_id=f"line-{number}", doc_id="file", para_id="file", index=number, lang=lang, text=text,
        start=0, end=len(text), section=[], tokens=tokens, provenance=Provenance(engine="translate-file lines"),
    )  # fmt: skip


def part_sentence(sentence: Sentence, number: int, text: str) -> Sentence:
    """A part of a long sentence as a sentence of its own (regex tokens; the id says which part)."""
    tokens = [{"start": m.start(), "end": m.end(), "text": m.group()} for m in TOKEN.finditer(text)]
    update = {"sent_id": f"{sentence.sent_id}#part{number}", "text": text, "end": sentence.start + len(text)}
    return Sentence.model_validate({**sentence.model_dump(), **update, "tokens": tokens})


class RequestBuilder:
    """Builds each sentence's requests from its document, the glossary and the example pool."""

    def __init__(self, settings: TranslateSettings, glossary: Glossary, pool: ExamplePool | None) -> None:
        self.settings, self.glossary, self.pool = settings, glossary, pool

    def build(self, sentences: list[Sentence], prompted: bool) -> list[list[TranslationRequest]]:
        """One list of requests per sentence (one request, or one per part of a long sentence).
        ``prompted``: the engine reads context, terms and examples (the llm); else none are made."""
        documents: dict[str, list[Sentence]] = defaultdict(list)
        for sentence in sentences:
            documents[sentence.doc_id].append(sentence)
        examples: dict[str, list[tuple[str, str]]] = {}
        if prompted and self.pool is not None:
            count = self.settings.examples_per_document
            examples = {
                doc: self.pool.for_document([s.text for s in members], count) for doc, members in documents.items()
            }
        previous: dict[str, list[str]] = {}
        for members in documents.values():
            ordered = sorted(members, key=lambda s: s.index)
            for position, sentence in enumerate(ordered):
                start = max(0, position - self.settings.context_sentences)
                previous[sentence.sent_id] = [s.text for s in ordered[start:position]]
        requests = []
        for sentence in sentences:
            parts = clause_parts(sentence.text, self.settings.max_source_chars)
            pieces = [sentence] if len(parts) == 1 else [part_sentence(sentence, n, p) for n, p in enumerate(parts, 1)]
            requests.append(
                [
                    TranslationRequest(
                        sentence=piece,
                        context=previous[sentence.sent_id] if prompted and self.settings.context_sentences else [],
                        terms=[(t.german, t.english) for t in self.glossary.found_in(piece.text)] if prompted else [],
                        examples=examples.get(sentence.doc_id, []),
                    )
                    for piece in pieces
                ]
            )
        return requests
