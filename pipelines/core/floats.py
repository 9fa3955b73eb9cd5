"""The CPU paths that decide floats, pinned in one place, before numpy and OpenBLAS load.

The same commit gave other bytes on an AMD EPYC without AVX-512 than on an Intel machine with
it: libraries pick their kernels by what the CPU has, and other kernels sum in another order.
CTranslate2's ISA is pinned by ``translate.cpu_isa`` (``engines/translate/llm.pin_cpu_isa``).
numpy's own SIMD loops, OpenBLAS's kernels (USE vectors, PCA, k-means, alignment scores) and
torch's MKL and oneDNN (the NER head's training) are pinned here to what every x86-64 CPU of
the last decade has: AVX2. OpenBLAS runs on one thread: its one-thread path sums otherwise
than its threaded one, executor workers run with one thread, and for USE's small matrices one
thread was also faster (623 vs 431 sentences/s in one run). The pin wins over the
environment (a machine's default or a user's variable), so a run gives the same bytes on
any such CPU; ``CORPUS_NATIVE_FLOATS=1`` lets the machine choose (faster on AVX-512, other
bytes). Values that decide an output are also rounded where they are decided.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

NUMPY_WITHOUT = "AVX512F AVX512CD AVX512_KNL AVX512_KNM AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL AVX512_SPR"
OPENBLAS_CORE = "Haswell"  # OpenBLAS's AVX2 kernels


def cpu_has(flag: str) -> bool:
    cpuinfo = Path("/proc/cpuinfo")
    return cpuinfo.exists() and f" {flag}" in cpuinfo.read_text(encoding="utf-8", errors="replace")


def pin_float_paths() -> dict[str, str]:
    """Set the pins (once per process, before numpy is imported; child processes inherit them).
    Returns what is in force; nothing on a CPU without AVX2, or when numpy is already loaded."""
    if os.environ.get("CORPUS_NATIVE_FLOATS") == "1" or platform.machine() not in ("x86_64", "AMD64"):
        return {}
    if "numpy" in sys.modules or not cpu_has("avx2"):
        return {}
    pins = {
        "OPENBLAS_CORETYPE": OPENBLAS_CORE,
        "NPY_DISABLE_CPU_FEATURES": NUMPY_WITHOUT,
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_CBWR": "AVX2",  # torch's MKL (the NER head's training), CTranslate2's MKL
        "ONEDNN_MAX_CPU_ISA": "AVX2",  # torch's oneDNN kernels
    }
    os.environ.update(pins)
    return pins


def float_mode() -> str:
    """Part of the cache keys of float results: vectors made under other kernels differ."""
    pinned = os.environ.get("OPENBLAS_CORETYPE") == OPENBLAS_CORE and os.environ.get("OPENBLAS_NUM_THREADS") == "1"
    return "pinned: avx2, openblas 1 thread" if pinned else "native"
