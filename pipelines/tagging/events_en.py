"""English events: trigger lemmas from ``event_rules.yaml`` matched over the dependency parse."""

from __future__ import annotations

from pipelines.core.records import Entity, Event
from pipelines.engines.tagger import Analysis
from pipelines.tagging.dependency import argument, children, date_and_location, follow, subtree, with_conjuncts
from pipelines.tagging.events import make_event
from pipelines.tagging.labels import event_rules


def english_events(analysis: Analysis, entities: list[Entity]) -> list[Event]:
    sentence = analysis.sentence
    events = []
    for number, rule in enumerate(event_rules()["en"]):
        for index, lemma in enumerate(analysis.lemmas):
            if lemma.lower() != rule["lemma"] or analysis.upos[index] != rule.get("pos", analysis.upos[index]):
                continue
            scope = subtree(analysis, index)
            objects = [k for k in children(analysis, index) if analysis.deprels[k] in ("dobj", "nsubjpass")]
            object_lemmas = {analysis.lemmas[k].lower() for o in objects for k in subtree(analysis, o)}
            if "objects" in rule and not object_lemmas & set(rule["objects"]):
                continue
            if "context" in rule and not {analysis.lemmas[k].lower() for k in scope} & set(rule["context"]):
                continue
            verb = index
            if analysis.upos[index] == "NOUN" and analysis.heads[index] >= 0:
                verb = analysis.heads[index]
            subjects = [k for k in follow(analysis, index, "poss") if analysis.upos[index] == "NOUN"]
            subjects = subjects or follow(analysis, verb, "nsubj") + follow(analysis, verb, "prep:by")
            subjects = [k for k in subjects if k != index]
            head = verb
            while not subjects and analysis.deprels[head] in ("conj", "xcomp", "advcl") and analysis.heads[head] >= 0:
                head = analysis.heads[head]
                subjects = follow(analysis, head, "nsubj")
            recipients = [
                k
                for path in rule.get("recipient", [])
                for node in [index, *objects]
                for k in follow(analysis, node, path)
            ]
            if rule.get("objects"):
                recipients = [k for k in recipients if analysis.lemmas[k].lower() not in rule["objects"]]
            actor = [argument(analysis, entities, k) for k in with_conjuncts(analysis, subjects)]
            recipient = [argument(analysis, entities, k) for k in with_conjuncts(analysis, recipients)]
            negated = any(analysis.deprels[k] == "neg" for k in children(analysis, verb)) or any(
                analysis.lemmas[k].lower() in ("no", "never") and analysis.heads[k] in [*objects, verb]
                for k in range(len(analysis.lemmas))
            )
            historical = "Tense=Past" in analysis.feats[verb] or "Tense=Past" in analysis.feats[index]
            date, location = date_and_location(analysis, entities, subtree(analysis, verb), anchor=verb)
            token = sentence.tokens[index]
            events.append(
                make_event(
                    rule,
                    sentence,
                    (token.start, token.end),
                    actor,
                    recipient,
                    date,
                    location,
                    negated,
                    historical,
                    f"en:{number}:{rule['lemma']}",
                )
            )
    return events
