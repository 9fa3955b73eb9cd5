"""Few-shot examples for the llm, drawn per document from a pool of human translations.

Fixed examples leak: v1's "Der Präsident besuchte 1986 Havanna." put "in 1986" into outputs. Here
the pool is public parallel text (``translate.example_pool_de``/``_en``, e.g. Tatoeba, CC BY 2.0
FR, read where it lies and never copied) plus the annotators' post-edits, and each document gets
the ``examples_per_document`` pairs closest to its mean sentence embedding. Pairs with digits
are left out (a number is the easiest thing to copy), and the ``example_leak`` check looks for
what is copied anyway. Per document, not per sentence: the examples are then one static prompt
that CTranslate2 computes once for all of the document's sentences.

Cosines are rounded before ranking, so BLAS differences between CPUs cannot change the choice.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from pipelines.core.errors import InputError, warn
from pipelines.core.settings import TranslateSettings
from pipelines.engines.vectors.embedders import CachedEmbedder

DIGIT = re.compile(r"\d")
MAX_EXAMPLE_CHARS = 300


def read_pairs(german: Path, english: Path, skip: int = 0) -> list[tuple[str, str]]:
    """Line i of one file with line i of the other, after the first ``skip`` lines."""
    try:
        left = german.read_text(encoding="utf-8").splitlines()
        right = english.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(german, f"cannot read the example pool ({error})") from None
    if len(left) != len(right):
        raise InputError(german, f"{len(left)} lines, but {english} has {len(right)}: not a parallel pair of files")
    return list(zip(left, right, strict=True))[skip:]


def usable(pair: tuple[str, str]) -> bool:
    german, english = pair
    return (
        bool(german.strip() and english.strip())
        and not DIGIT.search(german + english)
        and (len(german) <= MAX_EXAMPLE_CHARS)
    )


class ExamplePool:
    """Pairs and their source-side embeddings; ``for_document`` picks the closest."""

    def __init__(self, pairs: list[tuple[str, str]], embedder: CachedEmbedder, name: str) -> None:
        self.pairs = [p for p in dict.fromkeys(pairs) if usable(p)]
        self.embedder = embedder
        self.name = name
        self._vectors: np.ndarray | None = None

    @classmethod
    def load(
        cls, settings: TranslateSettings, embedder: CachedEmbedder, extra: list[tuple[str, str]] | None = None
    ) -> ExamplePool | None:
        """The configured pool plus ``extra`` pairs (post-edits, first); None when there is none."""
        pairs = list(extra or [])
        names = ["post-edits"] if pairs else []
        german, english = settings.example_pool_de, settings.example_pool_en
        if german and english:
            if german.exists() and english.exists():
                pairs += read_pairs(german, english, settings.example_pool_skip)
                names.append(f"{german.parent.name} (after line {settings.example_pool_skip})")
            else:
                warn(f"translate.example_pool: {german} is missing; the llm translates without examples")
        if not pairs or settings.examples_per_document <= 0:
            return None
        return cls(pairs, embedder, " + ".join(names))

    @property
    def vectors(self) -> np.ndarray:
        if self._vectors is None:
            self._vectors = self.embedder.embed([german for german, _ in self.pairs])
        return self._vectors

    def for_document(self, texts: list[str], count: int) -> list[tuple[str, str]]:
        """The ``count`` pairs closest to the texts' mean embedding, the closest last (nearest the
        sentence in the prompt); none shares a source sentence with the texts."""
        if not texts or not self.pairs:
            return []
        centre = self.embedder.embed(texts).mean(axis=0)
        scores = np.round(self.vectors @ centre, 4)
        own = set(texts)
        order = sorted(range(len(self.pairs)), key=lambda i: (-scores[i], i))
        chosen = [self.pairs[i] for i in order if self.pairs[i][0] not in own][:count]
        return chosen[::-1]
