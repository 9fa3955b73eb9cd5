"""Translation engines behind one small interface (:class:`Translator`).

- ``argos``: an installed argostranslate package, run through its CTranslate2 model in
  length-sorted batches with one model load. Tokenisation, decoding options and
  detokenisation follow ``argostranslate.translate.apply_packaged_translation`` so the
  output equals argos's own ``translate()`` for the same model and settings (tested).
- ``gloss``: the offline dictionary gloss of :mod:`pipelines.engines.gloss`, labelled as such.
"""

from __future__ import annotations

import os
from importlib.metadata import version
from pathlib import Path
from typing import Any, Protocol

from pipelines.core.errors import StageError, warn
from pipelines.core.hashing import content_key
from pipelines.core.records import Provenance, Sentence
from pipelines.core.settings import TranslateSettings
from pipelines.engines import models
from pipelines.engines.gloss import GlossEngine


class Translator(Protocol):
    provenance: Provenance
    fingerprint: str  # identifies model + engine for the cache
    settings: dict[str, Any]

    def translate(self, sentences: list[Sentence]) -> list[str]: ...


class ArgosEngine:
    """Batched translation through an installed argos package's CTranslate2 model."""

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
        self.provenance = Provenance(
            engine="argostranslate",
            model=info.name,
            version=f"argostranslate {version('argostranslate')}, ctranslate2 {version('ctranslate2')}",
            model_sha256=info.sha256,
        )

    def translate(self, sentences: list[Sentence]) -> list[str]:
        return self.translate_texts([s.text for s in sentences])

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


def cache_key(engine: Translator, source: str) -> str:
    """Translation cache key: (engine fingerprint, output-affecting settings, source text)."""
    return content_key(engine.fingerprint, engine.settings, source)


def resolve_translator(settings: TranslateSettings) -> Translator:
    """auto: argos if a package is installed (or a local package path is given), else the gloss."""
    source, target, packages_dir = settings.source_lang, settings.target_lang, settings.packages_dir
    if settings.engine in ("auto", "argos"):
        package = models.find_argos_package(source, target, packages_dir)
        local = os.environ.get("ARGOS_MODEL_PATH") or settings.model_path
        if package is None and local:
            models.install_argos_from_path(Path(local), packages_dir)
            package = models.find_argos_package(source, target, packages_dir)
        if package is not None:
            return ArgosEngine(package, settings)
        if settings.engine == "argos" or not settings.allow_gloss:
            raise StageError(
                f"no argos {source}->{target} package in {packages_dir}: install one with "
                "`corpus models argos` (online) or `corpus models argos --path FILE.argosmodel`, or set "
                "ARGOS_MODEL_PATH / translate.model_path; or allow the dictionary gloss (translate.allow_gloss)"
            )
    warn(
        "translating with the DICTIONARY GLOSS engine (word-by-word, not machine translation): no argos "
        f"{source}->{target} package is installed. Rows are marked engine=gloss."
    )
    return GlossEngine()
