"""ALL-CAPS English sentences (headlines, captions) recased before the English tagger sees them.

spaCy's small English model reads case as evidence: on a sentence in capitals it finds half the
names it finds in the same sentence written normally, and many of those typed wrong (ORG for
everything; ``benchmarks/english_caps.py``). A sentence is recased only when nearly all its
words are in capitals, so normal text, acronyms included ("the UN and NATO"), is left alone.
Each word takes the most frequent of its spellings (lower, Capitalised, UPPER) in the English
vocabulary of the word2word de-en dictionary (ranked by frequency in OpenSubtitles, the same
installed wheel as the gloss translator): "THE" -> "the", "KOREA" -> "Korea", "USA" -> "USA".
A word the vocabulary lacks is likely a name: Capitalised, or kept in capitals when it is a
short all-letter word (an acronym: "DPRK"). A word often written Capitalised ("nations",
"council") is Capitalised beside a name ("United Nations"). Tokens are only recased, never changed otherwise,
so every annotation stays on the sentence's own tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

MIN_WORDS = 3  # fewer words in capitals ("UN", "NATO SUMMIT") are more often acronyms than shouting
CAPS_SHARE = 0.8  # share of a sentence's words (two letters or more) written in capitals
ACRONYM_LETTERS = 4  # an unknown word of up to 4 letters stays in capitals
NAME_PART_RATIO = 2.0  # "nations": Capitalised at most 2x rarer than lower case, so a name's part beside one


def is_all_caps(words: Sequence[str]) -> bool:
    """Whether a sentence is written in capitals (not just holding a few acronyms)."""
    lettered = [w for w in words if sum(c.isalpha() for c in w) >= 2]
    capitals = sum(1 for w in lettered if w.isupper())
    return capitals >= MIN_WORDS and capitals >= CAPS_SHARE * len(lettered)


class Truecaser:
    """Recases words by the frequency rank of their spellings in an English vocabulary."""

    def __init__(self, ranked_words: Sequence[str]) -> None:
        self.rank: dict[str, int] = {}
        for position, word in enumerate(ranked_words):
            self.rank.setdefault(word, position)

    def recase(self, words: Sequence[str]) -> list[str]:
        recased = self._by_frequency(words)
        named = [w[:1].isupper() and (k > 0 or not self._usually_lower(w)) for k, w in enumerate(recased)]
        for k, word in enumerate(recased):
            beside_name = (k > 0 and named[k - 1]) or (k + 1 < len(recased) and named[k + 1])
            if word.islower() and beside_name and self._name_part(word):
                recased[k], named[k] = word.capitalize(), True
        return recased

    def _usually_lower(self, word: str) -> bool:
        return self.rank.get(word.lower(), len(self.rank)) < self.rank.get(word, len(self.rank))

    def _name_part(self, word: str) -> bool:
        lower, capitalised = self.rank.get(word), self.rank.get(word.capitalize())
        return lower is not None and capitalised is not None and capitalised <= NAME_PART_RATIO * lower

    def _by_frequency(self, words: Sequence[str]) -> list[str]:
        recased = []
        for position, word in enumerate(words):
            spellings = [s for s in dict.fromkeys((word.lower(), word.capitalize(), word.upper())) if s in self.rank]
            if spellings:
                chosen = min(spellings, key=self.rank.__getitem__)
            elif not any(c.isalpha() for c in word):
                chosen = word
            elif word.isalpha() and len(word) <= ACRONYM_LETTERS:
                chosen = word.upper()
            else:
                chosen = word.capitalize()
            if position == 0 and chosen.islower():
                chosen = chosen.capitalize()
            recased.append(chosen)
        return recased

    def __call__(self, words: Sequence[str]) -> list[str]:
        """The words as they are, or recased when the sentence is in capitals."""
        return self.recase(words) if is_all_caps(words) else list(words)


@cache
def english_truecaser() -> Truecaser:
    """From the word2word dictionary's English vocabulary (its ids are frequency ranks)."""
    from pipelines.engines.translate.gloss import load_gloss_table

    table, _ = load_gloss_table()
    return Truecaser([table.y2word[k] for k in sorted(table.y2word)])


DESCRIPTION = "ALL-CAPS sentences recased by word2word English word frequencies"
