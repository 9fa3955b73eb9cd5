"""Checks every translation passes, whatever engine made it: each a small named class over one
:class:`Item`, picked by name from :data:`CHECKS` (``translate.checks``), as OpusFilter keeps its
filters. They look both ways: what the output drops (numbers, names, glossary terms) and what it
adds (numbers and names the source does not license, text copied from the prompt's examples),
plus its form and a quality estimate (the cosine of the multilingual sentence embeddings of
source and output, as the align stage computes them).

A failing check gives reasons in words. The translate stage owns what follows (one place):
retry where the engine can, keep the better attempt, and reject the output of a check named in
``translate.reject_on``. Each check's false-flag rate on human translations is in
``benchmarks/README.md`` (``benchmarks/translation_checks.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from pipelines.core.settings import TranslateSettings
from pipelines.engines.translate import translation_evidence as evidence
from pipelines.engines.translate.glossary import Term, term_used
from pipelines.engines.translate.translation_numbers import added_numbers, missing_numbers
from pipelines.engines.vectors.embedders import CachedEmbedder, make_embedder

LEAK_NGRAM = 3  # words in a row shared with an example's English side
LEAK_WORD = 4  # ... of which one, this long or longer, the source does not license


@dataclass(frozen=True)
class Item:
    """One translation to check, with what its prompt held (terms asked for, examples shown)."""

    source: str
    output: str
    quality: float
    terms: tuple[Term, ...] = ()
    examples: tuple[tuple[str, str], ...] = ()


@dataclass
class Verdict:
    quality: float | None
    flags: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # names of the checks behind the flags


class Check:
    """A named check; its constructor reads only the settings it needs."""

    name: ClassVar[str]

    def __init__(self, settings: TranslateSettings) -> None:
        self.source_lang, self.target_lang = settings.source_lang, settings.target_lang

    def __call__(self, item: Item) -> list[str]:
        raise NotImplementedError


CHECKS: dict[str, type[Check]] = {}


def register(cls: type[Check]) -> type[Check]:
    CHECKS[cls.name] = cls
    return cls


@register
class Form(Check):
    """Empty, copied source, extra lines, or a length ratio outside ``translate.length_ratio``."""

    name = "form"

    def __init__(self, settings: TranslateSettings) -> None:
        super().__init__(settings)
        self.length_ratio = settings.length_ratio

    def __call__(self, item: Item) -> list[str]:
        return evidence.form_flags(item.source, item.output, self.length_ratio)


@register
class MissingNumbers(Check):
    name = "missing_numbers"

    def __call__(self, item: Item) -> list[str]:
        found = missing_numbers(item.source, item.output, self.source_lang, self.target_lang)
        return [f"missing number {n}" for n in found]


@register
class AddedNumbers(Check):
    """A number or year (digits or number word) that the source does not state: "in 1986"."""

    name = "added_numbers"

    def __call__(self, item: Item) -> list[str]:
        found = added_numbers(item.source, item.output, self.source_lang, self.target_lang)
        return [f"added number {n}" for n in found]


@register
class MissingNames(Check):
    name = "missing_names"

    def __call__(self, item: Item) -> list[str]:
        covered = {w for t in item.terms if term_used(t, item.output) for w in evidence.WORD.findall(t.german)}
        found = evidence.missing_names(item.source, item.output, self.source_lang)
        return [f"missing name {n}" for n in found if n not in covered]


@register
class AddedNames(Check):
    """A name the source does not license, after exonyms and the glossary: Jugoslawien -> Serbia."""

    name = "added_names"

    def __call__(self, item: Item) -> list[str]:
        forms = [form for term in item.terms for form in term.accepted]
        return [f"added name {n}" for n in evidence.added_names(item.source, item.output, self.source_lang, forms)]


@register
class AddedNegation(Check):
    """A negation with none in the source: "die der DVRK einen Besuch abstatteten" -> "who were denied entry"."""

    name = "added_negation"

    def __call__(self, item: Item) -> list[str]:
        return [f"added negation {w}" for w in evidence.added_negation(item.source, item.output, self.source_lang)]


@register
class AddedRelations(Check):
    """A family or succession relation the source does not state: "Kim Jong Il" -> "his son Kim Jong Il"."""

    name = "added_relations"

    def __call__(self, item: Item) -> list[str]:
        return [f"added relation {w}" for w in evidence.added_relations(item.source, item.output, self.source_lang)]


@register
class Untranslated(Check):
    name = "untranslated"

    def __call__(self, item: Item) -> list[str]:
        return [f"untranslated {w}" for w in evidence.untranslated_words(item.source, item.output, self.source_lang)]


@register
class GlossaryTerms(Check):
    """A glossary term of the source whose English form the output does not use (DVRK stays DVRK)."""

    name = "glossary"

    def __call__(self, item: Item) -> list[str]:
        return [f"glossary {t.german} -> {t.english} not used" for t in item.terms if not term_used(t, item.output)]


@register
class ExampleLeak(Check):
    """Words copied from a prompt example's English side that the source does not license."""

    name = "example_leak"

    def __call__(self, item: Item) -> list[str]:
        if not item.examples:
            return []
        words = [w.lower() for w in evidence.WORD.findall(item.output)]
        grams = {tuple(words[i : i + LEAK_NGRAM]) for i in range(len(words) - LEAK_NGRAM + 1)}
        forms: set[str] | None = None
        for _, english in item.examples:
            theirs = [w.lower() for w in evidence.WORD.findall(english)]
            for i in range(len(theirs) - LEAK_NGRAM + 1):
                gram = tuple(theirs[i : i + LEAK_NGRAM])
                if gram in grams:
                    forms = forms if forms is not None else evidence.licensed_forms(item.source, self.source_lang)
                    if any(len(w) >= LEAK_WORD and not any(evidence.similar(f, w) for f in forms) for w in gram):
                        return [f"copied from a prompt example: {' '.join(gram)}"]
        return []


@register
class Quality(Check):
    name = "quality"

    def __init__(self, settings: TranslateSettings) -> None:
        super().__init__(settings)
        self.min_quality = settings.min_quality

    def __call__(self, item: Item) -> list[str]:
        return [f"quality {item.quality:.2f} below {self.min_quality}"] if item.quality < self.min_quality else []


def check_names(names: list[str]) -> list[str]:
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        raise ValueError(f"unknown translation checks {unknown}; known: {sorted(CHECKS)}")
    return names


class TranslationChecker:
    """The configured checks and the quality estimate, for a batch of items."""

    def __init__(self, settings: TranslateSettings, threads: int = 1) -> None:
        self.settings = settings
        self.threads = threads
        self.checks = [CHECKS[name](settings) for name in check_names(list(settings.checks))]
        self._embedder: CachedEmbedder | None = None

    @property
    def embedder(self) -> CachedEmbedder:
        if self._embedder is None:
            inner = make_embedder(self.settings.quality_embedder, self.threads)
            self._embedder = CachedEmbedder(inner, self.settings.quality_cache_path)
        return self._embedder

    def quality(self, sources: list[str], outputs: list[str]) -> list[float]:
        if not sources:
            return []
        left, right = self.embedder.embed(sources), self.embedder.embed([o or " " for o in outputs])
        return [round(float(value), 4) for value in np.sum(left * right, axis=1)]

    def check(
        self,
        sources: list[str],
        outputs: list[str],
        terms: list[tuple[Term, ...]] | None = None,
        examples: list[tuple[tuple[str, str], ...]] | None = None,
    ) -> list[Verdict]:
        terms = terms or [()] * len(sources)
        examples = examples or [()] * len(sources)
        verdicts = []
        scores = self.quality(sources, outputs)
        for source, output, quality, t, e in zip(sources, outputs, scores, terms, examples, strict=True):
            item = Item(source, output, quality, t, e)
            verdict = Verdict(quality)
            for check in self.checks:
                flags = check(item)
                if flags:
                    verdict.flags += flags
                    verdict.failed.append(check.name)
            verdicts.append(verdict)
        return verdicts
