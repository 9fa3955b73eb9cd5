"""English events: CAMEO verb patterns (PETRARCH's dictionary) and the rules of ``event_rules.yaml``.

Verbs are coded with the CAMEO dictionary (``cameo_match``) and typed with the CAMEO ->
PLOVER table; the rules add nominal triggers ("the visit to Seoul", "talks with") and the
verbs the dictionary does not know. Where both speak for one verb, CAMEO gives the code and
type, the rule (tuned on this corpus) its arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipelines.core.errors import InputError, warn
from pipelines.core.memo import file_cache
from pipelines.core.records import Entity, Event
from pipelines.core.settings import TagSettings
from pipelines.engines.tagger import Analysis
from pipelines.tagging.actors import GERMAN_NAMES, ORGANISATIONS, event_date, load_actors, resolve_actor
from pipelines.tagging.cameo import PloverType, VerbDictionary, load_plover_table, load_verb_dictionary, plover_for
from pipelines.tagging.cameo_match import MODIFIERS, code_verbs, verb_phrase
from pipelines.tagging.dependency import argument, children, date_and_location, follow, subtree, with_conjuncts
from pipelines.tagging.events import make_event
from pipelines.tagging.labels import event_rules, event_types, rejected_code

# where a CAMEO-coded verb without a rule finds its recipient (spaCy's ClearNLP labels)
CLAUSES = {"relcl", "acl", "advcl", "ccomp", "xcomp", "punct", "cc", "conj", "prep"}
RECIPIENT_PATHS = ["dobj", "dative", "nsubjpass", "prep:with", "prep:to", "prep:against", "prep:on", "prep:in"]


@dataclass(frozen=True)
class CameoCoder:
    dictionary: VerbDictionary
    table: dict[str, PloverType]
    actors: dict
    name: str  # names the dictionary in each event's rule


@file_cache
def cameo_coder(dictionary: Path | None, table: Path | None, actors: Path | None) -> CameoCoder | None:
    if dictionary is None or table is None:
        return None
    try:
        project = {**load_actors(ORGANISATIONS), **load_actors(GERMAN_NAMES)}  # the country file wins
        actor_table = {**project, **(load_actors(actors) if actors else {})}
        return CameoCoder(load_verb_dictionary(dictionary), load_plover_table(table), actor_table, dictionary.name)
    except InputError as error:
        warn(f"{error}; English events come from event_rules.yaml only")
        return None


def _noun_phrase(analysis: Analysis, head: int) -> str:
    """The words of ``head``'s phrase without its clauses: what an actor code is read from."""
    return " ".join(analysis.sentence.tokens[k].text for k in sorted(subtree(analysis, head, CLAUSES)))


def _arguments(analysis: Analysis, entities: list[Entity], index: int, recipient_paths: list[str], exclude=()):
    objects = [k for k in children(analysis, index) if analysis.deprels[k] in ("dobj", "nsubjpass")]
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
    recipients = [k for path in recipient_paths for node in [index, *objects] for k in follow(analysis, node, path)]
    recipients = [k for k in dict.fromkeys(recipients) if analysis.lemmas[k].lower() not in exclude]
    recipients = [k for k in recipients if k not in subjects]
    subjects, recipients = with_conjuncts(analysis, subjects), with_conjuncts(analysis, recipients)
    negated = any(analysis.deprels[k] == "neg" for k in children(analysis, verb)) or any(
        analysis.lemmas[k].lower() in ("no", "never") and analysis.heads[k] in [*objects, verb]
        for k in range(len(analysis.lemmas))
    )
    historical = "Tense=Past" in analysis.feats[verb] or "Tense=Past" in analysis.feats[index]
    date, location = date_and_location(analysis, entities, subtree(analysis, verb), anchor=verb)
    return subjects, recipients, negated, historical, date, location


def _coded(analysis: Analysis, entities: list[Entity], heads: list[int], coder: CameoCoder | None, when):
    arguments = []
    for k in heads:
        found = argument(analysis, entities, k)
        if coder is not None:
            found = found.model_copy(update={"code": resolve_actor(_noun_phrase(analysis, k), coder.actors, when)})
        arguments.append(found)
    return arguments


def _parties(analysis: Analysis, verb: int, subjects: list[int], recipients: list[int], coder: CameoCoder, when):
    """Source and target the way PETRARCH finds them: a pronoun subject stands for the nearest
    actor before it; without a coded recipient, the first coded noun phrase in the verb's
    phrase; "A and B met": each the other's partner."""

    @cache
    def code(k: int) -> str | None:
        return resolve_actor(_noun_phrase(analysis, k), coder.actors, when)

    nouns = [k for k, pos in enumerate(analysis.upos) if pos in ("NOUN", "PROPN")]
    if subjects and analysis.upos[subjects[0]] == "PRON" and not code(subjects[0]):
        earlier = [k for k in nouns if k < subjects[0] and code(k)]
        subjects = [earlier[-1]] if earlier else subjects
    if not recipients and len(subjects) > 1:
        return subjects[:1], subjects[1:]
    if not any(code(k) for k in recipients):
        taken = set().union(*(subtree(analysis, k) for k in subjects)) if subjects else set()
        scope = set(verb_phrase(analysis, verb)) - taken
        found = next((k for k in nouns if k in scope and k != verb and code(k)), None)
        recipients = [found] if found is not None else recipients
    return subjects, recipients


def _agentless_participle(analysis: Analysis, index: int) -> bool:
    """ "officials accused of ...": a participle describing a noun, with nobody doing it, names
    no event; "the treaty signed by Kim and Castro" does (the CAMEO path skips all of them)."""
    modifier = analysis.upos[index] == "VERB" and analysis.deprels[index] in MODIFIERS
    return modifier and not follow(analysis, index, "prep:by")


def _rule_matches(analysis: Analysis) -> dict[int, tuple[int, dict]]:
    """Token index -> (rule number, rule), first rule per token."""
    found: dict[int, tuple[int, dict]] = {}
    for number, rule in enumerate(event_rules()["en"]):
        for index, lemma in enumerate(analysis.lemmas):
            if index in found or lemma.lower() != rule["lemma"]:
                continue
            if analysis.upos[index] != rule.get("pos", analysis.upos[index]):
                continue
            if _agentless_participle(analysis, index):
                continue
            objects = [k for k in children(analysis, index) if analysis.deprels[k] in ("dobj", "nsubjpass")]
            object_lemmas = {analysis.lemmas[k].lower() for o in objects for k in subtree(analysis, o)}
            if "objects" in rule and not object_lemmas & set(rule["objects"]):
                continue
            scope = {analysis.lemmas[k].lower() for k in subtree(analysis, index)}
            if "context" in rule and not scope & set(rule["context"]):
                continue
            found[index] = (number, rule)
    return found


def _cameo_rule(code: str, coder: CameoCoder, rule: dict | None) -> dict | None:
    """Type and mode for a CAMEO code from the PLOVER table (None: PLOVER does not type it)."""
    plover = plover_for(code, coder.table)
    if plover is None or plover.type not in event_types():
        return None
    same = rule is not None and rule.get("type") == plover.type
    return {"type": plover.type, "mode": plover.mode or (rule.get("mode") if same else None), "cameo": code}


def english_events(
    analysis: Analysis, entities: list[Entity], settings: TagSettings | None = None, untyped: list | None = None
) -> list[Event]:
    """PLOVER events of one sentence. CAMEO codings PLOVER does not type (01 public statements,
    02 appeals) are no events here; pass ``untyped`` to collect them as (code, negated) pairs,
    as the coder benchmark does."""
    settings = settings or TagSettings()
    coder = cameo_coder(settings.cameo_dictionary, settings.plover_table, settings.actors_file)
    rules = _rule_matches(analysis)
    codings = {c.verb: c for c in code_verbs(analysis, coder.dictionary)} if coder else {}
    events = []
    for index in sorted(set(rules) | set(codings)):
        number, rule = rules.get(index, (None, None))
        coding = codings.get(index)
        # a rule's own code is the more specific one ("recognized Korea": 054, not 051); the
        # PLOVER table types whichever code applies
        code = (rule or {}).get("cameo") or (coding.code if coding else None)
        paths = rule.get("recipient", []) if rule is not None else RECIPIENT_PATHS
        subjects, recipients, negated, historical, date, location = _arguments(
            analysis, entities, index, paths, exclude=set((rule or {}).get("objects", []))
        )
        negated = negated or bool(coding and coding.negated)
        rejection = rejected_code(code) if negated and code else None
        if rejection:  # "would not provide support": a rejection (CAMEO 12), not a negated 05
            code, negated = rejection, False
        typed = _cameo_rule(code, coder, rule) if coder and code else None
        if rule is not None:
            coded = typed or rule
            name = f"en:{number}:{rule['lemma']}" + (f"+cameo:{coding.block}" if coding else "")
        else:
            coded = typed
            name = f"cameo:{coder.name}:{coding.block}:{coding.pattern or 'verb'}"
            if coded is None and untyped is None:
                continue  # a code PLOVER does not type (01 statements, 02 appeals)
        name += "+negated-to-reject" if rejection else ""
        when = event_date(date)
        if coding is not None and rule is None:
            subjects, recipients = _parties(analysis, index, subjects, recipients, coder, when)
        actor = _coded(analysis, entities, subjects, coder, when)
        recipient = _coded(analysis, entities, recipients, coder, when)
        if rule is None and not (any(a.code for a in actor) and any(a.code for a in recipient)):
            continue  # as in PETRARCH, a verb pattern alone codes an event only between two known actors
        if coded is None:
            untyped.append((code, negated))
            continue
        token = analysis.sentence.tokens[index]
        trigger = (token.start, token.end)
        events.append(
            make_event(coded, analysis.sentence, trigger, actor, recipient, date, location, negated, historical, name)
        )
    return events
