"""Bitext mining over comparable corpora: k-NN candidates, fused similarity, ratio margin.

Candidates come from multilingual embedding k-NN in both directions (a dense matrix, or a
faiss HNSW index for large corpora). Each is scored by ``w_emb * cos(src, tgt) + w_mt *
chrF(MT(src), tgt)`` (the Bleualign idea, on the translate stage's output) and normalised
with the ratio margin of Artetxe & Schwenk (2019) over k nearest neighbours both ways.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sacrebleu.metrics import CHRF

from pipelines.core.settings import AlignSettings

_CHRF = CHRF()


def chrf(hypothesis: str, reference: str) -> float:
    """sacrebleu sentence chrF in [0, 1]."""
    return _CHRF.sentence_score(hypothesis, [reference]).score / 100.0 if hypothesis and reference else 0.0


def knn(queries: np.ndarray, index: np.ndarray, k: int, use_ann: bool) -> tuple[np.ndarray, np.ndarray]:
    """Top-k inner-product neighbours (rows are unit vectors, so cosine)."""
    k = max(1, min(k, len(index)))
    if use_ann:
        import faiss

        ann = faiss.IndexHNSWFlat(index.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
        ann.hnsw.efSearch = max(64, 2 * k)
        ann.add(np.ascontiguousarray(index, dtype=np.float32))
        sims, ids = ann.search(np.ascontiguousarray(queries, dtype=np.float32), k)
        return ids, sims
    sims = queries @ index.T
    ids = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    order = np.take_along_axis(sims, ids, axis=1).argsort(axis=1)[:, ::-1]
    ids = np.take_along_axis(ids, order, axis=1)
    return ids, np.take_along_axis(sims, ids, axis=1)


@dataclass
class Candidate:
    src: int
    tgt: int
    cosine: float
    chrf: float | None
    combined: float
    margin: float = 0.0
    mutual: bool = False  # each is the other's best candidate
    linked: bool = False  # kept by competitive linking (best-first, each sentence used once)

    def components(self) -> dict[str, float]:
        values = {"cosine": self.cosine, "combined": self.combined, "margin": self.margin}
        if self.chrf is not None:
            values["chrf_mt"] = self.chrf
        return {k: round(float(v), 4) for k, v in values.items()}


def mine(
    src_vecs: np.ndarray,
    tgt_vecs: np.ndarray,
    src_mt: Sequence[str] | None,
    tgt_texts: Sequence[str],
    settings: AlignSettings,
) -> list[Candidate]:
    """One candidate per source sentence, ratio-margin scored.

    Candidates are linked best-first, each source and target sentence at most once
    (competitive linking), so a pair that is not mutually best is still linked when nothing
    better claims either side. A source sentence gets its linked candidate, else its best one
    (``linked`` False); ``mutual`` marks mutual best pairs.
    """
    if len(src_vecs) == 0 or len(tgt_vecs) == 0:
        return []
    use_ann = settings.candidate_search == "ann"
    forward_ids, _ = knn(src_vecs, tgt_vecs, settings.candidates, use_ann)
    backward_ids, _ = knn(tgt_vecs, src_vecs, settings.candidates, use_ann)
    pairs = {(i, int(j)) for i, row in enumerate(forward_ids) for j in row if j >= 0}
    pairs |= {(int(i), j) for j, row in enumerate(backward_ids) for i in row if i >= 0}
    w_emb, w_mt = settings.weights(src_mt is not None)
    scored: dict[tuple[int, int], Candidate] = {}
    for i, j in pairs:
        cosine = float(src_vecs[i] @ tgt_vecs[j])
        mt_score = chrf(src_mt[i], tgt_texts[j]) if src_mt is not None else None
        combined = w_emb * cosine + w_mt * (mt_score or 0.0)
        scored[(i, j)] = Candidate(i, j, cosine, mt_score, combined)
    by_src: dict[int, list[Candidate]] = defaultdict(list)
    by_tgt: dict[int, list[Candidate]] = defaultdict(list)
    for candidate in scored.values():
        by_src[candidate.src].append(candidate)
        by_tgt[candidate.tgt].append(candidate)

    def neighbourhood(group: list[Candidate]) -> float:
        top = sorted((c.combined for c in group), reverse=True)[: settings.margin_k]
        return sum(top) / len(top)

    src_mean = {i: neighbourhood(group) for i, group in by_src.items()}
    tgt_mean = {j: neighbourhood(group) for j, group in by_tgt.items()}
    for candidate in scored.values():
        denominator = (src_mean[candidate.src] + tgt_mean[candidate.tgt]) / 2
        candidate.margin = candidate.combined / denominator if denominator > 0 else 0.0
    best_tgt_of = {i: max(group, key=lambda c: c.margin) for i, group in by_src.items()}
    best_src_of = {j: max(group, key=lambda c: c.margin).src for j, group in by_tgt.items()}
    for i, best in best_tgt_of.items():
        best.mutual = best_src_of.get(best.tgt) == i
    linked: dict[int, Candidate] = {}
    used_targets: set[int] = set()
    for candidate in sorted(scored.values(), key=lambda c: (-c.margin, c.src, c.tgt)):
        if candidate.src not in linked and candidate.tgt not in used_targets:
            candidate.linked = True
            linked[candidate.src] = candidate
            used_targets.add(candidate.tgt)
    return [linked.get(i, best_tgt_of[i]) for i in range(len(src_vecs))]
