"""Reading a dependency analysis: subtrees, paths, arguments, and an event's date and place."""

from __future__ import annotations

from pipelines.core.records import Argument, DateValue, Entity
from pipelines.engines.ner.tagger import Analysis
from pipelines.tagging.dates import normalise_date
from pipelines.tagging.entities import token_span


def entity_at(entities: list[Entity], start: int, end: int) -> Entity | None:
    return next((e for e in entities if e.start <= start and end <= e.end and e.label != "DATE"), None)


def argument(analysis: Analysis, entities: list[Entity], index: int) -> Argument:
    """The entity covering token ``index``, else the token with its compound modifiers."""
    sentence = analysis.sentence
    token = sentence.tokens[index]
    entity = entity_at(entities, token.start, token.end)
    if entity is not None:
        return Argument(start=entity.start, end=entity.end, text=entity.text, ent_id=entity.ent_id, label=entity.label)
    members = [index] + [
        k for k, h in enumerate(analysis.heads) if h == index and analysis.deprels[k] in ("compound", "flat", "amod")
    ]
    first, last = min(members), max(members)
    begin, finish, text = token_span(sentence, first, last + 1)
    return Argument(start=begin, end=finish, text=text)


def children(analysis: Analysis, index: int) -> list[int]:
    return [k for k, head in enumerate(analysis.heads) if head == index]


def subtree(analysis: Analysis, index: int, stop: frozenset[str] | set[str] = frozenset()) -> set[int]:
    """``index`` and its descendants, not descending into children attached by a ``stop`` relation."""
    nodes, frontier = {index}, [index]
    while frontier:
        current = frontier.pop()
        for child in children(analysis, current):
            if child not in nodes and analysis.deprels[child] not in stop:
                nodes.add(child)
                frontier.append(child)
    return nodes


def follow(analysis: Analysis, index: int, path: str) -> list[int]:
    if path == "dative":
        found = []
        for child in children(analysis, index):
            if analysis.deprels[child] == "dative":
                pobj = [k for k in children(analysis, child) if analysis.deprels[k] == "pobj"]
                found += pobj or ([child] if analysis.upos[child] != "ADP" else [])
        return found
    if path.startswith("prep:"):
        preposition = path.split(":", 1)[1]
        found = []
        for child in children(analysis, index):
            if analysis.deprels[child] in ("prep", "agent") and analysis.lemmas[child].lower() == preposition:
                found += [k for k in children(analysis, child) if analysis.deprels[k] == "pobj"]
        return found
    return [k for k in children(analysis, index) if analysis.deprels[k] == path]


def with_conjuncts(analysis: Analysis, indices: list[int]) -> list[int]:
    result = []
    for index in indices:
        result.append(index)
        result += [k for k in children(analysis, index) if analysis.deprels[k] == "conj"]
    return result


def depth(analysis: Analysis, node: int, anchor: int) -> int:
    depth = 0
    while node != anchor and node >= 0 and depth < 50:
        node, depth = analysis.heads[node], depth + 1
    return depth if node == anchor else 99


def date_and_location(analysis: Analysis, entities: list[Entity], scope: set[int] | None, anchor: int | None = None):
    """Date and place of an event: in the trigger's subtree, the ones closest to the trigger."""
    sentence = analysis.sentence

    def tokens_of(entity: Entity) -> list[int]:
        return [k for k, t in enumerate(sentence.tokens) if t.start >= entity.start and t.end <= entity.end]

    candidates = [e for e in entities if scope is None or any(k in scope for k in tokens_of(e))]
    if anchor is not None:
        where = sentence.tokens[anchor].start
        candidates.sort(
            key=lambda e: (min((depth(analysis, k, anchor) for k in tokens_of(e)), default=99), abs(e.start - where))
        )
    date = next((e for e in candidates if e.label == "DATE"), None)
    date_value = None
    if date is not None:
        iso, granularity = normalise_date(date.text, sentence.lang)
        date_value = DateValue(start=date.start, end=date.end, text=date.text, iso=iso, granularity=granularity)
    location = None
    for entity in candidates:
        if entity.label in ("GPE", "LOC", "MISC"):
            words = sentence.text[: entity.start].lower().split()
            while words and words[-1] in ("the", "der", "die", "das", "dem", "den", "des"):
                words.pop()
            if words and words[-1] in ("in", "at", "im"):
                location = Argument(
                    start=entity.start, end=entity.end, text=entity.text, ent_id=entity.ent_id, label=entity.label
                )
                break
    return date_value, location


def lemmas_of(analysis: Analysis, heads: list[int]) -> set[str]:
    """The lower-cased lemmas of the heads' subtrees."""
    return {analysis.lemmas[k].lower() for head in heads for k in subtree(analysis, head)}
