"""Sentence vectors that depend on the text alone, cached, and computable on any executor.

A batched encoder pads and blocks its matrices by what it was given: USE's vector of a text
moved by up to 1.7e-7 with its batch mates, and EmbeddingGemma's by 1.3e-7. Then what the cache
held, the order of documents, or which worker ran a batch could decide a close alignment; the
BLAS thread count moved them too. So :class:`EachEncoded` encodes every text alone on one
thread (more time than batched on two, measured in ``benchmarks/README.md``; a process pool or
Ray actors win it back): a vector is a function of the text, the model and the pinned float
mode. Because of that, the misses can be encoded anywhere: :class:`EncodeWork` is the executor's
unit (a process pool or Ray actors load the encoder once each), and the align stage stores what
they return with :meth:`EachEncoded.keep` before aligning.
"""

from __future__ import annotations

import base64
from functools import cache
from pathlib import Path

import numpy as np

from pipelines.core.cache import KeyValueCache
from pipelines.core.floats import float_mode
from pipelines.core.hashing import content_key
from pipelines.core.settings import AlignSettings
from pipelines.engines.vectors.embedders import Embedder, EnsembleEmbedder, make_embedder

TABLE = "embeddings_each"  # apart from the batched vectors other users of the cache file keep


GPU_BATCH = 64


def on_gpu(embedder: Embedder) -> bool:
    """The encoder runs on CUDA (its name says the device: ``... cuda bf16)``)."""
    return " cuda " in f" {embedder.name.replace('(', ' ').replace(',', ' ')} "


def encode_each(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """Each text encoded in a call of its own on the CPU. On a GPU, where one text at a time
    wastes the device, in batches of ``GPU_BATCH``: those vectors depend on their batch mates,
    as the device's float16 arithmetic already makes them differ from the CPU's (the encoder's
    name, and so the cache key and every row, says the device). Untested here: no GPU."""
    if not texts:
        return np.zeros((0, 1), dtype=np.float32)
    if on_gpu(embedder):
        return np.concatenate([embedder.embed(texts[i : i + GPU_BATCH]) for i in range(0, len(texts), GPU_BATCH)])
    return np.stack([embedder.embed([text])[0] for text in texts]).astype(np.float32)


@cache
def load_encoder(spec: str, gemma_dir: str, gemma_prompt: str | None) -> Embedder:
    """One loaded encoder per process (the stage's own, or a worker's) for an ``align.embedder``
    name, on one thread."""
    settings = AlignSettings(gemma_dir=Path(gemma_dir), gemma_prompt=gemma_prompt)
    return make_embedder(spec, 1, settings)


class EachEncoded:
    """One encoder's vectors, cached per text (when ``cache_path`` is set), each encoded alone."""

    def __init__(self, spec: str, settings: AlignSettings) -> None:
        self.spec = spec
        self.load_args = (spec, str(settings.gemma_dir), settings.gemma_prompt)
        self.inner = load_encoder(*self.load_args)
        self.name = self.inner.name
        self.cache_path = settings.cache_path

    def _keys(self, texts: list[str]) -> list[str]:
        mode = float_mode()
        return [content_key(self.name, mode, "each, 1 thread", text) for text in texts]

    def missing(self, texts: list[str]) -> list[str]:
        """The distinct texts without a cached vector (all of them without a cache)."""
        distinct = list(dict.fromkeys(texts))
        if self.cache_path is None:
            return distinct
        keys = self._keys(distinct)
        with KeyValueCache(self.cache_path, TABLE) as store:
            found = store.get_many(keys)
        return [text for text, key in zip(distinct, keys, strict=True) if key not in found]

    def keep(self, texts: list[str], vectors: np.ndarray) -> None:
        if self.cache_path is None or not texts:
            return
        with KeyValueCache(self.cache_path, TABLE) as store:
            keys = self._keys(texts)
            store.put_many({k: v.astype(np.float32).tobytes() for k, v in zip(keys, vectors, strict=True)})

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        if self.cache_path is None:
            return encode_each(self.inner, texts)
        keys = self._keys(texts)
        with KeyValueCache(self.cache_path, TABLE) as store:
            found = store.get_many(list(dict.fromkeys(keys)))
            todo = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in found))
            vectors = encode_each(self.inner, todo).astype(np.float32)
            fresh = {key: vector.tobytes() for key, vector in zip(self._keys(todo), vectors, strict=True)}
            store.put_many(fresh)
        found.update(fresh)
        return np.stack([np.frombuffer(found[key], dtype=np.float32) for key in keys])


def cached_parts(embedder: Embedder) -> list[EachEncoded]:
    """The cached encoders inside ``embedder`` (an ensemble's members, or itself)."""
    members = embedder.members if isinstance(embedder, EnsembleEmbedder) else [embedder]
    return [m for m in members if isinstance(m, EachEncoded) and m.cache_path is not None]


def to_text(vector: np.ndarray) -> str:
    return base64.b64encode(np.asarray(vector, dtype=np.float32).tobytes()).decode("ascii")


def from_texts(items: list[str]) -> np.ndarray:
    return np.stack([np.frombuffer(base64.b64decode(item), dtype=np.float32) for item in items])


class EncodeWork:
    """Executor work: loads the encoder once per process or Ray actor; maps texts to their
    vectors (float32, base64), each text encoded alone."""

    def __init__(self, spec: str, gemma_dir: str, gemma_prompt: str | None) -> None:
        self.encoder = load_encoder(spec, gemma_dir, gemma_prompt)

    def __call__(self, batch: list[str]) -> list[str]:
        return [to_text(vector) for vector in encode_each(self.encoder, list(batch))]
