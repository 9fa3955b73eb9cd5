"""The llm engine's CTranslate2 runtime: the GGUF converted once to int8 (float16 activations on a GPU).

Chosen for GPUs (``translate.device: cuda``), where it batches requests of exactly the same prompt
length (no padding, so each output is the one it gets alone) and caches the shared prefix as a
static prompt. On the CPU its kernels are picked by ISA, so :func:`pin_cpu_isa` pins them.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from pipelines.core.hashing import package_version
from pipelines.core.settings import TranslateSettings


def pin_cpu_isa(settings: TranslateSettings) -> str:
    """Pin the CPU kernels that decide outputs (CTranslate2's ISA, MKL's code path) before the
    library first runs, so machines with and without AVX-512 write the same rows. The pin wins
    over an environment that asks for another ISA (``translate.cpu_isa: null`` leaves the choice
    to the environment and the machine). Returns what is in force ("native" where the CPU cannot)."""
    isa = settings.cpu_isa
    if not isa:
        return os.environ.get("CT2_FORCE_CPU_ISA", "native")
    flags = Path("/proc/cpuinfo").read_text(encoding="utf-8") if Path("/proc/cpuinfo").exists() else ""
    if isa.lower() != "generic" and f" {isa.lower()}" not in flags:
        return os.environ.get("CT2_FORCE_CPU_ISA", "native")
    os.environ["CT2_FORCE_CPU_ISA"] = isa.upper()
    os.environ["MKL_CBWR"] = "COMPATIBLE" if isa.lower() == "generic" else isa.upper()
    return os.environ["CT2_FORCE_CPU_ISA"]


def visible_device(settings: TranslateSettings) -> str:
    """``translate.device`` resolved: auto is CUDA when CTranslate2 sees a GPU."""
    if settings.device != "auto":
        return settings.device
    pin_cpu_isa(settings)
    import ctranslate2

    return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"


def compute_type(settings: TranslateSettings, device: str) -> str:
    """int8 weights with float16 activations on a GPU, as configured on the CPU."""
    compute = settings.llm_compute_type
    return "int8_float16" if device == "cuda" and compute == "int8" else compute


def recorded(settings: TranslateSettings, device: str) -> dict[str, Any]:
    return {
        "runtime": f"ctranslate2 {package_version('ctranslate2', '?')}",
        "device": device,
        "compute_type": compute_type(settings, device),
        "cpu_isa": pin_cpu_isa(settings) if device == "cpu" else None,
    }


class CT2Runtime:
    """A converted model loaded once; greedy batches of equal-length prompts and a beam's n best."""

    def __init__(self, folder: Path, settings: TranslateSettings, device: str, threads: int) -> None:
        pin_cpu_isa(settings)
        import ctranslate2

        compute = compute_type(settings, device)
        self.generator = ctranslate2.Generator(str(folder), device=device, compute_type=compute, intra_threads=threads)
        self.batch_size = max(1, settings.llm_gpu_batch_size if device == "cuda" else settings.llm_batch_size)

    def greedy(
        self, static: tuple[str, ...], turns: list[list[str]], max_length: int, deadline: float, end_tokens: list[str]
    ) -> tuple[list[list[int]], set[int]]:
        """One generate call for turns of equal length; the positions cut by the deadline."""
        stopped: set[int] = set()

        def out_of_time(step: Any) -> bool:
            if time.monotonic() > deadline:
                stopped.add(step.batch_id)
                return True
            return False

        outputs = self.generator.generate_batch(
            turns,
            static_prompt=list(static) or None,
            include_prompt_in_result=False,
            beam_size=1,
            max_length=max_length,
            end_token=end_tokens or None,
            callback=out_of_time,
        )
        return [output.sequences_ids[0] for output in outputs], stopped

    def best_of_beam(
        self, static: tuple[str, ...], turn: list[str], max_length: int, width: int, n_best: int, end_tokens: list[str]
    ) -> list[list[int]]:
        """CTranslate2 takes no callback with a beam: bounded by the token budget alone."""
        [output] = self.generator.generate_batch(
            [turn],
            static_prompt=list(static) or None,
            include_prompt_in_result=False,
            beam_size=width,
            num_hypotheses=n_best,
            max_length=max_length,
            end_token=end_tokens or None,
        )
        return list(output.sequences_ids)
