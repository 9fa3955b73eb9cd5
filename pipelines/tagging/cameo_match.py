"""Matching CAMEO verb patterns against a dependency parse (the PETRARCH idea, simplified).

For each verb of a sentence that the dictionary knows (by lemma, or irregular form, with its
particle when the entry has one), the patterns of its block are tried within the verb's
subtree: the words after ``*`` must follow the verb in order (gaps allowed), the words
before it must precede it; a passive verb's subject counts as following it, and a word inside
a prepositional phrase matches only after its preposition. The longest matching pattern
gives the code; without one the verb's or block's default code applies; ``---`` means the
verb is no event here. A verb under an ``xcomp`` of a coded verb ("refused *to meet*") is
left to that verb's patterns (``spoken_for``) unless a frame of ``modality`` reads it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.core.lexicon import words
from pipelines.engines.ner.tagger import Analysis
from pipelines.tagging.cameo import NO_EVENT, Pattern, VerbDictionary, Word
from pipelines.tagging.dependency import children, subtree

NEGATIONS = {"not", "n't", "never", "no"}
MODIFIERS = {"acl", "amod"}  # "officials accused of ...": a participle describing a noun, not an event
# the lexicon's months, days and parts of a day; not "may": a modal, and a name ("met May")
TIME_WORDS = {m.lower() for m in words("months", "en")} - {"may"} | {
    *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    *("morning", "afternoon", "evening", "night", "weekend", "today", "tonight"),
}
EMBEDDED = {"ccomp", "advcl", "relcl", "acl", "parataxis", "conj", "csubj", "ccomp:obj"}


@dataclass(frozen=True)
class VerbCoding:
    verb: int  # token index of the verb
    code: str
    block: str
    pattern: str | None  # the dictionary line that matched; None: the verb's default code
    negated: bool
    reverse: bool = False  # an act towards the verb's subject ("faces pressure from", "received aid")


def _forms(analysis: Analysis) -> list[tuple[str, str]]:
    return [(t.text.upper(), lemma.upper()) for t, lemma in zip(analysis.sentence.tokens, analysis.lemmas, strict=True)]


def _word_matches(word: str, form: tuple[str, str]) -> bool:
    text, lemma = form
    return lemma == word or text == word or (len(word) > 3 and text.startswith(word))


def _match_at(element: Word, forms: list[tuple[str, str]], position: int) -> int:
    """Length of the first option of ``element`` that matches at ``position`` (0: none)."""
    for option in element.options:
        end = position + len(option)
        if end <= len(forms) and all(_word_matches(w, forms[position + i]) for i, w in enumerate(option)):
            return len(option)
    return 0


def _sequence(
    elements: tuple[Word, ...], forms: list[tuple[str, str]], positions: list[int], owners: dict[int, int] | None = None
) -> bool:
    """All ``elements`` in order at increasing ``positions`` (gaps allowed).

    ``owners`` maps a token inside a prepositional phrase to its preposition: such a token
    matches only once the pattern has matched that preposition ("- * (IN FIREFIGHT)"), so a
    pattern's object is not found deep inside an unrelated phrase ("made remarks at the start
    of a trip" is no "- * TRIP").
    """
    owners = owners or {}
    matched: set[int] = set()
    at = 0
    for element in elements:
        while at < len(positions) and not (
            _match_at(element, forms, positions[at]) and owners.get(positions[at], -1) in (-1, *matched)
        ):
            at += 1
        if at == len(positions):
            return False
        length = _match_at(element, forms, positions[at])
        matched.update(positions[at : at + length])
        at += length
    return True


def _preposition_owners(analysis: Analysis, verb: int, scope: list[int]) -> dict[int, int]:
    """Token -> the nearest preposition above it (below the verb), for tokens inside a PP."""
    owners = {}
    for k in scope:
        node = analysis.heads[k]
        while node >= 0 and node != verb:
            if analysis.deprels[node] in ("prep", "agent", "dative") and analysis.upos[node] == "ADP":
                owners[k] = node
                break
            node = analysis.heads[node]
    return owners


def describes_noun(analysis: Analysis, index: int) -> bool:
    """A participle describing a noun ("officials *accused* of ..."), not an infinitive ("a
    proposal *to sign*", see ``unrealised``): no event of its own."""
    return analysis.deprels[index] in MODIFIERS and not unrealised(analysis, index)


def unrealised(analysis: Analysis, index: int) -> bool:
    """An infinitive describing a noun ("a proposal *to sign*", "his intention *to establish*"):
    an act only planned, which a frame may code ("rejected a proposal to sign"), else no event."""
    infinitive = any(analysis.lemmas[k].lower() == "to" for k in children(analysis, index))
    return analysis.deprels[index] in MODIFIERS and infinitive


def verb_phrase(analysis: Analysis, verb: int) -> list[int]:
    """The verb's own phrase: its subtree without embedded clauses (what was *said*, relative
    clauses, coordinated verbs), which carry their own events."""
    return sorted(subtree(analysis, verb, EMBEDDED))


def names_a_time(analysis: Analysis, index: int) -> bool:
    """A day, month, part of a day or a year ("Monday", "March", "2014"): when, not who."""
    return analysis.lemmas[index].lower() in TIME_WORDS or analysis.lemmas[index].isdigit()


def _when_phrases(analysis: Analysis, verb: int) -> set[int]:
    """The verb's prepositional phrases that say when ("on Monday", "in March", "in 2014"): a
    pattern's preposition is the verb's argument ("- * (ON)": "called on Iran to ..."), not the
    day it happened ("telephoned Putin on Monday" is a call, not an appeal)."""
    found: set[int] = set()
    for prep in children(analysis, verb):
        if analysis.deprels[prep] != "prep":
            continue
        objects = [k for k in children(analysis, prep) if analysis.deprels[k] == "pobj"]
        if objects and all(names_a_time(analysis, k) for k in objects):
            found |= subtree(analysis, prep)
    return found


def best_pattern(
    patterns: list[Pattern], analysis: Analysis, verb: int, forms: list[tuple[str, str]]
) -> Pattern | None:
    when = _when_phrases(analysis, verb)
    scope = [k for k in verb_phrase(analysis, verb) if k not in when]
    # a passive verb's subject is what the active verb's object would be ("evidence was
    # presented" matches "- * EVIDENCE"), so it is matched as if it followed the verb
    patient = [k for c in children(analysis, verb) if analysis.deprels[c] == "nsubjpass" for k in subtree(analysis, c)]
    after = sorted(patient) + [k for k in scope if k > verb]
    before = [k for k in scope if k < verb and k not in patient]
    owners = _preposition_owners(analysis, verb, after)
    matched = [p for p in patterns if _sequence(p.after, forms, after, owners) and _sequence(p.before, forms, before)]
    return max(matched, key=lambda p: p.size, default=None)


def code_verbs(analysis: Analysis, dictionary: VerbDictionary) -> list[VerbCoding]:
    forms = _forms(analysis)
    codings: dict[int, VerbCoding] = {}
    for index, (text, lemma) in enumerate(forms):
        if analysis.upos[index] != "VERB" or describes_noun(analysis, index):
            continue
        kids = children(analysis, index)
        particles = {forms[k][0] for k in kids if analysis.deprels[k] in ("prt", "compound:prt")}
        candidates = dictionary.verbs.get(lemma, []) + dictionary.verbs.get(text, [])
        verbs = [v for v in candidates if v.particle is None or v.particle in particles]
        verbs.sort(key=lambda v: v.particle is None)  # "stir up" before "stir"
        if not verbs:
            continue
        verb = verbs[0]
        block = dictionary.blocks[verb.block]
        pattern = best_pattern(block.patterns, analysis, index, forms)
        code = pattern.code if pattern else verb.code or block.code
        if code == NO_EVENT:
            continue
        negated = any(analysis.lemmas[k].lower() in NEGATIONS or analysis.deprels[k] == "neg" for k in kids)
        source, reverse = (pattern.source, pattern.reverse) if pattern else (None, False)
        codings[index] = VerbCoding(index, code, block.name, source, negated, reverse)
    return list(codings.values())


def spoken_for(analysis: Analysis, codings: dict[int, VerbCoding]) -> set[int]:
    """Verbs whose matrix verb's pattern speaks for them: "refused *to meet*" (the xcomp)."""
    return {
        i for i in codings
        if analysis.deprels[i] == "xcomp" and analysis.heads[i] in codings and codings[analysis.heads[i]].pattern
    }  # fmt: skip
