"""Checks every translation passes, whatever engine made it: numbers and names of the source
present in the output, a plausible length, and a quality estimate (the cosine of the
multilingual sentence embeddings of source and translation, as the align stage computes them).

A check that fails gives a reason in words; the translate stage retries (where the engine can)
and otherwise keeps the translation with ``flagged: true`` and its reasons, never silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cache
from itertools import pairwise

import numpy as np

from pipelines.core.settings import TranslateSettings
from pipelines.engines.embedders import CachedEmbedder, make_embedder

NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
WORD = re.compile(r"[^\W\d_][\w'’-]*")
MIN_CHARS_FOR_RATIO = 20  # a short line's length says little ("Ja." → "Yes.")
NAME_SIMILARITY = 0.6  # Havanna ~ Havana, Kubas ~ Cuba's, Pjöngjang ~ Pyongyang
EXONYM_SIMILARITY = 0.5  # as the gloss engine's close_match
SHORT_NAME = 5  # shorter names must appear as written (Kim is not him)
DICTIONARY_CANDIDATES = 5
CONTENT_TAGS = frozenset({"NN", "ADJ(A)", "ADJ(D)", "VV(FIN)", "VV(PP)", "VV(INF)"})  # HanTa, taglevel 1


@dataclass
class Verdict:
    quality: float | None
    flags: list[str] = field(default_factory=list)


def digits(text: str) -> list[str]:
    """Numbers as digit strings: 1.000 (de) and 1,000 (en) are both 1000; 29. is 29."""
    return [re.sub(r"\D", "", number) for number in NUMBER.findall(text)]


def missing_numbers(source: str, output: str) -> list[str]:
    have = digits(output)
    missing = []
    for number in digits(source):
        if number in have:
            have.remove(number)
        else:
            missing.append(number)
    return missing


@cache
def _german_tagger():
    from HanTa import HanoverTagger

    return HanoverTagger.HanoverTagger("morphmodel_ger.pgz")


def tagged(source: str, lang: str) -> list[tuple[str, str]]:
    """(word, tag) pairs: HanTa's STTS tags for German, else ``NE`` for a capitalised word that
    does not start the sentence and ``-`` for the rest."""
    words = [part for word in WORD.findall(source) for part in word.split("-") if part]
    if lang == "de" and words:
        return [(word, tag) for word, _, tag in _german_tagger().tag_sent(words, taglevel=1)]
    return [(word, "NE" if index and word[:1].isupper() else "-") for index, word in enumerate(words)]


def similar(name: str, word: str) -> bool:
    """Spelled alike: acronyms up to one letter (DVRK ~ DPRK), short names (Kim, Un) exactly,
    longer ones closely (Havanna ~ Havana)."""
    if name.isupper() and len(name) > 2:
        return len(word) == len(name) and sum(a != b for a, b in zip(name.lower(), word.lower(), strict=True)) <= 1
    if len(name) < SHORT_NAME:
        return name.lower() == word
    return SequenceMatcher(None, name.lower(), word).ratio() >= NAME_SIMILARITY


def spelled_alike(name: str, translation: str) -> bool:
    """A dictionary translation that is the name's own English spelling (Kuba, Cuba), not a gloss."""
    return SequenceMatcher(None, name.lower(), translation.lower()).ratio() >= EXONYM_SIMILARITY


def missing_names(source: str, output: str, lang: str) -> list[str]:
    """Proper nouns of the source (German capitalises every noun: HanTa's NE tags decide) with
    nothing spelled like them in the output."""
    words = [w.lower() for w in WORD.findall(output) for w in [w, *w.split("-")]]
    spans = words + [a + b for a, b in pairwise(words)]  # Nordkorea ~ north korea

    def present(name: str) -> bool:
        # as written, or as the dictionary's first translation (März -> March) or one spelled alike
        known = dictionary(name, lang)
        forms = [name] + [c for i, c in enumerate(known) if i == 0 or spelled_alike(name, c)]
        return any(similar(form, span) for form in forms for span in spans)

    return [name for name in dict.fromkeys(names(source, lang)) if not present(name)]


def names(source: str, lang: str) -> list[str]:
    """Words tagged NE, and nouns next to one that the dictionary translates as themselves (the
    tagger reads Kim of "Der Vorsitzende Kim Jong Un" as a noun; Präsident is not a name)."""
    pairs = tagged(source, lang)
    found = []
    for index, (word, tag) in enumerate(pairs):
        beside = {pairs[j][1] for j in (index - 1, index + 1) if 0 <= j < len(pairs)}
        if len(word) > 1 and (tag == "NE" or (tag == "NN" and "NE" in beside and translates_as_itself(word, lang))):
            found.append(word)
    return found


def translates_as_itself(word: str, lang: str) -> bool:
    return word.lower() in {c.lower() for c in dictionary(word, lang)}


def untranslated_words(source: str, output: str, lang: str) -> list[str]:
    """Common words of the source copied into the output (``kuban Vizepräsident``); a word the
    dictionary translates as itself (Revolution, Minister) is not one."""
    if lang != "de":
        return []
    copied = {w for w in WORD.findall(output) if len(w) >= 5}
    found = [
        word
        for word, tag in tagged(source, lang)
        if tag in CONTENT_TAGS and word in copied and not translates_as_itself(word, lang)
    ]
    return list(dict.fromkeys(found))


def dictionary(word: str, lang: str) -> list[str]:
    """The de-en dictionary's first translations of a German word (the gloss engine's table)."""
    if lang != "de":
        return []
    from pipelines.engines.gloss import load_gloss_table

    table, _ = load_gloss_table()
    return table.candidates(word)[:DICTIONARY_CANDIDATES]


def form_flags(source: str, output: str, ratio_range: tuple[float, float]) -> list[str]:
    """What is wrong with a translation's form, whatever it says."""
    if not output.strip():
        return ["empty"]
    flags = []
    if output.strip() == source.strip() and len(source) >= MIN_CHARS_FOR_RATIO:
        flags.append("untranslated (output equals source)")
    if output.count("\n") > source.count("\n"):
        flags.append("extra lines")
    if len(source) >= MIN_CHARS_FOR_RATIO:
        ratio = len(output) / len(source)
        low, high = ratio_range
        if not low <= ratio <= high:
            flags.append(f"length ratio {ratio:.2f} outside {low}-{high}")
    return flags


class TranslationChecker:
    """Numbers, names, form and the quality estimate, for a batch of (source, output) pairs."""

    def __init__(self, settings: TranslateSettings, threads: int = 1) -> None:
        self.settings = settings
        self.threads = threads
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

    def check(self, sources: list[str], outputs: list[str]) -> list[Verdict]:
        lang, settings = self.settings.source_lang, self.settings
        verdicts = []
        for source, output, quality in zip(sources, outputs, self.quality(sources, outputs), strict=True):
            flags = form_flags(source, output, settings.length_ratio)
            flags += [f"missing number {n}" for n in missing_numbers(source, output)]
            flags += [f"missing name {n}" for n in missing_names(source, output, lang)]
            flags += [f"untranslated {w}" for w in untranslated_words(source, output, lang)]
            if quality < settings.min_quality:
                flags.append(f"quality {quality:.2f} below {settings.min_quality}")
            verdicts.append(Verdict(quality, flags))
        return verdicts
