"""Document mode: monotonic alignment of two parallel documents by dynamic programming.

Vecalign/Bertalign style: 1-1, 1-2, 2-1, 1-0 and 0-1 links, each scored with the fused
similarity of :mod:`pipelines.engines.mining` on merged blocks plus a length-ratio prior.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from pipelines.core.records import Sentence
from pipelines.core.settings import AlignSettings
from pipelines.engines.embedders import Embedder, normalise
from pipelines.engines.mining import chrf

MOVES = ((1, 1), (1, 2), (2, 1), (1, 0), (0, 1))


@dataclass
class DocumentLink:
    src: tuple[int, ...]
    tgt: tuple[int, ...]
    similarity: float | None = None
    cosine: float | None = None
    chrf: float | None = None
    cost: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


def align_document(
    src_texts: Sequence[str],
    tgt_texts: Sequence[str],
    src_mt: Sequence[str] | None,
    embedder: Embedder,
    settings: AlignSettings,
) -> list[DocumentLink]:
    """Monotonic alignment with 1-1, 1-2, 2-1, 1-0, 0-1 links minimising total cost."""
    n, m = len(src_texts), len(tgt_texts)

    def blocks(texts: Sequence[str]) -> dict[tuple[int, int], str]:
        return {(i, a): " ".join(texts[i : i + a]) for a in (1, 2) for i in range(len(texts) - a + 1)}

    src_blocks, tgt_blocks = blocks(src_texts), blocks(tgt_texts)
    mt_blocks = blocks(src_mt) if src_mt is not None else None
    src_keys, tgt_keys = list(src_blocks), list(tgt_blocks)
    src_vecs = dict(zip(src_keys, embedder.embed([src_blocks[k] for k in src_keys]), strict=True)) if n else {}
    tgt_vecs = dict(zip(tgt_keys, embedder.embed([tgt_blocks[k] for k in tgt_keys]), strict=True)) if m else {}
    w_emb, w_mt = settings.weights(src_mt is not None)

    def link_cost(i: int, a: int, j: int, b: int) -> DocumentLink:
        if a == 0 or b == 0:
            return DocumentLink(tuple(range(i, i + a)), tuple(range(j, j + b)), cost=settings.skip_cost)
        cosine = float(src_vecs[(i, a)] @ tgt_vecs[(j, b)])
        mt_score = chrf(mt_blocks[(i, a)], tgt_blocks[(j, b)]) if mt_blocks is not None else None
        sim = w_emb * cosine + w_mt * (mt_score or 0.0)
        ratio = (len(src_blocks[(i, a)]) + 1) / ((len(tgt_blocks[(j, b)]) + 1) * settings.length_ratio)
        cost = (1 - sim) * (a + b) / 2 + settings.length_weight * math.log(ratio) ** 2
        if a + b > 2:
            cost += settings.merge_penalty
        return DocumentLink(tuple(range(i, i + a)), tuple(range(j, j + b)), sim, cosine, mt_score, cost)

    best = np.full((n + 1, m + 1), np.inf)
    back: dict[tuple[int, int], DocumentLink] = {}
    best[0, 0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if i == j == 0:
                continue
            for a, b in MOVES:
                if i - a < 0 or j - b < 0 or not np.isfinite(best[i - a, j - b]):
                    continue
                link = link_cost(i - a, a, j - b, b)
                total = best[i - a, j - b] + link.cost
                if total < best[i, j]:
                    best[i, j] = total
                    back[(i, j)] = link
    links: list[DocumentLink] = []
    i, j = n, m
    while (i, j) != (0, 0):
        link = back[(i, j)]
        links.append(link)
        i, j = i - len(link.src), j - len(link.tgt)
    return links[::-1]


def closest_documents(src: list[Sentence], tgt: list[Sentence], embedder: Embedder) -> list[tuple[str, str]]:
    """Pair each source document with the target document whose mean embedding is closest."""

    def centroids(sentences: list[Sentence]) -> dict[str, np.ndarray]:
        groups: dict[str, list[str]] = defaultdict(list)
        for s in sentences:
            groups[s.doc_id].append(s.text)
        return {doc: normalise(embedder.embed(texts).mean(axis=0, keepdims=True))[0] for doc, texts in groups.items()}

    src_c, tgt_c = centroids(src), centroids(tgt)
    return [(doc, max(tgt_c, key=lambda other: float(vec @ tgt_c[other]))) for doc, vec in src_c.items()]
