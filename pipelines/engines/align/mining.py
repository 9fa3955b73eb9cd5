"""Bitext mining over comparable corpora: k-NN candidates, fused similarity, ratio margin.

Candidates come from multilingual embedding k-NN in both directions (a dense matrix, or a
faiss HNSW index for large corpora). Each is scored by ``w_emb * cos(src, tgt) + w_mt *
chrF(MT(src), tgt)`` (the Bleualign idea, on the translate stage's output) and normalised
with the ratio margin of Artetxe & Schwenk (2019) over k nearest neighbours both ways. The
margin is then lowered by the share of the pair's numbers and names that only one side has
(``anchor_penalty``, see ``anchors``): comparable documents are full of sentences on the same
topic with other dates and other countries, which embeddings alone rate close.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sacrebleu.metrics import CHRF
from sacrebleu.metrics.helpers import extract_all_char_ngrams

from pipelines.core.cache import KeyValueCache
from pipelines.core.hashing import content_key, package_version, text_hash
from pipelines.core.records import REVIEW_CANDIDATES, Sentence, Translation
from pipelines.core.settings import AlignSettings
from pipelines.engines.align.anchors import mismatch_share, shared_anchors


def fusable_translations(
    sentences: list[Sentence], translations: dict[str, Translation], target_lang: str
) -> list[str] | None:
    """The translations of every sentence when all have one into the target's language (Bleualign
    compares a translation with the target in its own language), else None: no fusion. Mining
    and document mode both decide "use the translation?" here."""
    found = [translations.get(s.sent_id) for s in sentences]
    if not found or any(t is None or t.tgt_lang != target_lang for t in found):
        return None
    # a rejected translation (empty text) is not fused: the sentence itself stands in for it
    return [t.text or s.text for s, t in zip(sentences, found, strict=True)]


class Chrf:
    """sacrebleu's sentence chrF in [0, 1], with each text's character n-grams extracted once.

    Mining compares every sentence with dozens of candidates; ``CHRF.sentence_score`` would
    re-extract both sides' n-grams each time (most of the align stage's time). The statistics
    and the F-score are sacrebleu's own, so scores are identical (tests/test_align.py). With a
    ``cache_path``, :meth:`scores` keeps every pair's score (keyed by the metric's settings and
    both texts' hashes), so a re-run after adding a document scores only the new pairs.
    """

    def __init__(self, cache_path: Path | None = None) -> None:
        self.metric = CHRF()
        self._ngrams: dict[str, list] = {}
        self.cache_path = cache_path
        metric = self.metric
        setup = (metric.char_order, metric.word_order, metric.beta, metric.whitespace)
        self.signature = content_key("chrF", *setup, package_version("sacrebleu"))[:16]

    def ngrams(self, text: str) -> list:
        if text not in self._ngrams:
            self._ngrams[text] = extract_all_char_ngrams(text, self.metric.char_order, self.metric.whitespace)
        return self._ngrams[text]

    def __call__(self, hypothesis: str, reference: str) -> float:
        if not hypothesis or not reference:
            return 0.0
        stats: list[int] = []
        for hyp, ref in zip(self.ngrams(hypothesis), self.ngrams(reference), strict=True):
            stats.extend(CHRF._get_match_statistics(hyp, ref))
        return self.metric._compute_f_score(stats) / 100.0

    def scores(self, pairs: list[tuple[str, str]]) -> list[float]:
        """``self(hypothesis, reference)`` for each pair, from the cache where it has them."""
        if self.cache_path is None:
            return [self(h, r) for h, r in pairs]
        hashes: dict[str, str] = {}
        for text in (t for pair in pairs for t in pair):
            if text not in hashes:
                hashes[text] = text_hash(text, 16)
        keys = [f"{self.signature}:{hashes[h]}:{hashes[r]}" for h, r in pairs]
        with KeyValueCache(self.cache_path, "chrf") as store:
            found = store.get_many(list(dict.fromkeys(keys)))
            fresh = {key: self(h, r) for key, (h, r) in zip(keys, pairs, strict=True) if key not in found}
            store.put_many(fresh)
        found.update(fresh)
        return [found[key] for key in keys]


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
class MiningCandidate:
    src: int
    tgt: int
    cosine: float
    chrf: float | None
    combined: float
    margin: float = 0.0
    anchor_mismatch: float | None = None  # share of numbers/names only one side has
    mutual: bool = False  # each is the other's best candidate
    linked: bool = False  # kept by competitive linking (best-first, each sentence used once)
    others: list[MiningCandidate] = field(default_factory=list)  # runners-up by margin, for review

    def components(self) -> dict[str, float]:
        values = {"cosine": self.cosine, "combined": self.combined, "margin": self.margin}
        if self.chrf is not None:
            values["chrf_mt"] = self.chrf
        if self.anchor_mismatch is not None:
            values["anchor_mismatch"] = self.anchor_mismatch
        return {k: round(float(v), 4) for k, v in values.items()}


def accepted(candidate: MiningCandidate, threshold: float) -> bool:
    """The acceptance rule, decided here and nowhere else: a pair that competitive linking kept
    and whose ratio margin reaches the threshold is a match."""
    return candidate.linked and candidate.margin >= threshold


def candidate_blocks(
    src_docs: Sequence[str], tgt_docs: Sequence[str], src_vecs: np.ndarray, tgt_vecs: np.ndarray, per_doc: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Which sentences to compare: each source document against the ``per_doc`` target documents
    whose mean sentence embedding is closest (0: all of them). Memory and time then grow with
    the corpus, not with (all source x all target sentences)."""
    src_names, src_of = np.unique(np.asarray(src_docs), return_inverse=True)
    tgt_names, tgt_of = np.unique(np.asarray(tgt_docs), return_inverse=True)
    if per_doc <= 0 or per_doc >= len(tgt_names):
        return [(np.arange(len(src_vecs)), np.arange(len(tgt_vecs)))]

    def centroids(vecs: np.ndarray, owner: np.ndarray, count: int) -> np.ndarray:
        sums = np.zeros((count, vecs.shape[1]))
        np.add.at(sums, owner, vecs)
        return sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-9)

    src_centres = centroids(src_vecs, src_of, len(src_names))
    tgt_centres = centroids(tgt_vecs, tgt_of, len(tgt_names))
    nearest, _ = knn(src_centres, tgt_centres, per_doc, use_ann=len(tgt_names) > 10_000)
    src_members, tgt_members = _members(src_of, len(src_names)), _members(tgt_of, len(tgt_names))
    return [
        (src_members[d], np.concatenate([tgt_members[t] for t in sorted(nearest[d]) if t >= 0]))
        for d in range(len(src_names))
    ]


def _members(owner: np.ndarray, count: int) -> list[np.ndarray]:
    """Sentence indices of each document, ascending: one sort, not a scan of all sentences per document."""
    order = np.argsort(owner, kind="stable")
    return np.split(order, np.cumsum(np.bincount(owner, minlength=count))[:-1])


def mine(
    src_vecs: np.ndarray,
    tgt_vecs: np.ndarray,
    src_mt: Sequence[str] | None,
    tgt_texts: Sequence[str],
    settings: AlignSettings,
    blocks: list[tuple[np.ndarray, np.ndarray]] | None = None,
    src_texts: Sequence[str] | None = None,
    chrf: Chrf | None = None,
) -> list[MiningCandidate]:
    """One candidate per source sentence, ratio-margin scored.

    Candidates are the k nearest neighbours both ways within each block of sentences
    (``candidate_blocks``; one block of everything by default). They are linked best-first,
    each source and target sentence at most once (competitive linking), so a pair that is
    not mutually best is still linked when nothing better claims either side. A source
    sentence gets its linked candidate, else its best one (``linked`` False), with the
    runners-up in ``others``; ``mutual`` marks mutual best pairs. Given ``src_texts``, margins
    carry the anchor penalty. ``chrf`` scores the translation against each candidate (pass a
    cached :class:`Chrf` to keep the scores across runs).
    """
    if len(src_vecs) == 0 or len(tgt_vecs) == 0:
        return []
    use_ann = settings.candidate_search == "ann"
    pairs: set[tuple[int, int]] = set()
    backward: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for src_ids, tgt_ids in blocks or [(np.arange(len(src_vecs)), np.arange(len(tgt_vecs)))]:
        forward_ids, _ = knn(src_vecs[src_ids], tgt_vecs[tgt_ids], settings.candidates, use_ann)
        pairs |= {(int(src_ids[i]), int(tgt_ids[j])) for i, row in enumerate(forward_ids) for j in row if j >= 0}
        backward_ids, backward_sims = knn(tgt_vecs[tgt_ids], src_vecs[src_ids], settings.candidates, use_ann)
        for j, (row, sims) in enumerate(zip(backward_ids, backward_sims, strict=True)):
            backward[int(tgt_ids[j])] += [
                (float(sim), int(src_ids[i])) for i, sim in zip(row, sims, strict=True) if i >= 0
            ]
    for j, found in backward.items():  # a target sentence in several blocks keeps its k best overall
        pairs |= {(i, j) for _, i in sorted(found, reverse=True)[: settings.candidates]}
    w_emb, w_mt = settings.weights(src_mt is not None)
    ordered = list(pairs)  # the set's order, which ties between equal margins follow
    chrf = chrf or Chrf()  # its n-gram cache lives as long as this corpus
    mt_scores = chrf.scores([(src_mt[i], tgt_texts[j]) for i, j in ordered]) if src_mt is not None else None
    scored: dict[tuple[int, int], MiningCandidate] = {}
    for k, (i, j) in enumerate(ordered):
        cosine = float(src_vecs[i] @ tgt_vecs[j])
        mt_score = mt_scores[k] if mt_scores is not None else None
        combined = w_emb * cosine + w_mt * (mt_score or 0.0)
        scored[(i, j)] = MiningCandidate(i, j, cosine, mt_score, combined)
    by_src: dict[int, list[MiningCandidate]] = defaultdict(list)
    by_tgt: dict[int, list[MiningCandidate]] = defaultdict(list)
    for candidate in scored.values():
        by_src[candidate.src].append(candidate)
        by_tgt[candidate.tgt].append(candidate)

    def neighbourhood(group: list[MiningCandidate]) -> float:
        top = sorted((c.combined for c in group), reverse=True)[: settings.margin_k]
        return sum(top) / len(top)

    src_mean = {i: neighbourhood(group) for i, group in by_src.items()}
    tgt_mean = {j: neighbourhood(group) for j, group in by_tgt.items()}
    for candidate in scored.values():
        denominator = (src_mean[candidate.src] + tgt_mean[candidate.tgt]) / 2
        candidate.margin = candidate.combined / denominator if denominator > 0 else 0.0
    if src_texts is not None and settings.anchor_penalty:
        src_anchors, tgt_anchors = shared_anchors(src_texts, tgt_texts)
        for candidate in scored.values():
            candidate.anchor_mismatch = mismatch_share(src_anchors[candidate.src], tgt_anchors[candidate.tgt])
            candidate.margin *= 1.0 - settings.anchor_penalty * candidate.anchor_mismatch
    best_tgt_of = {i: max(group, key=lambda c: c.margin) for i, group in by_src.items()}
    best_src_of = {j: max(group, key=lambda c: c.margin).src for j, group in by_tgt.items()}
    for i, best in best_tgt_of.items():
        best.mutual = best_src_of.get(best.tgt) == i
    linked: dict[int, MiningCandidate] = {}
    used_targets: set[int] = set()
    for candidate in sorted(scored.values(), key=lambda c: (-c.margin, c.src, c.tgt)):
        if candidate.src not in linked and candidate.tgt not in used_targets:
            candidate.linked = True
            linked[candidate.src] = candidate
            used_targets.add(candidate.tgt)
    chosen = [linked.get(i, best_tgt_of[i]) for i in range(len(src_vecs))]
    for candidate in chosen:
        ranked = sorted(by_src[candidate.src], key=lambda c: (-c.margin, c.tgt))
        candidate.others = [c for c in ranked if c is not candidate][: REVIEW_CANDIDATES - 1]
    return chosen
