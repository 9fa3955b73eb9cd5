"""Word-level evidence about a translation: the source's names and numbers, which of them the
output lacks, and which names the output has that nothing in the source licenses.

German capitalises every noun, so HanTa's tags (NE) decide what a German name is. An English
output's names are its capitalised words that do not start a sentence; one is licensed when a
source word, a dictionary translation of a source word or of its lemma (Jugoslawien ->
Yugoslavia, kubanischen -> Cuban), a glossary form, or the initials of a source acronym
(US -> United States) spells it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import SequenceMatcher
from functools import cache
from itertools import pairwise

from pipelines.engines.text.hanta import hanover_tagger

WORD = re.compile(r"[^\W\d_][\w'’-]*")
NAME_PART = re.compile(r"[^\W\d_][\w'’]*")
MIN_CHARS_FOR_RATIO = 20  # a short line's length says little ("Ja." → "Yes.")
NAME_SIMILARITY = 0.6  # Havanna ~ Havana, Kubas ~ Cuba's, Pjöngjang ~ Pyongyang
EXONYM_SIMILARITY = 0.5  # as the gloss engine's close_match
SHORT_NAME = 5  # shorter names must appear as written (Kim is not him)
TRANSLATION_SIMILARITY = 0.85  # a dictionary word licenses a name only when spelled all but alike
DICTIONARY_CANDIDATES = 5
CONTENT_TAGS = frozenset({"NN", "ADJ(A)", "ADJ(D)", "VV(FIN)", "VV(PP)", "VV(INF)"})  # HanTa, taglevel 1
SENTENCE_END = re.compile(r"(?:^|[.!?:;…])[\s\"'“”„«»()\[\]–—-]*$")
POSSESSIVE = re.compile(r"['’]s?$")
ALWAYS_CAPITALISED = frozenset({"I", "I'm", "I've", "I'll", "I'd", "OK", "Mr", "Mrs", "Ms", "Dr", "St"})


def _german_tagger():
    return hanover_tagger()


def tagged(source: str, lang: str) -> list[tuple[str, str]]:
    """(word, tag) pairs: HanTa's STTS tags for German, else ``NE`` for a capitalised word that
    does not start the sentence and ``-`` for the rest."""
    analysed = _analysed(source, lang)
    if lang == "de":
        return [(word, tag) for word, _, tag in analysed]
    return [(word, "NE" if index and word[:1].isupper() else "-") for index, (word, _, _) in enumerate(analysed)]


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
    function_words = _function_words() if lang == "de" else set()
    found = []
    for index, (word, tag) in enumerate(pairs):
        beside = {pairs[j][1] for j in (index - 1, index + 1) if 0 <= j < len(pairs)}
        if word.lower() in function_words:  # "Die", "Am": never a name, whatever the tagger says
            continue
        if len(word) > 1 and (tag == "NE" or (tag == "NN" and "NE" in beside and translates_as_itself(word, lang))):
            found.append(word)
    return found


@cache
def _function_words() -> set[str]:
    from pipelines.engines.translate.gloss import load_function_words

    return {word.lower() for word in load_function_words()}


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
    from pipelines.engines.translate.gloss import load_gloss_table

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


def output_names(output: str) -> list[tuple[int, str]]:
    """(position, word) of the output's capitalised words that do not start a sentence."""
    found = []
    for match in NAME_PART.finditer(output):  # hyphen parts apart: Korea-Cuba is Korea and Cuba
        word = POSSESSIVE.sub("", match.group())
        if word[:1].isupper() and word not in ALWAYS_CAPITALISED and not SENTENCE_END.search(output[: match.start()]):
            found.append((match.start(), word))
    return found


def licensed_forms(source: str, lang: str, extra: Iterable[str] = ()) -> set[str]:
    """Lower-cased words the source licenses as English: its own words and their parts, the
    dictionary translations of each word and of its lemma, and the given forms' words."""
    own, translated = licensed_sources(source, lang, extra)
    return own | translated


def licensed_sources(source: str, lang: str, extra: Iterable[str] = ()) -> tuple[set[str], set[str]]:
    """(the source's own words, the words of their dictionary translations and of ``extra``)."""
    own, translated = set(), set()
    for word, lemma, _ in _analysed(source, lang):
        own.add(word.lower())
        for key in dict.fromkeys((word, lemma, word.capitalize(), lemma.capitalize())):
            translated.update(w.lower() for candidate in dictionary(key, lang) for w in WORD.findall(candidate))
    translated.update(w.lower() for form in extra for w in WORD.findall(form))
    return own, translated


def _translated_alike(form: str, word: str) -> bool:
    """A dictionary translation licenses a name spelled (almost) the same: Korean ~ Koreans, not grace ~ France."""
    if form == word:
        return True
    return len(form) >= SHORT_NAME and SequenceMatcher(None, form, word).ratio() >= TRANSLATION_SIMILARITY


def added_names(source: str, output: str, lang: str, extra: Iterable[str] = ()) -> list[str]:
    """Names in the output that nothing in the source licenses (Jugoslawien -> Serbia)."""
    own, translated = licensed_sources(source, lang, extra)
    acronyms = {p for w in WORD.findall(source) for p in w.split("-") if p.isupper() and len(p) > 1}
    found = output_names(output)
    runs: list[list[str]] = []  # consecutive capitalised words: United States ~ US
    for (start, word), previous in zip(found, [None, *found][: len(found)], strict=True):
        joined = previous is not None and output[previous[0] + len(previous[1]) : start].strip() in ("", "of")
        if joined and runs:
            runs[-1].append(word)
        else:
            runs.append([word])
    added = []
    for run in runs:
        if "".join(w[0] for w in run if w[0].isupper()) in acronyms:
            continue
        added += [
            word
            for word in run
            if not any(similar(form, word.lower()) for form in own)
            and not any(_translated_alike(form, word.lower()) for form in translated)
        ]
    return list(dict.fromkeys(added))


def _analysed(source: str, lang: str) -> list[tuple[str, str, str]]:
    """(word, lemma, tag) of every word and hyphen part (HanTa for German)."""
    words = [part for word in WORD.findall(source) for part in word.split("-") if part]
    if lang == "de" and words:
        return [(word, lemma, tag) for word, lemma, tag in _german_tagger().tag_sent(words, taglevel=1)]
    return [(word, word, "-") for word in words]


NEGATION_EN = frozenset({
    "not", "n't", "never", "no", "none", "nobody", "nothing", "neither", "nor", "without", "cannot", "denied",
    "refused", "prevented", "unable", "declined", "rejected", "abstained",
})  # fmt: skip
NEGATION_DE = re.compile(
    r"^(nicht|nichts|nie|niemals|niemand\w*|kein\w*|weder|ohne|verweiger\w*|verhinder\w*|abgelehnt|lehnt\w*"
    r"|un(?!ter|ser|s$|d$|d\w)\w{3,}|\w+los|\w+lose[nmrs]?)$",
    re.IGNORECASE,
)


def added_negation(source: str, output: str, lang: str) -> list[str]:
    """Negation in the output with none in the source ("who visited" -> "who were denied entry");
    a German word starting with un- counts as a negation, so "unabhängig" licenses "not"."""
    if lang != "de" or any(NEGATION_DE.match(w) for w in WORD.findall(source)):
        return []
    words = [w.lower() for w in re.findall(r"[\w']+", output)]
    return [w for w in dict.fromkeys(words) if w in NEGATION_EN or w.endswith("n't")]


RELATIONS = frozenset({
    "son", "sons", "daughter", "daughters", "brother", "brothers", "sister", "sisters", "father", "mother",
    "parents", "wife", "husband", "uncle", "aunt", "nephew", "niece", "cousin", "grandson", "granddaughter",
    "grandfather", "grandmother", "widow", "successor", "predecessor",
})  # fmt: skip


def added_relations(source: str, output: str, lang: str) -> list[str]:
    """Family and succession relations the source does not state ("Kim Jong Il" -> "his son Kim Jong Il")."""
    words = [w.lower() for w in WORD.findall(output)]
    found = [w for w in dict.fromkeys(words) if w in RELATIONS]
    if not found:
        return []
    forms = licensed_forms(source, lang)
    return [w for w in found if w not in forms and w.rstrip("s") not in forms]
