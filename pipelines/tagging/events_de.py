"""German events: pattern rules over lemmas, POS tags and entities (no German parser offline)."""

from __future__ import annotations

import re

from pipelines.core.records import Entity, Event
from pipelines.engines.ner.tagger import Analysis
from pipelines.tagging.dependency import date_and_location
from pipelines.tagging.events import as_argument, make_event
from pipelines.tagging.labels import event_rules, german_words


def german_events(analysis: Analysis, entities: list[Entity], reference_year: int) -> list[Event]:
    """Pattern rules over HanTa lemmas and entities (no German parser offline).

    Actors: the first entity not governed by a preposition (a person preferred, as German
    word order puts dates and adverbials first), plus entities coordinated with it by
    "und". Recipients: entities after a rule's prepositions (``recipient_after``), else
    later ungoverned entities. Triggers inside relative clauses are left out.
    """
    sentence = analysis.sentence
    lemmas = list(analysis.lemmas)
    prepositions = set(german_words()["prepositions"])
    negations = set(german_words()["negations"])
    particles = {analysis.lemmas[k] for k, tag in enumerate(analysis.xpos) if tag.startswith("PTKVZ")}

    def token_index(offset: int) -> int:
        return next((i for i, t in enumerate(sentence.tokens) if t.start >= offset), len(sentence.tokens))

    def tag(k: int) -> str:
        return re.sub(r"\(.*\)", "", analysis.xpos[k])

    # the main clause ends at ", <relative pronoun | subordinating conjunction>"
    limit = next(
        (
            sentence.tokens[k].start
            for k in range(1, len(sentence.tokens))
            if sentence.tokens[k - 1].text == "," and tag(k) in ("PRELS", "PRELAT", "KOUS")
        ),
        len(sentence.text),
    )
    named = [e for e in entities if e.label not in ("DATE", "MONEY") and e.start < limit]
    named = [e for e in named if not sentence.text[: e.start].endswith("(")]  # "(DVRK)" repeats its antecedent

    def preceded_by(entity: Entity) -> str:
        """The word governing a German noun phrase: skip back over articles, adjectives, titles."""
        k = token_index(entity.start) - 1
        while k >= 0 and tag(k) in ("ART", "ADJ", "ADJA", "NN", "CARD", "PPOSAT"):
            k -= 1
        return analysis.lemmas[k].lower() if k >= 0 else ""

    def coordinated(left: Entity, right: Entity) -> bool:
        between, depth = [], 0
        for k in range(token_index(left.end), token_index(right.start)):
            text = sentence.tokens[k].text
            depth += text == "("
            if depth == 0:
                between.append(k)
            depth -= text == ")"
        words = [analysis.lemmas[k].lower() for k in between]
        allowed = all(
            tag(k) in ("KON", "ART", "ADJ", "NN", "$(") or words[n] in ("und", "sowie") for n, k in enumerate(between)
        )
        return "und" in words and allowed

    core = [e for e in named if preceded_by(e) not in prepositions]
    people = [e for e in core if e.label == "PER"]
    first = people[0] if people else (core[0] if core else None)
    actors = [first] if first else []
    if first is not None:
        for entity in core[core.index(first) + 1 :]:
            if coordinated(actors[-1], entity):
                actors.append(entity)
            else:
                break
    events = []
    for number, rule in enumerate(event_rules().de):
        for index, lemma in enumerate(lemmas):
            if lemma not in rule.lemma or sentence.tokens[index].start > limit:
                continue
            if rule.particle is not None and rule.particle not in particles:
                continue
            if rule.objects is not None and not set(rule.objects) & set(lemmas):
                continue
            if rule.not_stative and analysis.xpos[index] in ("VV(PP)", "VVPP") and "sein" in lemmas:
                continue
            after = rule.recipient_after
            if after:
                recipients = [e for e in named if preceded_by(e) in after]
            else:
                start = actors[0].start if actors else 0
                recipients = [e for e in core if e not in actors and e.start > start]
            date, location = date_and_location(analysis, entities, None)
            if rule.mode == "visit" and location is not None and not recipients:
                recipients = [e for e in named if e.ent_id == location.ent_id]
            recipient = [
                as_argument(e)
                for e in recipients
                if location is None or e.ent_id != location.ent_id or rule.mode == "visit"
            ]
            negated = any(w in negations for w in lemmas)
            historical = bool(date and date.iso and int(date.iso[:4]) < reference_year)
            token = sentence.tokens[index]
            events.append(
                make_event(
                    rule,
                    sentence,
                    (token.start, token.end),
                    [as_argument(a) for a in actors],
                    recipient,
                    date,
                    location,
                    negated,
                    historical,
                    f"de:{number}:{lemma}",
                )
            )
    return events
