"""Numbers as values, in the source's and the output's own conventions.

German writes ``12.345,67`` and English ``12,345.67``; comparing digit strings alone would take
``12.345.67`` (a broken output) for the right number. A token that is a well-formed number in
its language is compared by value; anything else (dates such as ``29.10.1960``, times,
malformed numbers) by its digit groups. A source *licenses* a value as digits, as a number word
(``zwei``, ``zweiten``, ``sechziger``) or scaled by a following ``Millionen``/``Tausend``.
"""

from __future__ import annotations

import re
from collections import Counter

NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
WORD = re.compile(r"[^\W\d_]+")
FORMATS = {  # (thousands separator, decimal mark)
    "de": (".", ","),
    "en": (",", "."),
}
GERMAN_UNITS = {
    "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10,
    "elf": 11, "zwölf": 12, "dreizehn": 13, "vierzehn": 14, "fünfzehn": 15, "sechzehn": 16, "siebzehn": 17,
    "achtzehn": 18, "neunzehn": 19, "zwanzig": 20, "dreißig": 30, "vierzig": 40, "fünfzig": 50,
    "sechzig": 60, "siebzig": 70, "achtzig": 80, "neunzig": 90, "hundert": 100, "tausend": 1000,
}  # fmt: skip
GERMAN_ORDINALS = {"erst": 1, "zweit": 2, "dritt": 3, "siebt": 7, "acht": 8}
GERMAN_SCALES = {"tausend": 1000, "million": 10**6, "millionen": 10**6, "milliarde": 10**9, "milliarden": 10**9}
ENGLISH_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
}  # fmt: skip
MONTHS = {  # a date's month may be written as a word on one side: 29.10.1960 -> 29 October 1960
    "de": ["januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober",
           "november", "dezember"],
    "en": ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"],
}  # fmt: skip
ENDINGS = ("", "e", "en", "er", "es", "em", "ten", "te", "ter", "tes", "tem", "sten", "ste", "ster", "mal")


def _value(token: str, lang: str) -> str | None:
    """The token's value as a plain decimal string when it is well formed in ``lang``, else None."""
    thousands, decimal = FORMATS.get(lang, FORMATS["en"])
    t, d = re.escape(thousands), re.escape(decimal)
    if re.fullmatch(rf"\d{{1,3}}(?:{t}\d{{3}})+(?:{d}\d+)?", token) or re.fullmatch(rf"\d+(?:{d}\d+)?", token):
        whole, _, fraction = token.replace(thousands, "").partition(decimal)
        whole = whole.lstrip("0") or "0"
        return f"{whole}.{fraction}" if fraction.strip("0") else whole
    return None


def numbers(text: str, lang: str) -> list[str]:
    """Each number token as its value, or as its digit groups when it is not a well-formed number."""
    found = []
    for token in NUMBER.findall(text):
        value = _value(token, lang)
        found += [value] if value is not None else [g.lstrip("0") or "0" for g in re.split(r"[.,]", token)]
    return found


def _german_word_value(word: str) -> int | None:
    word = word.lower()
    for stem, value in {**GERMAN_UNITS, **GERMAN_ORDINALS}.items():
        if word.startswith(stem) and word[len(stem) :] in ENDINGS:
            return value
    if word.endswith(("ziger", "ßiger")) and word[:-2] in GERMAN_UNITS:  # sechziger (Jahre): the 60s
        return GERMAN_UNITS[word[:-2]]
    return None


def licensed_values(source: str, lang: str) -> set[str]:
    """Every value the source states: digits, number words, their scaled forms and decade years."""
    values = set(numbers(source, lang))
    for token in NUMBER.findall(source):
        values.update(g.lstrip("0") or "0" for g in re.split(r"[.,]", token))
        values.add(re.sub(r"\D", "", token).lstrip("0") or "0")
    words = [w.lower() for w in WORD.findall(source)]
    months = MONTHS.get(lang, [])
    for word in words:
        value = _german_word_value(word) if lang == "de" else ENGLISH_WORDS.get(word)
        if value is not None:
            values.add(str(value))
        if word in months:
            values.add(str(months.index(word) + 1))
    for value in list(values):  # 3 Millionen -> 3000000; "sechziger Jahre" -> 1960
        if re.fullmatch(r"\d+(?:\.\d+)?", value):
            for scale in {GERMAN_SCALES[w] for w in words if w in GERMAN_SCALES}:
                values.add(_plain(float(value) * scale))
            if value.isdigit() and len(value) == 2 and value.endswith("0"):
                values.update({f"19{value}", f"20{value}"})
    return values


def _plain(number: float) -> str:
    return str(int(number)) if number == int(number) else repr(number)


def missing_numbers(source: str, output: str, source_lang: str = "de", target_lang: str = "en") -> list[str]:
    """Source numbers the output does not state (as a value, or as the same digit groups)."""
    have = Counter(numbers(output, target_lang))
    have.update(licensed_values(output, target_lang) - set(have))
    missing = []
    for token in NUMBER.findall(source):
        value = _value(token, source_lang)
        wanted = [value] if value is not None else numbers(token, source_lang)
        if all(have[w] > 0 for w in wanted):
            for w in wanted:
                have[w] -= 1
        else:
            missing.append(token)
    return missing


def added_numbers(source: str, output: str, source_lang: str = "de", target_lang: str = "en") -> list[str]:
    """Numbers of the output (digits or number words) that nothing in the source licenses."""
    licensed = licensed_values(source, source_lang)
    added = []
    for token in NUMBER.findall(output):
        value = _value(token, target_lang)
        wanted = [value] if value is not None else numbers(token, target_lang)
        if any(w not in licensed for w in wanted):
            added.append(token)
    for word in WORD.findall(output):
        value = ENGLISH_WORDS.get(word.lower()) if target_lang == "en" else None
        if value is not None and str(value) not in licensed:
            added.append(word)
    return list(dict.fromkeys(added))
