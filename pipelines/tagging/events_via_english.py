"""German events coded by way of the English translation (the CAMEO dictionary is English).

The translate stage's English for a German sentence (the dictionary gloss, word by word, or
argos) is tokenised, parsed by the English pipeline and coded by ``english_events``. Each
English token is linked to the German token it translates: a German token whose gloss or
dictionary translations contain it, or whose text it repeats (names, numbers); among several,
the one at the nearest relative position. Triggers and arguments of the English events are
projected back onto the German text through these links.

The German rules stay in charge of what they were tuned on (types, spans, dates): a projected
event whose trigger lands on a rule event's trigger gives that event its CAMEO code where the
rule has none, and actor codes to its arguments that have none. A projected event of a type no
German rule found in the sentence is added as it is.
"""

from __future__ import annotations

import re

from pipelines.core.records import Argument, Event, Sentence, Span, Token, Translation
from pipelines.engines.ner.tagger import Analysis
from pipelines.engines.translate.gloss import gloss_word, load_gloss_table

WORD = re.compile(r"\w+(?:[-'’.]\w+)*|[^\w\s]")


def english_sentence(german: Sentence, translation: Translation) -> Sentence:
    """The translation as a sentence record of its own (tokens with offsets), for the English pipeline."""
    text = translation.text
    tokens = [Token(start=m.start(), end=m.end(), text=m.group()) for m in WORD.finditer(text)]
    return german.model_copy(
        update={
            "sent_id": f"{german.sent_id}~en", "lang": "en", "text": text, "start": 0, "end": len(text),
            "tokens": tokens, "provenance": translation.provenance,
        }
    )  # fmt: skip


def token_links(german: Analysis, english: Sentence, english_lemmas: list[str] | None = None) -> list[int | None]:
    """Per English token, the German token it translates (None: none found). With the English
    lemmas, a fluent translation's "received" also finds the dictionary's "receive"."""
    table, _ = load_gloss_table()
    renderings = []
    for token, lemma, tag in zip(german.sentence.tokens, german.lemmas, german.xpos, strict=True):
        words = {w.lower() for w in WORD.findall(gloss_word(token.text, lemma, tag))}
        for key in (token.text, lemma):
            words |= {w.lower() for candidate in table.candidates(key)[:3] for w in WORD.findall(candidate)}
        renderings.append(words | {token.text.lower()})
    n, m = len(german.sentence.tokens), len(english.tokens)
    links: list[int | None] = []
    lemmas = english_lemmas or [t.text for t in english.tokens]
    for k, token in enumerate(english.tokens):
        forms = {token.text.lower(), lemmas[k].lower()}
        found = [g for g in range(n) if forms & renderings[g] and any(c.isalnum() for c in token.text)]
        links.append(min(found, key=lambda g: abs((g + 0.5) / n - (k + 0.5) / m)) if found else None)
    return links


def _project(span: Span, english: Sentence, links: list[int | None], german: Sentence) -> tuple[int, int] | None:
    """The German character span covering the German tokens linked to the English span's tokens."""
    inside = [k for k, t in enumerate(english.tokens) if t.start < span.end and t.end > span.start]
    linked = [links[k] for k in inside if links[k] is not None]
    if not linked:
        return None
    return german.tokens[min(linked)].start, german.tokens[max(linked)].end


def project_event(event: Event, english: Sentence, links: list[int | None], german: Sentence) -> Event | None:
    """An English event on the German text; None when its trigger links to no German token."""
    trigger = _project(event.trigger, english, links, german)
    if trigger is None:
        return None

    def moved(argument: Argument) -> Argument | None:
        span = _project(argument, english, links, german)
        if span is None:
            return None
        text = german.text[span[0] : span[1]]
        return argument.model_copy(update={"start": span[0], "end": span[1], "text": text, "ent_id": None})

    def roles(arguments: list[Argument]) -> list[Argument]:
        return [a for a in map(moved, arguments) if a is not None]

    start, end = trigger
    return event.model_copy(
        update={
            "event_id": f"{german.sent_id}-ev{start}",
            "trigger": Span(start=start, end=end, text=german.text[start:end]),
            "actor": roles(event.actor),
            "recipient": roles(event.recipient),
            "location": moved(event.location) if event.location else None,
            "date": None,  # German dates come from the German rules
            "rule": f"via-{english.provenance.engine}:{event.rule}",
        }
    )


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def _with_codes(arguments: list[Argument], projected: list[Argument]) -> list[Argument]:
    out = []
    for argument in arguments:
        code = argument.code or next((p.code for p in projected if p.code and _overlaps(argument, p)), None)
        out.append(argument.model_copy(update={"code": code}))
    return out


def merge(rule_events: list[Event], projected: list[Event]) -> list[Event]:
    """Rule events enriched by the projected events on their triggers, plus the projected events
    of the types no rule found in the sentence (the rules know a few verbs; the English coder,
    by way of the translation, all of CAMEO's)."""
    merged, used = [], set()
    for event in rule_events:
        match = next((p for p in projected if _overlaps(p.trigger, event.trigger)), None)
        if match is None:
            merged.append(event)
            continue
        used.add(match.event_id)
        enriched = event.model_copy(
            update={
                "cameo": event.cameo or match.cameo,
                "actor": _with_codes(event.actor, match.actor + match.recipient),
                "recipient": _with_codes(event.recipient, match.recipient + match.actor),
            }
        )
        if enriched != event:  # the row names what gave it its codes
            enriched = enriched.model_copy(update={"rule": f"{event.rule}+{match.rule}"})
        merged.append(enriched)
    types = {e.type for e in merged}
    for event in projected:
        if event.event_id not in used and event.type not in types:
            merged.append(event)
    return sorted(merged, key=lambda e: e.trigger.start)
