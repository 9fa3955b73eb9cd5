"""The llm engine's llama.cpp runtime: the published GGUF as it is (Q4_K_M), one request at a time.

Why: on 2 CPU cores decoding streams the weights once per token, and the 4-bit GGUF is 1.1 GB
against CTranslate2's 1.8 GB of int8, so one request decodes about 2.4× faster (16 seed
sentences: 28 s against 67 s, measured in one run). The binding is ``llama-cpp-cffi`` (a wheel
on PyPI; llama.cpp's CPU build in it is compiled for AVX2 and FMA only, so every x86-64 CPU with
AVX2 runs the same kernels and writes the same bytes, AVX-512 or not). Its wheel was built with a
newer libstdc++ than Debian 12's: the one symbol it lacks is supplied by a 3-line shim compiled
once with the machine's ``g++`` (:func:`shim_path`).

Each request is independent of the others: the shared prefix (system prompt and examples) is
decoded once into sequence 0, and every request starts from exactly that cache state (its own
tokens are removed afterwards), so the cache, the order and the executor never change a row.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.util
import math
import subprocess
import time
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from pipelines.core.errors import StageError
from pipelines.core.hashing import package_version
from pipelines.core.private import exclusive_lock

PACKAGE = "llama-cpp-cffi"
SHIM_SOURCE = (
    "// GCC 14's libstdc++ entry for an exception leaving a noexcept function (older ones lack it)\n"
    "#include <exception>\n"
    'extern "C" [[noreturn]] void __cxa_call_terminate(void*) noexcept { std::terminate(); }\n'
)
BUILD_DIR = Path(".cache") / "native"
CONTEXT_TOKENS = 8192  # prefix + turn + budget; the KV cache costs 28 KB per token for this model
BATCH_TOKENS = 512


def installed() -> bool:
    return importlib.util.find_spec("llama") is not None and package_version(PACKAGE, "") != ""


def shim_path(build_dir: Path = BUILD_DIR) -> Path:
    """Compile (once per source) the libstdc++ shim the binding's library needs on older systems."""
    digest = hashlib.sha256(SHIM_SOURCE.encode()).hexdigest()[:16]
    target = build_dir / f"cxa_shim-{digest}.so"
    if target.exists():
        return target
    build_dir.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(build_dir / "build.lock"):
        if not target.exists():
            source = target.with_suffix(".cc")
            source.write_text(SHIM_SOURCE, encoding="utf-8")
            partial = target.with_suffix(".partial")
            command = ["g++", "-O2", "-shared", "-fPIC", "-o", str(partial), str(source)]
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode:
                raise StageError(f"building the llama.cpp shim failed ({' '.join(command)}):\n{done.stderr[-2000:]}")
            partial.rename(target)
    return target


def library_file(device: str) -> Path:
    """The binding's compiled library for the device: its CPU build, or its CUDA 12 build."""
    spec = importlib.util.find_spec("llama")
    if spec is None or not spec.submodule_search_locations:
        raise StageError(f"translate.llm_runtime llamacpp needs {PACKAGE} (bash scripts/setup.sh installs it)")
    folder = Path(next(iter(spec.submodule_search_locations)))
    stem = "_llama_cpp_cuda_12_6_3" if device == "cuda" else "_llama_cpp_cpu"
    found = sorted(folder.glob(f"{stem}.*.so"))
    if not found:
        raise StageError(f"{folder}: no {stem} library in {PACKAGE} {package_version(PACKAGE, '?')}")
    return found[0]


@cache
def library(device: str) -> tuple[Any, Any]:
    """The binding's compiled module for the device (``lib``, ``ffi``), loaded without importing the
    package's high-level layer (which pulls transformers and a hub client)."""
    path = library_file(device)
    ctypes.CDLL(str(shim_path().resolve()), mode=ctypes.RTLD_GLOBAL)
    stem = path.name.split(".")[0]
    module_spec = importlib.util.spec_from_file_location(stem, path)
    assert module_spec and module_spec.loader
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    lib, ffi = module.lib, module.ffi

    @ffi.callback("void(enum ggml_log_level, const char *, void *)")
    def quiet(level: int, text: Any, data: Any) -> None:  # llama.cpp logs every tensor at load
        return None

    lib.llama_log_set(quiet, ffi.NULL)
    lib.llama_backend_init()
    module.keep_alive = quiet
    return lib, ffi


def recorded(device: str) -> dict[str, Any]:
    return {
        "runtime": f"llama.cpp ({PACKAGE} {package_version(PACKAGE, '?')})",
        "device": device,
        "compute_type": "as the GGUF (Q4_K_M)",
        "cpu_isa": "AVX2+FMA (the binding's build)" if device == "cpu" else None,
    }


class LlamaCppRuntime:
    """A GGUF loaded once; greedy decoding and a beam's n best, over the tokenizer's token ids."""

    def __init__(self, gguf: Path, vocabulary: dict[str, int], device: str, threads: int, max_sequences: int) -> None:
        self.lib, self.ffi = library(device)
        params = self.lib.llama_model_default_params()
        params.n_gpu_layers = 999 if device == "cuda" else 0
        self.model = self.lib.llama_model_load_from_file(str(gguf).encode(), params)
        if self.model == self.ffi.NULL:
            raise StageError(f"{gguf}: llama.cpp could not load the model")
        context = self.lib.llama_context_default_params()
        context.n_ctx = CONTEXT_TOKENS
        context.n_batch = context.n_ubatch = BATCH_TOKENS
        context.n_seq_max = max_sequences
        context.n_threads = context.n_threads_batch = max(1, threads)
        self.context = self.lib.llama_init_from_model(self.model, context)
        if self.context == self.ffi.NULL:
            raise StageError(f"{gguf}: llama.cpp could not create a context of {CONTEXT_TOKENS} tokens")
        self.n_vocab = self.lib.llama_vocab_n_tokens(self.lib.llama_model_get_vocab(self.model))
        self.batch = self.lib.llama_batch_init(BATCH_TOKENS, 0, 1)
        self.vocabulary = vocabulary
        self.prefix: list[int] | None = None
        self.batch_size = 1  # one request at a time: on a CPU that is where llama.cpp is fast

    def __del__(self) -> None:
        lib = getattr(self, "lib", None)
        if lib is None:
            return
        if getattr(self, "batch", None) is not None:
            lib.llama_batch_free(self.batch)
        if getattr(self, "context", None) is not None:
            lib.llama_free(self.context)
        if getattr(self, "model", None) is not None:
            lib.llama_model_free(self.model)

    def ids(self, tokens: list[str] | tuple[str, ...]) -> list[int]:
        return [self.vocabulary[token] for token in tokens]

    def greedy(
        self, static: tuple[str, ...], turns: list[list[str]], max_length: int, deadline: float, end_tokens: list[str]
    ) -> tuple[list[list[int]], set[int]]:
        """Each turn's greedy continuation after the shared prefix, and the positions cut by the deadline."""
        end_ids = set(self.ids(end_tokens))
        outputs: list[list[int]] = []
        stopped: set[int] = set()
        for position, turn in enumerate(turns):
            prefix = self._start(static, turn, max_length)
            logits = self._decode([(token, len(prefix) + i, 0) for i, token in enumerate(self.ids(turn))])[-1]
            produced: list[int] = []
            at = len(prefix) + len(turn)
            while len(produced) < max_length:
                token = int(np.argmax(logits))
                if token in end_ids:
                    break
                produced.append(token)
                if time.monotonic() > deadline:
                    stopped.add(position)
                    break
                logits = self._decode([(token, at, 0)])[-1]
                at += 1
            self._back_to_prefix(len(prefix))
            outputs.append(produced)
        return outputs, stopped

    def best_of_beam(
        self, static: tuple[str, ...], turn: list[str], max_length: int, width: int, n_best: int, end_tokens: list[str]
    ) -> list[list[int]]:
        """The ``n_best`` hypotheses of a beam search of ``width``, scored by mean log-probability
        per token (length penalty 1, as CTranslate2's default), each beam in its own KV sequence."""
        end_ids = set(self.ids(end_tokens))
        prefix = self._start(static, turn, max_length)
        self.lib.llama_kv_self_seq_cp(self.context, 0, 1, -1, -1)
        start = len(prefix) + len(turn)
        logits = self._decode([(token, len(prefix) + i, 1) for i, token in enumerate(self.ids(turn))])[-1]
        beams: list[tuple[float, list[int], int, np.ndarray]] = [(0.0, [], 1, logits)]
        finished: list[tuple[float, list[int]]] = []
        for _ in range(max_length):
            candidates = []
            for index, (score, _, _, row) in enumerate(beams):
                scores = _log_softmax(row)
                for token in np.argpartition(-scores, width * 2)[: width * 2]:
                    candidates.append((score + float(scores[token]), index, int(token)))
            candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
            chosen: list[tuple[float, int, int]] = []
            for score, index, token in candidates:
                if token in end_ids:
                    tokens = beams[index][1]
                    finished.append((score / (len(tokens) + 1), tokens))
                elif len(chosen) < width:
                    chosen.append((score, index, token))
            if len(finished) >= width or not chosen:
                break
            beams = self._advance(beams, chosen, start)
        finished += [(score / max(1, len(tokens)), tokens) for score, tokens, _, _ in beams]
        finished.sort(key=lambda f: -f[0])
        for sequence in range(1, 2 * width + 2):
            self.lib.llama_kv_self_seq_rm(self.context, sequence, -1, -1)
        self._back_to_prefix(len(prefix))
        unique: list[list[int]] = []
        for _, tokens in finished:
            if tokens not in unique:
                unique.append(tokens)
        return unique[:n_best]

    def _advance(
        self, beams: list[tuple[float, list[int], int, np.ndarray]], chosen: list[tuple[float, int, int]], start: int
    ) -> list[tuple[float, list[int], int, np.ndarray]]:
        """Give every chosen continuation a KV sequence (the parent's own for its first child, a
        copy of it for the others), drop the rest, and decode the new tokens in one batch."""
        owner: dict[int, int] = {}  # parent beam -> the KV sequence its first child keeps
        for _, index, _ in chosen:
            owner.setdefault(index, beams[index][2])
        for index, beam in enumerate(beams):
            if index not in owner:
                self.lib.llama_kv_self_seq_rm(self.context, beam[2], -1, -1)
        free = [s for s in range(1, 2 * len(chosen) + 2) if s not in owner.values()]
        sequences, seen = [], set()
        for _, index, _ in chosen:
            if index not in seen:
                seen.add(index)
                sequences.append(owner[index])
                continue
            sequence = free.pop(0)
            self.lib.llama_kv_self_seq_rm(self.context, sequence, -1, -1)
            self.lib.llama_kv_self_seq_cp(self.context, owner[index], sequence, -1, -1)
            sequences.append(sequence)
        entries = [
            (token, start + len(beams[index][1]), sequence)
            for (_, index, token), sequence in zip(chosen, sequences, strict=True)
        ]
        rows = self._decode(entries, rows="all")
        return [
            (score, [*beams[index][1], token], sequence, row)
            for (score, index, token), sequence, row in zip(chosen, sequences, rows, strict=True)
        ]

    def _start(self, static: tuple[str, ...], turn: list[str], max_length: int) -> list[int]:
        """Sequence 0 holding exactly the prefix: decoded once per distinct prefix, from an empty cache."""
        prefix = self.ids(static)
        if len(prefix) + len(turn) + max_length > CONTEXT_TOKENS:
            raise StageError(
                f"an llm request of {len(prefix) + len(turn)} prompt tokens and {max_length} to generate exceeds "
                f"llama.cpp's context of {CONTEXT_TOKENS} tokens (translate.max_decoding_length bounds the rest)"
            )
        if prefix != self.prefix:
            self.lib.llama_kv_self_clear(self.context)
            self.prefix = None
            if prefix:
                self._decode([(token, i, 0) for i, token in enumerate(prefix)], rows="none")
            self.prefix = prefix
        return prefix

    def _back_to_prefix(self, length: int) -> None:
        """Drop a request's tokens from sequence 0: the next request starts from the prefix alone."""
        self.lib.llama_kv_self_seq_rm(self.context, 0, length, -1)

    def _decode(self, entries: list[tuple[int, int, int]], rows: str = "last") -> list[np.ndarray]:
        """Decode (token, position, sequence) entries in chunks of the batch size; return the logits
        of the last entry (``last``: a prompt), of every entry (``all``: a beam step) or none."""
        out: list[np.ndarray] = []
        for begin in range(0, len(entries), BATCH_TOKENS):
            part = entries[begin : begin + BATCH_TOKENS]
            final = begin + len(part) == len(entries)
            wanted = set(range(len(part))) if rows == "all" else {len(part) - 1} if rows == "last" else set()
            wanted = wanted if final else set()
            self.batch.n_tokens = len(part)
            for i, (token, position, sequence) in enumerate(part):
                self.batch.token[i] = token
                self.batch.pos[i] = position
                self.batch.n_seq_id[i] = 1
                self.batch.seq_id[i][0] = sequence
                self.batch.logits[i] = 1 if i in wanted else 0
            code = self.lib.llama_decode(self.context, self.batch)
            if code != 0:
                raise StageError(f"llama.cpp could not decode a batch of {len(part)} tokens (code {code})")
            for i in sorted(wanted):
                pointer = self.lib.llama_get_logits_ith(self.context, i)
                out.append(np.frombuffer(self.ffi.buffer(pointer, self.n_vocab * 4), dtype=np.float32).copy())
        return out


def _log_softmax(row: np.ndarray) -> np.ndarray:
    values = row.astype(np.float64)
    top = float(values.max())
    return values - (top + math.log(float(np.exp(values - top).sum())))
