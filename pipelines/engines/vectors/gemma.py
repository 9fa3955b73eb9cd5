"""EmbeddingGemma-300M as a sentence embedder (sentence-transformers on torch), once installed.

``corpus models embeddinggemma`` puts the verified folder in ``align.gemma_dir``. The model
takes a task prompt; ``align.gemma_prompt`` (``BitextMining`` by default, null for raw text)
is used for both sides, so the embedding is symmetric. fp32 on the CPU (bf16 is slower on CPUs
without bf16 instructions and fp16 is not supported by the model); on CUDA when torch sees a
GPU, where bf16 is used. The name of the embedder says the model's sha256, prompt, device and
dtype: it keys the cache and is written on every alignment row.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipelines.core.errors import StageError
from pipelines.engines.vectors.gemma_install import installed_record


def gemma_installed(folder: Path) -> bool:
    return installed_record(folder) is not None


class GemmaEmbedder:
    """google/embeddinggemma-300m, 768-d, from a verified local folder."""

    batch_size = 16

    def __init__(self, folder: Path, prompt: str | None, threads: int) -> None:
        record = installed_record(folder)
        if record is None:
            raise StageError(
                f"align embedder 'embeddinggemma': no verified model in {folder} "
                "(install it with `corpus models embeddinggemma`, which shows the Gemma Terms of Use)"
            )
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as error:
            raise StageError(f"align embedder 'embeddinggemma' needs sentence-transformers ({error})") from None
        device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype = torch.bfloat16 if device == "cuda" else torch.float32
        if device == "cpu":
            torch.set_num_threads(threads)
        self.model = SentenceTransformer(str(folder), device=device, model_kwargs={"dtype": dtype})
        if prompt is not None and prompt not in self.model.prompts:
            raise StageError(
                f"align.gemma_prompt {prompt!r}: not one of the model's prompts {sorted(self.model.prompts)}"
            )
        self.prompt = prompt
        precision = "bf16" if dtype == torch.bfloat16 else "fp32"
        self.name = f"embeddinggemma-300m ({record['sha256'][:12]}, prompt {prompt or 'none'}, {device} {precision})"

    def embed(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(
            texts, prompt_name=self.prompt, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32)
