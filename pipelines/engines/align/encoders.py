"""Which sentence encoder each alignment mode uses: the one place of that choice.

Mining uses ``align.embedder`` (USE: its margins and threshold are calibrated on it). Document
mode uses ``align.document_embedder``; ``auto`` is the measured winner on the Text+Berg dev set
(benchmarks/document_encoders.py: USE + EmbeddingGemma, the mean of both cosines, strict F1
0.924 against USE's 0.906) when EmbeddingGemma is installed, else ``align.embedder``.
``models/encoders.json`` records which optional encoders are installed; the align stage depends
on it in ``dvc.yaml``, so installing one re-runs the stage. Vectors come from
:mod:`pipelines.engines.vectors.each` (each text alone, cached).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipelines.core.io import write_json
from pipelines.core.settings import AlignSettings
from pipelines.engines.vectors.each import EachEncoded
from pipelines.engines.vectors.embedders import Embedder, EnsembleEmbedder
from pipelines.engines.vectors.gemma import gemma_installed
from pipelines.engines.vectors.gemma_install import installed_record

AUTO = "auto"
DOCUMENT_WINNER = "use-multilingual-v3+embeddinggemma"
RECORD = "encoders.json"


def encoder_name(settings: AlignSettings, mode: str) -> str:
    """The ``align.embedder``-style name of the encoder ``mode`` (mining or document) uses."""
    chosen = settings.document_embedder if mode == "document" else None
    if chosen == AUTO:
        return DOCUMENT_WINNER if gemma_installed(settings.gemma_dir) else settings.embedder
    return chosen or settings.embedder


def encoder_for(settings: AlignSettings, mode: str) -> Embedder:
    """The encoder ``mode`` uses: each text encoded alone and cached per encoder (an ensemble
    reuses what either member encoded), so its misses can also run on the executor."""
    parts = [EachEncoded(part, settings) for part in encoder_name(settings, mode).split("+")]
    return parts[0] if len(parts) == 1 else EnsembleEmbedder(parts)


def record_path(settings: AlignSettings) -> Path:
    return settings.gemma_dir.parent / RECORD


def write_record(settings: AlignSettings) -> dict[str, Any]:
    """``models/encoders.json``: the optional encoders installed (name and sha256, no paths or
    times, so every machine with the same install writes the same bytes)."""
    record = installed_record(settings.gemma_dir)
    models = [{"name": record["name"], "sha256": record["sha256"]}] if record else []
    write_json(record_path(settings), {"models": models})
    return {"models": models}
