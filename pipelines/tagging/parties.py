"""Who does an act to whom: the parties a dictionary verb's event needs (``tag.cameo_parties``).

A verb pattern of the CAMEO dictionary, with no rule of ``event_rules.yaml`` vouching for the
verb, names an event only with known parties: PETRARCH's two coded actors, or (the default) a
political actor and any recipient. PLOVER codes more than PETRARCH did: a protest by civilians
with no target, and an act done by somebody unnamed ("three opposition leaders were arrested").
"""

from __future__ import annotations

from pipelines.core.records import Argument
from pipelines.core.settings import TagSettings
from pipelines.engines.ner.tagger import Analysis
from pipelines.tagging.dependency import children, follow, subtree
from pipelines.tagging.labels import Coding, event_rules
from pipelines.tagging.modality import EventCandidate

APOLITICAL = {"---BUS", "---CVL"}  # agent codes alone that name no political actor
NAMED_ACTORS = {"PER", "ORG", "GPE", "NORP"}  # entity labels that name an actor without a code
STATE_AGENTS = ("GOV", "MIL", "COP", "JUD", "LEG", "SPY")  # agent codes of the state: no protesters
FORCE = {"ASSAULT", "COERCE"}  # acts of force and repression: one on a thing is the act too
PERSONAL = {"he", "she", "they", "we", "i", "you"}  # a passive's subject that is a person
MODALS = {"will", "would", "shall", "should", "could", "can", "may", "might", "must"}
MAIN_CLAUSES = {"root", "conj", "ccomp", "parataxis"}  # a sentence's own clauses, not background ones


def dictionary_parties(
    analysis: Analysis,
    candidate: EventCandidate,
    typed: Coding | None,
    actor: list[Argument],
    recipient: list[Argument],
    settings: TagSettings,
) -> bool:
    """Whether a dictionary verb's event at ``candidate`` has the parties it needs. An agentless
    passive's target is enough ("the journalist was detained", "the village was bombed"), but a
    verb's bare code other than force needs a person or group there ("relations were planned")."""
    forceful = typed is not None and typed.type in FORCE
    passive = agentless_passive(analysis, candidate.index) and (
        not candidate.bare or forceful or any(map(is_actor, recipient))
    )
    known = known_parties(actor, recipient, settings.cameo_parties, typed, passive)
    return known and not protest_by_the_state(typed, actor)


def known_parties(
    actor: list[Argument], recipient: list[Argument], rule: str, coded: Coding | None = None, passive: bool = False
) -> bool:
    """Whether an event has the parties ``tag.cameo_parties`` asks for: PETRARCH's two coded
    actors ("both-coded"), or a political actor and a recipient found ("actor-coded": "the police
    arrested a man"; PLOVER codes events with any target). A political actor has a code (country,
    leader, organisation, agent) or is a named person, organisation or state ("Rüttgers
    criticised ..."); a bare business or civilian agent ("the firm", "people") is none, except in
    a protest, civilian dissent that needs no target ("thousands of people marched"); an agentless
    ``passive`` needs only its target."""
    if all(any(a.code for a in side) for side in (actor, recipient)):
        return True
    if rule == "actor-coded" and passive and not actor:
        return bool(recipient)  # "three opposition leaders were arrested": by someone unnamed
    if rule == "actor-coded" and coded is not None and coded.type == "PROTEST":
        return any(a.code or a.label in NAMED_ACTORS for a in actor)  # "thousands of people took to the streets"
    political = any((a.code and a.code not in APOLITICAL) or a.label in NAMED_ACTORS for a in actor)
    return rule == "actor-coded" and bool(recipient) and political


def is_actor(argument: Argument) -> bool:
    """A person or group: coded (country, organisation, agent), named by the NER, or a pronoun."""
    return bool(argument.code) or argument.label in NAMED_ACTORS or argument.text.lower() in PERSONAL


def protest_by_the_state(coded: Coding | None, actor: list[Argument]) -> bool:
    """PLOVER's PROTEST is civilian dissent: police, troops or a government blocking a road is none."""
    return coded is not None and coded.type == "PROTEST" and any((a.code or "").endswith(STATE_AGENTS) for a in actor)


def agentless_passive(analysis: Analysis, index: int) -> bool:
    """ "three men were arrested", "police said two diplomats were expelled": a passive verb of
    the sentence's own clauses with nobody named doing it; one in a relative or adverbial clause
    is background ("the mayor, who had been arrested a year ago, ..."), one under a modal not
    done ("hoped they would be indicted"), and one with a natural cause nobody's act ("homes
    were destroyed in the earthquake")."""
    kids = children(analysis, index)
    passive = any(analysis.deprels[k] in ("nsubjpass", "auxpass") for k in kids)
    main = analysis.deprels[index] in MAIN_CLAUSES
    modal = any(analysis.lemmas[k].lower() in MODALS for k in kids if analysis.deprels[k] == "aux")
    if not (passive and main and analysis.upos[index] == "VERB") or modal or follow(analysis, index, "prep:by"):
        return False
    nouns = {analysis.lemmas[k].lower() for k in subtree(analysis, index) if analysis.upos[k] == "NOUN"}
    return not nouns & set(event_rules().natural_causes)  # "in the earthquake"; not "rockets were fired"
