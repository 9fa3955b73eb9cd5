"""The records every stage reads and writes, in one place.

One module owns the shapes so that ids, character offsets and provenance mean the same
thing everywhere. Offsets are Python ``str`` indices (code points), the unit Label Studio
and ``datasets`` use too. Stages refer to each other's rows only by id (``sent_id``,
``align_id``), never by importing each other.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from pipelines.core.hashing import text_hash

SCHEMA_VERSION = 1


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Provenance(Record):
    """Which engine and model produced a field.

    ``substitute_for`` is set when an offline stand-in produced the field instead of the
    engine the stage is designed around (e.g. a dictionary gloss instead of argos MT), so
    no consumer mistakes one for the other.
    """

    engine: str
    model: str | None = None
    version: str | None = None
    model_sha256: str | None = None
    substitute_for: str | None = None
    postprocess: str | None = None


class Span(Record):
    """A character span; ``start``/``end`` index the text of the record that holds it."""

    start: int
    end: int
    text: str

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"span offsets out of order: {self.start}..{self.end}")
        if self.end - self.start != len(self.text):
            raise ValueError(
                f"span {self.start}..{self.end} has length {self.end - self.start} "
                f"but its text {self.text!r} has length {len(self.text)}"
            )
        return self


# --- documents and sentences ------------------------------------------------------------------

ParagraphKind = Literal["text", "list_item", "infobox", "heading", "title"]


class Paragraph(Span):
    """A line-level block of a document; offsets index ``Document.text``."""

    para_id: str
    index: int
    kind: ParagraphKind
    section: list[str]
    navigation: bool = False


class Document(Record):
    schema_version: int = SCHEMA_VERSION
    doc_id: str
    file: str
    sha256: str
    lang: str
    lang_confidence: float
    lang_provenance: Provenance
    title: str | None
    text: str
    paragraphs: list[Paragraph]
    infobox: dict[str, str]
    see_also: list[str]
    source: str | None = None
    url: str | None = None
    licence: str
    licence_note: str | None = None

    @model_validator(mode="after")
    def _offsets_match(self) -> Document:
        for para in self.paragraphs:
            if self.text[para.start : para.end] != para.text:
                raise ValueError(f"paragraph {para.para_id} offsets do not match the document text")
        return self

    def sentence_paragraphs(self) -> list[Paragraph]:
        """Paragraphs whose text goes on to sentence segmentation."""
        return [p for p in self.paragraphs if p.kind == "text" and not p.navigation]


class Token(Span):
    """A token; offsets index ``Sentence.text``."""


class Sentence(Record):
    schema_version: int = SCHEMA_VERSION
    sent_id: str
    doc_id: str
    para_id: str
    index: int
    lang: str
    text: str
    start: int
    end: int
    section: list[str]
    tokens: list[Token]
    provenance: Provenance

    @model_validator(mode="after")
    def _tokens_match(self) -> Sentence:
        for token in self.tokens:
            if self.text[token.start : token.end] != token.text:
                raise ValueError(f"token {token.text!r} offsets do not match the sentence text")
        return self


def sentence_id(doc_id: str, para_index: int, index_in_para: int, text: str) -> str:
    """Stable id: a re-run that leaves a sentence (and its place) unchanged keeps its id."""
    return f"{doc_id}-p{para_index:03d}-s{index_in_para:02d}-{text_hash(text)}"


# --- translations and alignments -------------------------------------------------------------


class TranslationRequest(Record):
    """What an engine is asked for one sentence: the sentence, and what the llm's prompt shows
    with it (the document's previous sentences, the glossary terms it contains, the examples).
    The cache keys on what the engine reads of it, so a changed context is a new request."""

    sentence: Sentence
    context: list[str] = []
    terms: list[tuple[str, str]] = []  # (German, English) asked for
    examples: list[tuple[str, str]] = []
    strict: bool = False  # the retry of a translation that failed its checks
    # 0: greedy decoding, one text; n > 0: the n best of a beam search, returned as a JSON list (a
    # retry's extra candidates; a beam is deterministic, where seeded sampling was not per process)
    alternatives: int = 0


class Translation(Record):
    sent_id: str
    doc_id: str
    src_lang: str
    tgt_lang: str
    source: str
    text: str
    provenance: Provenance
    settings: dict[str, Any]
    # checks every translation passes (numbers, names, length, quality estimate); a failing one is
    # retried where the engine can, else kept with ``flagged`` and the reasons in ``flags``
    quality: float | None = None  # cosine of source and translation multilingual embeddings
    flagged: bool = False
    flags: list[str] = []
    attempts: int = 1
    # an output that failed a check of translate.reject_on (after the retry) is not a translation:
    # ``text`` is empty and the output is kept here, with the reasons in ``flags``
    rejected: str | None = None
    # who wrote ``text``: "model:<engine>", "human" (a post-edit of this sentence) or "human:memory"
    # (an annotator's translation of the same German sentence elsewhere); ``machine`` keeps the
    # machine translation beside a human one (provenance, quality and flags describe the machine's)
    translation_source: str = ""
    machine: str | None = None

    @property
    def writer(self) -> str:
        """Who wrote ``text``: "human", "human:memory", or the machine engine's name."""
        return self.translation_source if self.translation_source.startswith("human") else self.provenance.engine


REVIEW_CANDIDATES = 3  # English candidates an alignment-review task shows (mining), best first


class CandidateTarget(Record):
    """The English sentence(s) an alignment row points to: its match, or its best guess."""

    tgt_ids: list[str]
    tgt_doc: str | None
    text: str | None


class AlignmentCandidate(CandidateTarget):
    """One English candidate as it travels from the aligner to the review task, the dataset
    rows and the report: ``score`` is the mining margin (or the row's score), ``cosine`` and
    ``chrf_mt`` the similarities behind it where the aligner computed them."""

    score: float | None = None
    cosine: float | None = None
    chrf_mt: float | None = None


class Alignment(Record):
    align_id: str
    method: Literal["mining", "document"]
    status: Literal["match", "no_match"]
    src_ids: list[str]
    tgt_ids: list[str]
    src_doc: str
    tgt_doc: str | None
    src_text: str
    tgt_text: str | None
    translation: str | None
    translation_engine: str | None
    score: float | None
    components: dict[str, float]
    best_candidate: CandidateTarget | None = None
    # mining: the English candidates the annotator chooses from, the linked/best one first
    candidates: list[AlignmentCandidate] = []
    embedding_model: str
    provenance: Provenance

    def candidate(self) -> tuple[list[str], str | None, str | None]:
        """English ids, doc and text: the matched sentence, or for ``no_match`` the best candidate."""
        best = self.best_candidate or CandidateTarget(tgt_ids=[], tgt_doc=None, text=None)
        return (self.tgt_ids or best.tgt_ids, self.tgt_doc or best.tgt_doc, self.tgt_text or best.text)

    def review_candidates(self) -> list[AlignmentCandidate]:
        """The English candidates a review offers, best first (rows without a list: the one candidate)."""
        if self.candidates:
            return self.candidates[:REVIEW_CANDIDATES]
        ids, doc, text = self.candidate()
        return [AlignmentCandidate(tgt_ids=ids, tgt_doc=doc, text=text, score=self.score)] if text else []


def alignment_id(src_ids: list[str], tgt_ids: list[str]) -> str:
    return "al-" + text_hash("|".join(src_ids) + "->" + ("|".join(tgt_ids) or "none"), 12)


# --- entities and events ----------------------------------------------------------------------


class TypeEvidence(Record):
    """One piece of evidence for a type: ``kind`` (alignment, gazetteer, gazetteer-overlap, rule,
    translation-ner, alias, untyped) and ``detail`` (the aligned English sentence, the gazetteer,
    the engine, the alias's long form)."""

    kind: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.kind}:{self.detail}" if self.detail else self.kind


class TypeSource(Record):
    """Where an entity's type came from.

    ``ner``: the model ``engine`` typed it (``evidence`` then says what narrowed its type);
    ``projection``: the English side did (``evidence``); ``regex``: the pattern set ``engine``.
    ``str()`` is the dataset's ``type_source`` column (``ner:<engine>+gazetteer:en-corpus``).
    """

    origin: Literal["ner", "projection", "regex"]
    engine: str = ""
    evidence: list[TypeEvidence] = []

    def __str__(self) -> str:
        head = f"{self.origin}:{self.engine}" if self.engine else self.origin
        if self.origin == "projection":
            return "+".join([self.origin + ":" + str(self.evidence[0]), *map(str, self.evidence[1:])])
        return "+".join([head, *map(str, self.evidence)])

    @property
    def summary(self) -> str:
        """``ner``, ``ner+gazetteer``, ``projection:alias``, ``regex``: what the tag metrics count."""
        kinds = [e.kind for e in self.evidence]
        if self.origin == "projection":
            return f"projection:{kinds[0]}" if kinds else "projection"
        return "+".join([self.origin, *kinds])

    def narrowed(self, evidence: TypeEvidence) -> TypeSource:
        return self.model_copy(update={"evidence": [*self.evidence, evidence]})

    @property
    def untyped(self) -> bool:
        """A projection that found no type (the name stays MISC)."""
        return self.origin == "projection" and [e.kind for e in self.evidence] == ["untyped"]


class Entity(Span):
    ent_id: str
    label: str
    engine_label: str
    confidence: float | None = None
    type_source: TypeSource


class Argument(Span):
    ent_id: str | None = None
    label: str | None = None
    code: str | None = None  # CAMEO actor code (country + agent), e.g. PRKGOV, ---MIL


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
