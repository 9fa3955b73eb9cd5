"""Modality: acts framed by another verb, and threats made as conditions.

"refused to meet the envoy" is no meeting, "threatened to impose quotas" no sanction, "demanded
the release of" no release, "agreed to provide aid" no aid yet. CAMEO codes the frame, in the
chapter of its kind (12 REJECT, 13 THREATEN, 10 REQUEST, 03 intent, typed AGREE), with the
sub-code the framed act picks ("refused to meet": 125); the framed act is no event of its own.
"X will leave the talks unless ..." and "if Y does not ..., X will ..." are threats (CAMEO 13)
of the act in the main clause. Frames and their codes are data (``event_rules.yaml``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache

from pipelines.engines.ner.tagger import Analysis
from pipelines.tagging.cameo_match import MODIFIERS, NEGATIONS
from pipelines.tagging.dependency import children, depth, follow, subtree
from pipelines.tagging.labels import Coding, Frame, event_rules, rejected_code

KIND_TYPES = {
    "reject": "REJECT",
    "threaten": "THREATEN",
    "demand": "REQUEST",
    "intent": "AGREE",
    "cease": "RETREAT",
    "claim": "ACCUSE",
}
DE_ESCALATE = "087"  # violence halted, stopped or ended (CAMEO 087, RETREAT in the 2021 table)
DOER = ("doer",)  # recipient paths that name the framed act's own actor (a claim accuses its doer)
POSSIBLE = {"could", "might", "may"}  # an act only possible ("could attack") has not happened
CONDITIONS = {"if", "unless", "whether"}  # nor has the condition of another ("if Iran attacks, ...")
SCHEDULED = {"expect", "expected", "schedule", "scheduled", "set", "due", "slate", "slated"}
FUTURE = {"will", "would", "'ll", "shall"}
COOPERATIVE_ROOTS = ("05", "06", "07", "08")  # acts that "said it would ..." announces as intents (CAMEO 03)


@dataclass(frozen=True)
class EventCandidate:
    """A possible event at token ``index`` before its arguments are read: the CAMEO code and
    the rule that speak for it; ``recipient_from``: a framed act whose recipient it takes."""

    index: int
    code: str | None
    rule: Coding | None
    name: str
    coded: bool  # a dictionary verb pattern, which names an event only with known parties (tag.cameo_parties)
    negated: bool = False
    recipient_from: int | None = None
    recipient_paths: tuple[str, ...] = ()  # the framed act's own paths to its recipient
    unrealised: bool = False  # "a proposal *to sign*": only a frame makes it part of an event
    reverse: bool = False  # a dictionary pattern's reverse reading: the subject is the recipient
    bare: bool = False  # a dictionary verb's own code, no pattern of it matched


@cache
def _frames() -> dict[str, list[Frame]]:
    by_lemma: dict[str, list[Frame]] = {}
    for frame in event_rules().frames:
        for lemma in frame.lemma:
            by_lemma.setdefault(lemma, []).append(frame)
    return by_lemma


def frame_code(kind: str, framed: str | None) -> str:
    """The frame's CAMEO code for a framed act's code (None: an act the frame does not name)."""
    rules = event_rules()
    if kind == "intent" and framed and framed[:2] in rules.threat_roots:
        kind = "threaten"  # "vowed to retaliate"
    if kind == "reject":
        return (rejected_code(framed) if framed else None) or "120"
    table = rules.frame_codes[kind]
    prefix = next((framed[:n] for n in range(len(framed), 1, -1) if framed[:n] in table), "") if framed else ""
    return table[prefix]


def _recoded(candidate: EventCandidate, plover_type: str, code: str, name: str, **changes) -> EventCandidate:
    """The candidate's trigger as another act (type and CAMEO code), its rule's recipient paths kept."""
    rule = Coding(type=plover_type, cameo=code, recipient=candidate.rule.recipient if candidate.rule else ())
    return replace(candidate, code=code, rule=rule, name=name, **changes)


def _complements(analysis: Analysis, index: int, paths: Sequence[str]) -> list[int]:
    """The heads of a frame's complements; a preposition's clause counts ("accused Iran *of attacking*")."""
    found = []
    for path in paths:
        found += follow(analysis, index, path)
        if path.startswith("prep:"):
            prepositions = [k for k in children(analysis, index) if analysis.lemmas[k].lower() == path[5:]]
            found += [k for p in prepositions for k in children(analysis, p) if analysis.deprels[k] == "pcomp"]
    return found


def _silent(analysis: Analysis, heads: list[int]) -> bool:
    """A complement that is no act: "declined to comment" refuses nothing worth an event."""
    return bool(heads) and all(analysis.lemmas[k].lower() in event_rules().silent_acts for k in heads)


def _named_act(analysis: Analysis, heads: list[int]) -> str | None:
    """The code of an act a noun complement names ("called for *the release* of", "a ceasefire")."""
    named = event_rules().named_acts
    codes = [named.get(analysis.lemmas[k].lower()) for k in heads if analysis.upos[k] == "NOUN"]
    return next((code for code in codes if code), None)


def _obliged(analysis: Analysis, head: int) -> bool:
    """An act that must happen: a modal on it ("must lift"), or "have/need to" over it."""
    rules = event_rules()
    if any(analysis.lemmas[k].lower() in rules.obliging for k in follow(analysis, head, "aux")):
        return True
    infinitives = [
        c for c in follow(analysis, head, "xcomp") if any(analysis.lemmas[k] == "to" for k in children(analysis, c))
    ]
    return analysis.lemmas[head].lower() in rules.obliging_verbs and bool(infinitives)


def _frame_at(analysis: Analysis, index: int) -> tuple[Frame, list[int]] | None:
    """The frame a verb (or "ready"-like adjective) opens, with its complements. A verb with a
    particle is another verb ("called *in* the ambassador"), and one describing a noun opens
    none ("a resolution calling for")."""
    if analysis.upos[index] not in ("VERB", "ADJ") or analysis.deprels[index] in MODIFIERS:
        return None
    if any(analysis.deprels[k] in ("prt", "compound:prt") for k in children(analysis, index)):
        return None
    for frame in _frames().get(analysis.lemmas[index].lower(), []):
        if frame.pos != analysis.upos[index]:
            continue
        if frame.requires is not None and not _complements(analysis, index, frame.requires):
            continue
        heads = _complements(analysis, index, frame.complements)
        if frame.obligation:
            heads = [k for k in heads if _obliged(analysis, k)]
        if _silent(analysis, heads):
            return None
        if heads or not frame.needs_complement:
            return frame, heads
    return None


def _hostile(act: EventCandidate) -> bool:
    return (act.code or "")[:2] in event_rules().coercive_roots  # CAMEO 15-20


def _accused(analysis: Analysis, act: EventCandidate | None) -> bool:
    """Whether a claimed act is a hostile one done by someone named, not by a pronoun that may
    be the claimant ("claimed that they had attacked Iraq")."""
    if act is None or not _hostile(act):
        return False
    doers = follow(analysis, act.index, "nsubj") + follow(analysis, act.index, "prep:by")
    return any(analysis.upos[k] != "PRON" for k in doers)


def attempted(analysis: Analysis, index: int) -> bool:
    """ "an attempt to kill the governor": the act itself (tried, if foiled), not a plan."""
    head = analysis.heads[index]
    return head >= 0 and analysis.lemmas[head].lower() in event_rules().attempts


def is_frame(analysis: Analysis, index: int) -> bool:
    return _frame_at(analysis, index) is not None


def _framed(analysis: Analysis, candidates: dict[int, EventCandidate], heads: list[int], index: int) -> list[int]:
    scope = set().union(*(subtree(analysis, h) for h in heads)) if heads else set()
    return sorted((k for k in candidates if k in scope and k != index), key=lambda k: depth(analysis, k, index))


def reframe(analysis: Analysis, candidates: dict[int, EventCandidate]) -> dict[int, EventCandidate]:
    """The candidates with framed acts folded into their frames (the innermost frame first, so
    "refused to agree to talks" is a refusal to meet, 125)."""
    result = dict(candidates)
    frames = [(k, found) for k in range(len(analysis.lemmas)) if (found := _frame_at(analysis, k))]
    frames.sort(key=lambda item: -depth(analysis, item[0], -1))
    for index, (frame, heads) in frames:
        inner = _framed(analysis, result, heads, index)
        act = result[inner[0]] if inner else None
        if frame.obligation and act is None:
            continue  # "said the economy should grow": no act is demanded
        if frame.needs_act and act is None and _named_act(analysis, heads) is None:
            continue  # "preparing for the parade"
        accused = frame.kind == "claim" and _accused(analysis, act)
        if frame.kind == "claim" and act is not None and _hostile(act) and not accused:
            continue  # "claimed that they had attacked": a claim of their own act, which stays
        for k in inner:
            del result[k]
        framed = (act.code if act else None) or _named_act(analysis, heads)
        own = result.get(index) or candidates.get(index)
        kind = frame.kind
        if kind == "ready":  # ready to coerce: a threat; ready to talk: an intent
            kind = "threaten" if (framed or "")[:2] in event_rules().coercive_roots else "intent"
        if kind == "intent" and act is not None and (framed or "")[:2] in event_rules().act_roots:
            result[act.index] = act  # "pledged to expel": the expulsion, and no pledge beside it
            result.pop(index, None)
            continue
        if kind == "allege" or (kind == "claim" and not accused):
            continue  # the frame's own code ("accused": 112); what is alleged is no event
        if kind == "cease":  # "agreed to halt the fighting": no fighting; violence stopped de-escalates
            if (framed or "")[:2] not in event_rules().threat_roots:
                continue  # "halted the talks": the frame's own rule, if any, says what it is
            framed = DE_ESCALATE
        code = framed if kind == "cease" else frame_code(kind, framed)
        if framed is None and own is not None and (own.code or "")[:2] == code[:2]:
            code = own.code  # the dictionary's code in the frame's chapter ("agreed ...": 0311)
        rule = Coding(type=KIND_TYPES[kind], cameo=code, recipient=frame.recipient)
        lemma = analysis.lemmas[index].lower()
        name = f"frame:{kind}:{lemma}>{framed or '-'}"
        paths = act.rule.recipient if act and act.rule else ()
        if kind == "claim":  # the claim accuses the framed act's doer
            paths = DOER
        result[index] = EventCandidate(index, code, rule, name, False, False, act.index if act else None, paths)
        if frame.obligation:
            result.update(_penalties(analysis, heads))
    return _planned_acts(analysis, _conditional_threats(analysis, result))


def _penalties(analysis: Analysis, heads: list[int]) -> dict[int, EventCandidate]:
    """ "must lift the blockade *or face sanctions*": the demand comes with a threat of the penalty."""
    found = {}
    for head in heads:
        for other in follow(analysis, head, "conj"):
            joined = {analysis.lemmas[k].lower() for k in children(analysis, other) + children(analysis, head)}
            if analysis.lemmas[other].lower() not in event_rules().penalty_verbs or "or" not in joined:
                continue
            penalty = _named_act(analysis, follow(analysis, other, "dobj"))
            code = frame_code("threaten", penalty)
            rule = Coding(type="THREATEN", cameo=code)
            name = f"penalty:threaten:{analysis.lemmas[other].lower()}>{penalty or '-'}"
            found[other] = EventCandidate(other, code, rule, name, False)
    return found


def _condition(analysis: Analysis, verb: int) -> int | None:
    """The verb's "unless ..." clause, or its "if ... not ..." clause."""
    for clause in follow(analysis, verb, "advcl"):
        marks = {analysis.lemmas[k].lower() for k in children(analysis, clause) if analysis.deprels[k] == "mark"}
        negated = any(analysis.lemmas[k].lower() in NEGATIONS for k in children(analysis, clause))
        if "unless" in marks or ("if" in marks and negated):
            return clause
    return None


def _conditional_threats(analysis: Analysis, candidates: dict[int, EventCandidate]) -> dict[int, EventCandidate]:
    """ "X will V unless Y ...": a threat of V (CAMEO 13 with V's code), the condition no event."""
    result = dict(candidates)
    for verb in range(len(analysis.lemmas)):
        if analysis.upos[verb] != "VERB" or analysis.deprels[verb] not in ("root", "ccomp", "conj"):
            continue
        if not any(analysis.lemmas[k].lower() in FUTURE for k in follow(analysis, verb, "aux")):
            continue
        clause = _condition(analysis, verb)
        if clause is None:
            continue
        condition = subtree(analysis, clause)
        for k in [k for k in result if k in condition]:
            del result[k]
        phrase = subtree(analysis, verb) - condition
        acts = sorted((k for k in result if k in phrase), key=lambda k: depth(analysis, k, verb))
        act = result[acts[0]] if acts else None
        if act is not None and act.rule is not None and act.rule.type == "THREATEN":
            continue  # already a threat
        for k in acts:
            del result[k]
        code = frame_code("threaten", act.code if act else None)
        name = f"condition:threaten:{analysis.lemmas[verb].lower()}>{act.code if act else '-'}"
        if act is not None:
            result[act.index] = _recoded(act, "THREATEN", code, name, coded=False)
        else:
            result[verb] = EventCandidate(verb, code, Coding(type="THREATEN", cameo=code), name, False)
    return result


def _future_verb(analysis: Analysis, index: int) -> int | None:
    """The act's verb when it is under "will/would" and not negated (a refused act stays a
    refusal); None otherwise."""
    verb = index if analysis.upos[index] == "VERB" else analysis.heads[index]
    if verb < 0 or analysis.upos[verb] != "VERB":
        return None
    future = any(analysis.lemmas[k].lower() in FUTURE for k in follow(analysis, verb, "aux"))
    future = future or headline_infinitive(analysis, verb)
    negated = any(analysis.lemmas[k].lower() in NEGATIONS for k in children(analysis, verb))
    return verb if future and not negated else None


def hypothetical(analysis: Analysis, index: int) -> bool:
    """ "analysts fear the army *could* attack", "*if* Iran attacks Israel, ...": an act only
    possible, or the condition of another, has not happened (PLOVER's context "hypothetical");
    the frames and conditional threats have already taken the ones that code something else."""
    verb = index if analysis.upos[index] in ("VERB", "AUX") else analysis.heads[index]
    if verb < 0:
        return False
    if any(analysis.lemmas[k].lower() in POSSIBLE for k in follow(analysis, verb, "aux")):
        return True
    node = verb
    while node >= 0:
        marks = {analysis.lemmas[k].lower() for k in children(analysis, node) if analysis.deprels[k] == "mark"}
        if analysis.deprels[node] == "advcl" and marks & CONDITIONS:
            return True
        node = analysis.heads[node] if analysis.deprels[node] in ("conj", "xcomp") else -1
    return False


def _scheduled(analysis: Analysis, verb: int) -> bool:
    """ "is expected to attack", "is scheduled to meet", "is due to arrive": an act ahead (a
    meeting scheduled stays the meeting, as PETRARCH-2's gold has it; violence expected is a
    forecast)."""
    head = analysis.heads[verb]
    if head < 0 or analysis.deprels[verb] != "xcomp":
        return False
    return analysis.lemmas[head].lower() in SCHEDULED and any(
        analysis.lemmas[k].lower() == "be" for k in children(analysis, head)
    )


def headline_infinitive(analysis: Analysis, verb: int) -> bool:
    """ "Obama to visit Japan", "Russia to attack Ukraine": a headline's infinitive with no finite
    verb above it says what will happen. The parser makes it the root, or hangs it on the root
    noun; an infinitive describing a noun ("a plan to visit") is ``unrealised``, not this."""
    if not any(analysis.lemmas[k].lower() == "to" for k in follow(analysis, verb, "aux")):
        return False
    head = analysis.heads[verb]
    if head < 0:
        return True
    on_root_noun = analysis.heads[head] < 0 and analysis.upos[head] in ("NOUN", "PROPN")
    return on_root_noun and analysis.deprels[verb] in ("relcl", "advcl")


def _planned_acts(analysis: Analysis, candidates: dict[int, EventCandidate]) -> dict[int, EventCandidate]:
    """ "will visit Seoul next week": a meeting not held yet is an intent to meet (CAMEO 036,
    AGREE in PLOVER's codebook), as a promise to meet is, and so is a cooperative act announced in
    reported speech ("announced it would free 150 prisoners": 0353; "the US will supply arms" is
    the supply, as PETRARCH's gold has it); a refused one stays a refusal. One held out on
    a condition ("would meet ... only if the North stopped its tests") demands the condition
    (CAMEO 10, REQUEST), whose own act is no event. Violence announced ("will attack", "would
    strike") is a threat of it (CAMEO 13), as a vow to retaliate is."""
    result = dict(candidates)
    for index, candidate in candidates.items():
        if (candidate.code or "")[:2] in event_rules().threat_roots and _scheduled(analysis, index):
            result.pop(index, None)  # "the army is expected to attack": a forecast, nobody's act or threat
            continue
        verb = _future_verb(analysis, index)
        if index not in result or verb is None:
            continue
        if (candidate.code or "")[:2] in event_rules().threat_roots:  # "said they will attack Iraq"
            code = frame_code("threaten", candidate.code)
            result[index] = _recoded(candidate, "THREATEN", code, f"{candidate.name}+planned-threat")
            continue
        code = candidate.code or ""
        consult = candidate.rule is not None and candidate.rule.type == "CONSULT"
        meeting = code.startswith("04") or (not code and consult)
        announced = code[:2] in COOPERATIVE_ROOTS and analysis.deprels[verb] == "ccomp"  # "said it would free"
        if not (meeting or announced):
            continue
        conditions = [
            clause
            for clause in follow(analysis, verb, "advcl")
            if any(analysis.lemmas[m].lower() == "if" for m in children(analysis, clause))
        ]
        if not conditions:
            code = frame_code("intent", candidate.code or "04")
            result[index] = _recoded(candidate, "AGREE", code, f"{candidate.name}+planned")
            continue
        condition = subtree(analysis, conditions[0])
        acts = sorted((k for k in result if k in condition), key=lambda k: depth(analysis, k, conditions[0]))
        demanded = result[acts[0]].code if acts else None
        for k in acts:
            del result[k]
        name = f"{candidate.name}+conditional>{demanded or '-'}"
        result[index] = _recoded(candidate, "REQUEST", frame_code("demand", demanded), name, coded=False)
    return result
