"""The corpus's own terminology: German terms with the English forms the corpus uses.

Terms come from the shipped table (states, acronyms, exonyms: DVRK, Kuba, Jugoslawien) and a
user file (``translate.glossary_file``, same format, later entries win). Of a term's accepted
English forms, the one the corpus's English documents use most is the one asked for, so a
translation says "North Korea" where the English pages do. The translate engine is given the
terms of each sentence, and the ``glossary`` check looks for one of the accepted forms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pipelines.core.errors import InputError

BUILT_IN = Path(__file__).parent / "data" / "glossary.de-en.tsv"
INFLECTIONS = ("", "s", "es", "n", "ns", "r", "m")  # Kubas, Genossen, Vorsitzender: German case endings
WORD = re.compile(r"[^\W_][\w.'’]*")


@dataclass(frozen=True)
class Term:
    german: str
    english: str  # the form asked for
    accepted: tuple[str, ...]  # every form that counts as the term's translation (english first)


def read_terms(path: Path) -> list[Term]:
    """``german<TAB>english[<TAB>other|forms]`` lines; ``#`` comments; a bad line is named."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(path, f"cannot read the glossary as UTF-8 text ({error})") from None
    terms = []
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split("\t")]
        if len(fields) not in (2, 3) or not all(fields[:2]):
            raise InputError(f"{path}:{number}", "expected 'German term<TAB>English term[<TAB>other|forms]'")
        others = tuple(f for f in (fields[2].split("|") if len(fields) == 3 else []) if f)
        terms.append(Term(fields[0], fields[1], (fields[1], *others)))
    return terms


def _words(text: str) -> list[str]:
    return [part for word in WORD.findall(text) for part in word.strip(".").split("-") if part]


class Glossary:
    """Terms by their German words; ``prefer`` picks each term's form from the corpus's English."""

    def __init__(self, terms: Iterable[Term]) -> None:
        self.terms = {term.german: term for term in terms}  # a user's entry replaces a built-in one
        self.order = {german: rank for rank, german in enumerate(self.terms)}
        self.by_first: dict[str, list[Term]] = {}  # first German word -> terms: one look-up per word
        for term in self.terms.values():
            self.by_first.setdefault(term.german.split()[0], []).append(term)

    @classmethod
    def load(cls, user_file: Path | None) -> Glossary:
        return cls([*read_terms(BUILT_IN), *(read_terms(user_file) if user_file else [])])

    def prefer(self, english_texts: Iterable[str]) -> Glossary:
        """Each term asks for the accepted form the corpus's English uses most (ties: as listed)."""
        text = " ".join(english_texts)
        if not text:
            return self

        def uses(form: str) -> int:
            return len(re.findall(rf"(?<!\w){re.escape(form)}(?!\w)", text))

        chosen = []
        for term in self.terms.values():
            best = max(term.accepted, key=lambda form: (uses(form), -term.accepted.index(form)))
            chosen.append(Term(term.german, best, term.accepted))
        return Glossary(chosen)

    def found_in(self, source: str) -> list[Term]:
        """The terms a source sentence contains (as a whole word or hyphen part, with case endings)."""
        words = _words(source)
        found: dict[str, Term] = {}
        for start, word in enumerate(words):
            stems = {word[: len(word) - len(end)] for end in INFLECTIONS if word.endswith(end)}
            for term in (t for stem in stems | {word} for t in self.by_first.get(stem, [])):
                parts = term.german.split()
                window = words[start : start + len(parts)]
                last = window[-1] if len(window) == len(parts) else ""
                if window[:-1] == parts[:-1] and any(last == parts[-1] + end for end in INFLECTIONS):
                    found.setdefault(term.german, term)
        return sorted(found.values(), key=lambda term: self.order[term.german])  # in the table's order


def repair(output: str, terms: Iterable[Term]) -> str:
    """Replace a German term the output copied verbatim ("The DVRK", "Kubas") by its English form:
    a copied German term is never right in English, and the model may not have been asked for it
    (argos, a retry without terms). A term spelled the same in English (USA, Seoul) is left alone."""
    for term in sorted(terms, key=lambda t: -len(t.german)):
        if term.german.lower() in {form.lower() for form in term.accepted}:
            continue
        endings = "|".join(re.escape(e) for e in INFLECTIONS if e)
        pattern = rf"(?<![\w-]){re.escape(term.german)}(?:{endings})?(?![\w])"
        output = re.sub(pattern, term.english, output)
    return output


def term_used(term: Term, output: str) -> bool:
    lowered = output.lower()
    return any(re.search(rf"(?<!\w){re.escape(form.lower())}", lowered) for form in term.accepted)
