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
from pipelines.engines.ner.tagger import Analysis
from pipelines.tagging.actors import GERMAN_NAMES, ORGANISATIONS, event_date, load_actors, resolve_actor
from pipelines.tagging.cameo import PloverType, VerbDictionary, load_plover_table, load_verb_dictionary, plover_for
from pipelines.tagging.cameo_match import (
    code_verbs,
    describes_noun,
    names_a_time,
    spoken_for,
    unrealised,
    verb_phrase,
)
from pipelines.tagging.dependency import (
    argument,
    children,
    date_and_location,
    follow,
    lemmas_of,
    subtree,
    with_conjuncts,
)
from pipelines.tagging.events import make_event
from pipelines.tagging.labels import Coding, EnglishRule, event_rules, event_types, rejected_code
from pipelines.tagging.modality import (
    DOER,
    EventCandidate,
    attempted,
    headline_infinitive,
    hypothetical,
    is_frame,
    reframe,
)
from pipelines.tagging.parties import dictionary_parties

# where a CAMEO-coded verb without a rule finds its recipient (spaCy's ClearNLP labels)
CLAUSES = {"relcl", "acl", "advcl", "ccomp", "xcomp", "punct", "cc", "conj", "prep"}
QUANTITIES = {"thousand", "hundred", "dozen", "million", "score", "ten", "group", "crowd", "number", "handful"}
LIGHT_VERBS = {"make", "hold", "have", "pay", "conduct", "carry", "stage", "launch", "take", "give", "mount"}
RECIPIENT_PATHS = ["dobj", "dative", "nsubjpass", "prep:with", "prep:to", "prep:against", "prep:on", "prep:in"]


@dataclass(frozen=True)
class CameoCoder:
    dictionary: VerbDictionary
    table: dict[str, PloverType]
    actors: dict
    name: str  # names the dictionary in each event's rule


@file_cache
def cameo_coder(
    dictionary: Path | None,
    table: Path | None,
    actors: Path | None,
    additions: Path | None = None,
    amendments: Path | None = None,
) -> CameoCoder | None:
    if dictionary is None or table is None:
        return None
    try:
        project = {**load_actors(ORGANISATIONS), **load_actors(GERMAN_NAMES)}  # the country file wins
        actor_table = {**project, **(load_actors(actors) if actors else {})}
        load_plover_table(table)
        if not Path(dictionary).exists():
            raise InputError(dictionary, "CAMEO verb dictionary not found (tag.cameo_dictionary in params.yaml)")
    except InputError as error:  # shared data missing: the rules still code
        warn(f"{error}; English events come from event_rules.yaml only")
        return None
    # the additions and amendments are the project's own files: an error there is raised, naming its line
    plover = load_plover_table(table, amendments)
    return CameoCoder(load_verb_dictionary(dictionary, additions), plover, actor_table, dictionary.name)


def _noun_phrase(analysis: Analysis, head: int) -> str:
    """The words of ``head``'s phrase without its clauses: what an actor code is read from."""
    return " ".join(analysis.sentence.tokens[k].text for k in sorted(subtree(analysis, head, CLAUSES)))


def _counted(analysis: Analysis, head: int) -> int:
    """ "thousands of people", "a group of students": the people counted, not the count."""
    if analysis.lemmas[head].lower() not in QUANTITIES:
        return head
    return next(iter(follow(analysis, head, "prep:of")), head)


def _objects(analysis: Analysis, index: int) -> list[int]:
    """The trigger's direct objects, and a passive's subject (what the active verb's object would be)."""
    return [k for k in children(analysis, index) if analysis.deprels[k] in ("dobj", "nsubjpass")]


def _arguments(analysis: Analysis, entities: list[Entity], index: int, recipient_paths: list[str], exclude=()):
    objects = _objects(analysis, index)
    verb = index
    if analysis.upos[index] == "NOUN" and analysis.heads[index] >= 0:
        verb = analysis.heads[index]
    subjects = [k for k in follow(analysis, index, "poss") if analysis.upos[index] == "NOUN"]
    # a "by" phrase names the actor of a passive ("was demolished by a protestor": the parser's
    # agent) or of a verb with no subject, not a measure ("shortened the curfew by an hour")
    by, named = follow(analysis, verb, "prep:by"), follow(analysis, verb, "nsubj")
    agents = [k for k in by if analysis.deprels[analysis.heads[k]] == "agent"]
    subjects = subjects or (named + agents if named else by)
    subjects = [_counted(analysis, k) for k in subjects if k != index]
    head = verb
    while not subjects and analysis.deprels[head] in ("conj", "xcomp", "advcl") and analysis.heads[head] >= 0:
        climbed, head = analysis.deprels[head], analysis.heads[head]
        # "the president is expected to visit": the subject of the passive the act completes
        passive = follow(analysis, head, "nsubjpass") if climbed == "xcomp" else []
        subjects = follow(analysis, head, "nsubj") or passive
    if not subjects and analysis.heads[verb] >= 0 and headline_infinitive(analysis, verb):
        subjects = [analysis.heads[verb]]  # "Merkel to meet Putin": the root noun it hangs on
    recipients = [k for path in recipient_paths for node in [index, *objects] for k in follow(analysis, node, path)]
    recipients = [k for k in dict.fromkeys(recipients) if analysis.lemmas[k].lower() not in exclude]
    recipients = [k for k in recipients if k not in subjects and not names_a_time(analysis, k)]  # not "on Monday"
    subjects, recipients = with_conjuncts(analysis, subjects), with_conjuncts(analysis, recipients)
    negated = any(analysis.deprels[k] == "neg" for k in children(analysis, verb)) or any(
        analysis.lemmas[k].lower() in ("no", "never") and analysis.heads[k] in [*objects, verb]
        for k in range(len(analysis.lemmas))
    )
    historical = "Tense=Past" in analysis.feats[verb] or "Tense=Past" in analysis.feats[index]
    date, location = date_and_location(analysis, entities, subtree(analysis, verb), anchor=verb)
    return subjects, recipients, negated, historical, date, location


def _named_giver(analysis: Analysis, index: int) -> bool:
    """Whether a "from" phrase on the verb or its object names who acts towards the subject."""
    return any(follow(analysis, node, "prep:from") for node in [index, *_objects(analysis, index)])


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
    modifier = analysis.upos[index] == "VERB" and describes_noun(analysis, index)
    return modifier and not follow(analysis, index, "prep:by")


def _governing(analysis: Analysis, index: int) -> int:
    """The word governing ``index``, through one preposition ("killed in a bombing"); -1: none."""
    head = analysis.heads[index]
    if head >= 0 and analysis.upos[head] == "ADP" and analysis.heads[head] >= 0:
        head = analysis.heads[head]
    return head


def _governor(analysis: Analysis, index: int) -> set[str]:
    """The governing word's lemma, and its form less an inflection (the lemmatiser's slips:
    "staged" -> "stag")."""
    head = _governing(analysis, index)
    if head < 0:
        return set()
    text = analysis.sentence.tokens[head].text.lower()
    stems = {text[: -len(end)] for end in ("d", "ed", "s", "es", "ing") if text.endswith(end)}
    return {analysis.lemmas[head].lower(), text} | stems


def _rule_applies(rule: EnglishRule, analysis: Analysis, index: int) -> bool:
    """The optional conditions of an English rule (``event_rules.yaml`` lists them)."""
    kids = children(analysis, index)
    objects = _objects(analysis, index)
    subjects = [k for k in kids if analysis.deprels[k] == "nsubj"] + follow(analysis, index, "prep:by")
    object_lemmas, scope = lemmas_of(analysis, objects), lemmas_of(analysis, [index])
    checks = {
        "objects": lambda words: bool(object_lemmas & words),
        "not_objects": lambda words: not object_lemmas & words,
        "parties": lambda words: bool(lemmas_of(analysis, objects + subjects) & words),
        "not_subjects": lambda words: not lemmas_of(analysis, subjects) & words,
        "context": lambda words: bool(scope & words),
        "not_context": lambda words: not scope & words,
        "heads": lambda words: bool(_governor(analysis, index) & words),
        "not_heads": lambda words: not _governor(analysis, index) & words,
    }
    has_object = bool(objects)  # a passive's subject is its object: "the regime is disarmed" is done to it
    if (rule.intransitive and has_object) or (rule.transitive and not has_object):
        return False
    conditions = {key: words for key in checks if (words := getattr(rule, key)) is not None}
    return all(checks[key](set(words)) for key, words in conditions.items())


def _rule_matches(analysis: Analysis) -> dict[int, tuple[int, EnglishRule]]:
    """Token index -> (rule number, rule), first rule per token."""
    found: dict[int, tuple[int, EnglishRule]] = {}
    for number, rule in enumerate(event_rules().en):
        lemmas = set(rule.lemma)
        for index, lemma in enumerate(analysis.lemmas):
            if index in found or lemma.lower() not in lemmas:
                continue
            if rule.pos is not None and analysis.upos[index] != rule.pos:
                continue
            if _agentless_participle(analysis, index) and not rule.agentless:
                continue
            if not _rule_applies(rule, analysis, index):
                continue
            found[index] = (number, rule)
    return found


def _cameo_rule(code: str, coder: CameoCoder, rule: Coding | None) -> Coding | None:
    """Type and mode for a CAMEO code from the PLOVER table (None: PLOVER does not type it)."""
    plover = plover_for(code, coder.table)
    if plover is None or plover.type not in event_types():
        return None
    same = rule is not None and rule.type == plover.type
    return Coding(type=plover.type, mode=plover.mode or (rule.mode if same else None), cameo=code)


def _candidates(analysis: Analysis, coder: CameoCoder | None) -> dict[int, EventCandidate]:
    """Per token, what the rules and the dictionary say of it, before modality and arguments."""
    rules = _rule_matches(analysis)
    codings = {c.verb: c for c in code_verbs(analysis, coder.dictionary)} if coder else {}
    for index in spoken_for(analysis, codings):
        if not is_frame(analysis, analysis.heads[index]):
            del codings[index]
    found = {}
    for index in sorted(set(rules) | set(codings)):
        number, rule = rules.get(index, (None, None))
        coding = codings.get(index)
        # a rule's own code is the more specific one ("recognized Korea": 054, not 051); the
        # PLOVER table types whichever code applies
        code = (rule.cameo if rule else None) or (coding.code if coding else None)
        if rule is not None:
            name = f"en:{number}:{analysis.lemmas[index].lower()}" + (f"+cameo:{coding.block}" if coding else "")
        else:
            name = f"cameo:{coder.name}:{coding.block}:{coding.pattern or 'verb'}"
        negated = bool(coding and coding.negated)
        planned = (unrealised(analysis, index) and not attempted(analysis, index)) or hypothetical(analysis, index)
        reverse = bool(coding and coding.reverse) and not (rule and rule.cameo)
        bare = rule is None and coding.pattern is None
        found[index] = EventCandidate(
            index, code, rule, name, rule is None, negated, unrealised=planned, reverse=reverse, bare=bare
        )
    return found


def coder_for(settings: TagSettings) -> CameoCoder | None:
    """The run's CAMEO coder (dictionary, PLOVER table, actors), built once and passed in."""
    return cameo_coder(
        settings.cameo_dictionary,
        settings.plover_table,
        settings.actors_file,
        settings.cameo_additions,
        settings.plover_amendments,
    )


def english_events(
    analysis: Analysis,
    entities: list[Entity],
    settings: TagSettings | None = None,
    untyped: list | None = None,
    *,
    coder: CameoCoder | None = None,
) -> list[Event]:
    """PLOVER events of one sentence. CAMEO codings PLOVER does not type (01 public statements,
    02 appeals) are no events here, as PLOVER's codebook has it ("comments generally are not
    coded"); pass ``untyped`` to collect them as (code, negated) pairs. ``coder``: the run's
    (built from ``settings`` when not given)."""
    settings = settings or TagSettings()
    coder = coder or coder_for(settings)
    events: list[tuple[int, Event]] = []
    for candidate in reframe(analysis, _candidates(analysis, coder)).values():
        if candidate.unrealised:
            continue  # "his intention to establish relations", "could attack": no frame took it
        index, rule, code = candidate.index, candidate.rule, candidate.code
        paths = list(rule.recipient) if rule is not None else RECIPIENT_PATHS
        named_objects = rule.objects if isinstance(rule, EnglishRule) else None
        if candidate.reverse and _named_giver(analysis, index):  # "received tanks *from Russia*"
            paths = ["prep:from"]
        subjects, recipients, negated, historical, date, location = _arguments(
            analysis, entities, index, paths, exclude=set(named_objects or ())
        )
        if not recipients and candidate.recipient_from is not None:
            framed_paths = list(candidate.recipient_paths) or RECIPIENT_PATHS
            framed = _arguments(analysis, entities, candidate.recipient_from, framed_paths)
            accused = candidate.recipient_paths == DOER  # a claim's recipient is who it says did the act
            recipients = [k for k in framed[0 if accused else 1] if k not in subjects]
        negated = negated or candidate.negated
        rejection = rejected_code(code) if negated and code else None
        if rejection:  # "would not provide support": a rejection (CAMEO 12), not a negated 05
            code, negated = rejection, False
        typed = _cameo_rule(code, coder, rule) if coder and code else None
        coded = typed or rule
        name = candidate.name + ("+negated-to-reject" if rejection else "")
        if coded is None and untyped is None:
            continue  # a code PLOVER does not type (01 statements, 02 appeals)
        when = event_date(date)
        if candidate.coded:
            subjects, recipients = _parties(analysis, index, subjects, recipients, coder, when)
        if candidate.reverse:  # "Obama faces pressure from Congress": Congress demands of Obama
            subjects, recipients = recipients, subjects
        actor = _coded(analysis, entities, subjects, coder, when)
        recipient = _coded(analysis, entities, recipients, coder, when)
        if candidate.coded and not dictionary_parties(analysis, candidate, typed, actor, recipient, settings):
            continue  # a verb pattern alone needs its parties (no rule vouches for the verb)
        if coded is None:
            untyped.append((code, negated))
            continue
        token = analysis.sentence.tokens[index]
        arguments = (actor, recipient, date, location)
        event = make_event(coded, analysis.sentence, (token.start, token.end), *arguments, negated, historical, name)
        events.append((index, event))
    return _one_per_act(analysis, events)


def _one_per_act(analysis: Analysis, events: list[tuple[int, Event]]) -> list[Event]:
    """A noun naming the act of its own verb is that act: "killed in a roadside bombing" is one
    ASSAULT, on the verb, with the noun's more specific code; after a light verb ("held talks",
    "paid a visit") the noun is the trigger."""

    def governed(noun: int, verb: int) -> bool:
        return analysis.upos[noun] == "NOUN" and noun != verb and _governing(analysis, noun) == verb

    def light(verb: int) -> bool:
        return analysis.lemmas[verb].lower() in LIGHT_VERBS

    pairs = [(v, n) for v, ev in events for n, en in events if ev.type == en.type and governed(n, v)]
    by_index = dict(events)
    dropped = set()
    for verb, noun in pairs:
        keep, other = (noun, verb) if light(verb) else (verb, noun)
        dropped.add(other)
        donor = by_index[other]
        if len(donor.cameo or "") > len(by_index[keep].cameo or ""):
            by_index[keep] = by_index[keep].model_copy(update={"cameo": donor.cameo, "mode": donor.mode})
    return [event for index, event in by_index.items() if index not in dropped]
