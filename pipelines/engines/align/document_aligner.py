"""Document mode: monotonic sentence alignment of two parallel documents (Vecalign-style).

- Blocks of 1..``encoded_block_size`` consecutive sentences are embedded (joined text); longer
  blocks are sums of encoded pieces, so 1-2, 2-1, 2-2, 1-3 and 3-1 links are all scored.
- The cost of linking a source block of ``a`` sentences with a target block of ``b`` is
  Vecalign's normalised cosine distance, ``2·a·b·(1 − cos) / (n_src + n_tgt)``, where each
  ``n`` is the block's mean distance to randomly sampled blocks of the other side: hub
  sentences that are close to everything stop looking like good matches.
- Each sentence a link holds beyond 1-1 adds ``merge_penalty`` (Gale & Church's prior that
  most links are 1-1), so ties between a 2-2 link and two 1-1 links go to the 1-1 links.
- A skipped sentence (1-0 / 0-1) costs the ``skip_percentile`` quantile of the costs of
  random 1-1 pairs, so insertions win only where nothing on the other side fits.
- A translation of the source, when given, is embedded too and compared with the target
  (Bleualign's idea, on embeddings): its normalised cost is averaged in with ``mt_weight``.
- Anchors (``anchors``): each number or name one side of a link has and the other lacks adds
  ``anchor_weight``, and a skipped sentence pays for its own, so where two translations split a
  passage differently the link boundary follows the dates and names.
- A merged sentence with almost no letters (``.....``, OCR debris) costs what skipping it would.
- A length prior per language pair (``length_ratios``, characters source / target) adds
  ``length_weight · δ²/2`` with Gale & Church's δ, so long blocks may differ more in length.
- Search is banded: the documents are halved recursively (averaged neighbour vectors) until
  a full 1-1 DP fits ``max_full_dp``², and each finer level searches only ``band`` cells
  around the coarser path, so time grows linearly with document length. A path that runs
  along the band's edge was decided by the band, not the costs: that level is searched again
  with the band twice as wide (a long insertion on one side moves the path off the coarse one).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from pipelines.core.records import Sentence
from pipelines.core.settings import AlignSettings
from pipelines.engines.align.anchors import Anchors
from pipelines.engines.vectors.embedders import Embedder, normalise

Path_ = list[tuple[int, int]]  # monotonic search path of (source, target) node positions
WORDLESS_LETTERS = 3  # a line with fewer letters (".....", "- _-") carries no evidence of belonging to a link
GALE_CHURCH_VARIANCE = 6.8  # variance of the character-length difference per character (Gale & Church 1993)


@dataclass
class DocumentLink:
    src: tuple[int, ...]
    tgt: tuple[int, ...]
    similarity: float | None = None
    cosine: float | None = None
    mt_similarity: float | None = None
    cost: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


def moves(max_link: int) -> list[tuple[int, int]]:
    """Every (a, b) with a, b >= 1 and a + b <= max_link, e.g. 1-1, 1-2, 2-1, 1-3, 2-2, 3-1 for 4."""
    return [(a, b) for a in range(1, max_link) for b in range(1, max_link) if a + b <= max_link]


def encoded_sizes(sizes: int, encoded: int | None) -> int:
    """Blocks up to this many sentences are encoded; longer ones are sums of encoded pieces."""
    return sizes if encoded is None else max(1, min(encoded, sizes))


def block_texts(texts: Sequence[str], encoded: int) -> dict[int, list[str]]:
    """The joined text of every block of 1..``encoded`` consecutive sentences, by block size."""
    return {k: [" ".join(texts[i : i + k]) for i in range(len(texts) - k + 1)] for k in range(1, encoded + 1)}


def texts_to_encode(
    src: Sequence[str], tgt: Sequence[str], mt: Sequence[str] | None, settings: AlignSettings
) -> list[str]:
    """Every text :func:`align_document` encodes for one document pair (to encode them ahead)."""
    encoded = encoded_sizes(max(max(a, b) for a, b in moves(settings.max_link)), settings.encoded_block_size)
    return [t for side in (src, tgt, mt or []) if side for texts in block_texts(side, encoded).values() for t in texts]


class Side:
    """One document's block embeddings: ``vectors[k][i]`` embeds sentences ``i .. i+k-1``."""

    def __init__(self, texts: Sequence[str], embedder: Embedder, sizes: int, encoded: int | None = None) -> None:
        self.size = len(texts)
        self.cumulative = np.concatenate([[0.0], np.cumsum([len(t) + 1 for t in texts])])
        wordless = [sum(c.isalpha() for c in t) < WORDLESS_LETTERS for t in texts]
        self.wordless = np.concatenate([[0], np.cumsum(wordless)])
        self.vectors: dict[int, np.ndarray] = {}
        encoded = encoded_sizes(sizes, encoded)
        blocks = block_texts(texts, encoded)
        flat = [text for k in blocks for text in blocks[k]]
        embedded = embedder.embed(flat) if flat else np.zeros((0, 1), dtype=np.float32)
        start = 0
        for k, texts_k in blocks.items():
            self.vectors[k] = embedded[start : start + len(texts_k)]
            start += len(texts_k)
        for k in range(encoded + 1, sizes + 1):  # longer blocks: the mean of encoded pieces (5 = 2 + 2 + 1)
            count = self.size - k + 1
            if count <= 0:
                self.vectors[k] = self.vectors[1][:0]
                continue
            total, at = np.zeros((count, self.vectors[1].shape[1])), 0
            while at < k:
                piece = min(encoded, k - at)
                total += np.sqrt(piece) * self.vectors[piece][at : at + count]  # a piece weighs as its sentences
                at += piece
            self.vectors[k] = normalise(total)

    def wordless_in(self, starts: np.ndarray | int, k: int) -> np.ndarray:
        """How many sentences of the blocks of ``k`` starting at ``starts`` have almost no letters."""
        return self.wordless[np.asarray(starts) + k] - self.wordless[starts]

    def block_lengths(self, starts: np.ndarray | int, k: int) -> np.ndarray:
        """Characters of the blocks of ``k`` sentences starting at ``starts`` (joined by spaces)."""
        return self.cumulative[np.asarray(starts) + k] - self.cumulative[starts]


def _norms(side: dict[int, np.ndarray], other: dict[int, np.ndarray], samples: int, rng: np.random.Generator):
    """Per block: 1 − mean cosine with random blocks of the other side (Vecalign's normaliser)."""
    pool = np.vstack([v for v in other.values() if len(v)])
    picked = pool[rng.integers(0, len(pool), size=min(samples, len(pool)))]
    return {k: np.maximum(1.0 - v @ picked.T, 1e-6).mean(axis=1) if len(v) else v[:, 0] for k, v in side.items()}


@dataclass
class Scorer:
    """Normalised link costs between blocks of two documents (and of the translation, if any)."""

    src: Side
    tgt: Side
    mt: Side | None
    settings: AlignSettings
    length_ratio: float
    anchors: Anchors | None = None

    def __post_init__(self) -> None:
        rng = np.random.default_rng(0)
        samples = self.settings.norm_samples
        self.n_src = _norms(self.src.vectors, self.tgt.vectors, samples, rng)
        self.n_tgt = _norms(self.tgt.vectors, self.src.vectors, samples, rng)
        if self.mt is not None:
            self.n_mt = _norms(self.mt.vectors, self.tgt.vectors, samples, rng)
            self.n_tgt_mt = _norms(self.tgt.vectors, self.mt.vectors, samples, rng)
        self.w_emb, self.w_mt = self.settings.weights(self.mt is not None)
        self.skip = self._skip_cost(rng)
        self.skip_src, self.skip_tgt = np.full(self.src.size, self.skip), np.full(self.tgt.size, self.skip)
        if self.anchors is not None:  # built only when anchor_weight is set
            self.skip_src = self.skip_src + self.settings.anchor_weight * self.anchors.src_counts()
            self.skip_tgt = self.skip_tgt + self.settings.anchor_weight * self.anchors.tgt_counts()

    def _skip_cost(self, rng: np.random.Generator) -> float:
        """The ``skip_percentile`` quantile of random 1-1 link costs (Vecalign's deletion knob).

        Pairs are drawn away from the diagonal, where parallel documents keep their true pairs,
        so that in short documents the sample is not dominated by good links.
        """
        n, m = self.src.size, self.tgt.size
        i, j = rng.integers(0, n, size=4000), rng.integers(0, m, size=4000)
        away = np.abs((i + 0.5) / n - (j + 0.5) / m) >= 0.25
        if away.sum() >= 20:
            i, j = i[away], j[away]
        pairs = zip(i[:2000], j[:2000], strict=True)
        costs = [self.costs(int(a), 1, np.array([b]), 1, anchors=False)[0][0] for a, b in pairs]
        return float(np.quantile(costs, self.settings.skip_percentile))

    def _normalised(self, vectors, norms, other, other_norms, i, a, js, b) -> np.ndarray:
        cosine = vectors[a][i] @ other[b][js].T
        return 2.0 * a * b * (1.0 - cosine) / (norms[a][i] + other_norms[b][js]), cosine

    def _distance(self, i: int, a: int, js: np.ndarray, b: int):
        """(normalised distance, cosine, translation cosine): the original's and, when there is a
        translation, the translation's distance to the target blocks, fused with the MT weight."""
        distance, cosine = self._normalised(self.src.vectors, self.n_src, self.tgt.vectors, self.n_tgt, i, a, js, b)
        if self.mt is None:
            return distance, cosine, None
        mt_distance, mt_cosine = self._normalised(
            self.mt.vectors, self.n_mt, self.tgt.vectors, self.n_tgt_mt, i, a, js, b
        )
        return self.w_emb * distance + self.w_mt * mt_distance, cosine, mt_cosine

    def _unrelated_members(self, i: int, a: int, js: np.ndarray, b: int) -> np.ndarray:
        """How far each sentence of a merged link is from the other block beyond the skip cost.

        A sentence that matches the other block worse than skipping it would cost was absorbed,
        not translated: the excess is charged, so a merge cannot hide an insertion.
        """
        excess = np.zeros(len(js))
        for k in range(a if a > 1 else 0):  # each source sentence against the target block, per sentence
            excess += np.maximum(0.0, self._distance(i + k, 1, js, b)[0] / b - self.skip)
        for k in range(b if b > 1 else 0):  # each target sentence against the source block
            excess += np.maximum(0.0, self._distance(i, a, js + k, 1)[0] / a - self.skip)
        return excess

    def cost(self, i: int, a: int, j: int, b: int) -> tuple[float, float, float | None]:
        """(cost, cosine, translation cosine) of one link; see :meth:`costs`."""
        costs, cosine, mt_cosine = self.costs(i, a, np.array([j]), b)
        return float(costs[0]), float(cosine[0]), None if mt_cosine is None else float(mt_cosine[0])

    def costs(self, i: int, a: int, js: np.ndarray, b: int, anchors: bool = True):
        """Costs of linking source block (i, a) with target blocks (j, b) for every j in ``js``.

        ``anchors=False`` leaves out the anchor charge: the skip cost is sampled without it, since
        a skipped sentence is charged for its own anchors.
        """
        cost, cosine, mt_cosine = self._distance(i, a, js, b)
        cost = cost + self.settings.merge_penalty * (a + b - 2)
        if self.settings.member_weight and a + b > 2:  # (the skip cost is sampled on 1-1 links only)
            cost = cost + self.settings.member_weight * self._unrelated_members(i, a, js, b)
        if a + b > 2:  # a wordless member costs what skipping it would (the skip is sampled on 1-1 links)
            cost = cost + self.skip * (self.src.wordless_in(i, a) + self.tgt.wordless_in(js, b))
        if anchors and self.anchors is not None:
            cost = cost + self.settings.anchor_weight * self.anchors.mismatch(i, a, js, b)
        if self.settings.length_weight:
            source, target = self.src.block_lengths(i, a), self.tgt.block_lengths(js, b) * self.length_ratio
            delta = (source - target) / np.sqrt(GALE_CHURCH_VARIANCE * (source + target) / 2)
            cost = cost + self.settings.length_weight * delta**2 / 2
        return cost, cosine, mt_cosine


def _band(path: Path_ | None, n: int, m: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Per source position x, the target range [lo, hi] within ``width`` of the path (all of it without one)."""
    if path is None:
        return np.zeros(n + 1, dtype=np.int64), np.full(n + 1, m, dtype=np.int64)
    lo = np.full(n + 1, m, dtype=np.int64)
    hi = np.zeros(n + 1, dtype=np.int64)
    for x, y in path:
        for xx in range(max(0, x - width), min(n, x + width) + 1):
            lo[xx] = min(lo[xx], max(0, y - width))
            hi[xx] = max(hi[xx], min(m, y + width))
    lo = np.minimum.accumulate(lo[::-1])[::-1]  # keep the band monotonic
    hi = np.maximum.accumulate(hi)
    return lo, hi


def _dp(n: int, m: int, link_types: list[tuple[int, int]], skips, band, costs) -> list[tuple[int, int, int, int]]:
    """Minimum-cost monotonic path over the band; returns links as (i, a, j, b).

    ``skips`` is (cost of skipping each source sentence, each target sentence).
    """
    skip_src, skip_tgt = skips
    lo, hi = band
    total = [np.full(hi[x] - lo[x] + 1, np.inf) for x in range(n + 1)]
    back = [np.zeros((hi[x] - lo[x] + 1, 2), dtype=np.int64) for x in range(n + 1)]
    for x in range(n + 1):
        ys = np.arange(lo[x], hi[x] + 1)
        row, pointers = total[x], back[x]
        if x == 0:
            row[ys == 0] = 0.0
        for a, b in [(1, 0), *link_types]:
            if x - a < 0:
                continue
            prev_y = ys - b
            inside = (prev_y >= lo[x - a]) & (prev_y <= hi[x - a])
            if not inside.any():
                continue
            previous = np.full(len(ys), np.inf)
            previous[inside] = total[x - a][prev_y[inside] - lo[x - a]]
            reachable = np.isfinite(previous)
            step = np.full(len(ys), np.inf)
            if reachable.any():
                step[reachable] = costs(x - a, a, prev_y[reachable], b) if b else skip_src[x - 1]
            candidate = previous + step
            better = candidate < row
            row[better] = candidate[better]
            pointers[better] = (a, b)
        for k in range(1, len(ys)):  # 0-1 moves chain along the row, left to right
            if row[k - 1] + skip_tgt[ys[k] - 1] < row[k]:
                row[k], pointers[k] = row[k - 1] + skip_tgt[ys[k] - 1], (0, 1)
    if not (lo[n] <= m <= hi[n] and np.isfinite(total[n][m - lo[n]])):
        raise RuntimeError("document alignment found no path through the search band")
    links = []
    x, y = n, m
    while x or y:
        a, b = back[x][y - lo[x]]
        links.append((x - a, int(a), y - b, int(b)))
        x, y = x - a, y - b
    return links[::-1]


def _touches_edge(links: list[tuple[int, int, int, int]], band: tuple[np.ndarray, np.ndarray], m: int) -> bool:
    """Whether the path runs along the band's edge anywhere but the grid's own border: there the
    band, not the costs, decided it, and a wider search may find a cheaper path."""
    lo, hi = band
    for i, a, j, b in links:
        x, y = i + a, j + b
        if (lo[x] > 0 and y == lo[x]) or (hi[x] < m and y == hi[x]):
            return True
    return False


def _banded_dp(
    n: int, m: int, link_types: list[tuple[int, int]], skips, path: Path_ | None, width: int, costs
) -> list[tuple[int, int, int, int]]:
    """The DP over a band around ``path``; a path that runs along the band's edge is searched
    again with the band twice as wide (where a long insertion moved the alignment away from the
    coarse path, the band would otherwise force both sides' sentences into skips)."""
    while True:
        band = _band(path, n, m, width)
        links = _dp(n, m, link_types, skips, band, costs)
        if path is None or width >= max(n, m) or not _touches_edge(links, band, m):
            return links
        width *= 2


def _coarse(vectors: np.ndarray) -> np.ndarray:
    """Half-resolution sentence vectors: sums of neighbour pairs, centred, unit length."""
    pairs = vectors[: len(vectors) - len(vectors) % 2].reshape(-1, 2, vectors.shape[1]).sum(axis=1)
    if not len(pairs):
        return pairs
    return normalise(pairs - pairs.mean(axis=0))


def _coarse_path(src: np.ndarray, tgt: np.ndarray, settings: AlignSettings) -> Path_ | None:
    """A 1-1/skip path at the coarsest resolution whose full DP fits ``max_full_dp``², upsampled."""
    n, m = len(src), len(tgt)
    if n * m <= settings.max_full_dp**2 or n < 2 or m < 2:
        return None  # small enough: search the full grid
    small_src, small_tgt = _coarse(src), _coarse(tgt)
    rough = _coarse_path(small_src, small_tgt, settings)
    ns, ms = len(small_src), len(small_tgt)
    rng = np.random.default_rng(0)
    norm_s = _norms({1: small_src}, {1: small_tgt}, settings.norm_samples, rng)[1]
    norm_t = _norms({1: small_tgt}, {1: small_src}, settings.norm_samples, rng)[1]

    def costs(i: int, a: int, js: np.ndarray, b: int) -> np.ndarray:
        return 2.0 * (1.0 - small_src[i] @ small_tgt[js].T) / (norm_s[i] + norm_t[js])

    sample = [
        costs(int(i), 1, np.array([int(j)]), 1)[0]
        for i, j in zip(rng.integers(0, ns, 500), rng.integers(0, ms, 500), strict=True)
    ]
    skip = float(np.quantile(sample, settings.skip_percentile))
    skips = (np.full(ns, skip), np.full(ms, skip))
    links = _banded_dp(ns, ms, [(1, 1)], skips, rough, settings.band, costs)
    path = [(0, 0)]
    for i, a, j, b in links:
        path.append((2 * (i + a), 2 * (j + b)))
    path.append((n, m))
    return _straight(path)


def _straight(corners: Path_) -> Path_:
    """Fill a path between corner points with steps along straight lines."""
    path = [corners[0]]
    for (x0, y0), (x1, y1) in pairwise(corners):
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        for k in range(1, steps + 1):
            path.append((x0 + round((x1 - x0) * k / steps), y0 + round((y1 - y0) * k / steps)))
    return path


def align_document(
    src_texts: Sequence[str],
    tgt_texts: Sequence[str],
    src_mt: Sequence[str] | None,
    embedder: Embedder,
    settings: AlignSettings,
    pair: str | None = None,
) -> list[DocumentLink]:
    """Monotonic alignment minimising total normalised cost; ``pair`` picks the length prior (``de-en``)."""
    n, m = len(src_texts), len(tgt_texts)
    if not n or not m:
        return [DocumentLink((i,), ()) for i in range(n)] + [DocumentLink((), (j,)) for j in range(m)]
    link_types = moves(settings.max_link)
    sizes = max(max(a, b) for a, b in link_types)
    encoded = settings.encoded_block_size
    src, tgt = Side(src_texts, embedder, sizes, encoded), Side(tgt_texts, embedder, sizes, encoded)
    mt = Side(src_mt, embedder, sizes, encoded) if src_mt is not None else None
    pair = pair or f"{settings.source_lang}-{settings.target_lang}"
    anchors = Anchors(src_texts, tgt_texts) if settings.anchor_weight else None
    scorer = Scorer(src, tgt, mt, settings, settings.length_ratios.get(pair, 1.0), anchors)
    coarse = _coarse_path(src.vectors[1], tgt.vectors[1], settings)
    links = []
    skips = (scorer.skip_src, scorer.skip_tgt)
    found = _banded_dp(n, m, link_types, skips, coarse, settings.band, lambda i, a, js, b: scorer.costs(i, a, js, b)[0])
    for i, a, j, b in found:
        if a and b:
            cost, cosine, mt_cosine = scorer.cost(i, a, j, b)
            similarity = cosine if mt_cosine is None else scorer.w_emb * cosine + scorer.w_mt * mt_cosine
            link = DocumentLink(tuple(range(i, i + a)), tuple(range(j, j + b)), similarity, cosine, mt_cosine, cost)
            links.append(link)
        else:
            skipped = scorer.skip_src[i] if a else scorer.skip_tgt[j]
            links.append(DocumentLink(tuple(range(i, i + a)), tuple(range(j, j + b)), cost=float(skipped)))
    return links


def closest_documents(src: list[Sentence], tgt: list[Sentence], embedder: Embedder) -> list[tuple[str, str]]:
    """Pair each source document with the target document whose mean embedding is closest."""

    def centroids(sentences: list[Sentence]) -> dict[str, np.ndarray]:
        groups: dict[str, list[str]] = defaultdict(list)
        for s in sentences:
            groups[s.doc_id].append(s.text)
        return {doc: normalise(embedder.embed(texts).mean(axis=0, keepdims=True))[0] for doc, texts in groups.items()}

    src_c, tgt_c = centroids(src), centroids(tgt)
    return [(doc, max(tgt_c, key=lambda other: float(vec @ tgt_c[other]))) for doc, vec in src_c.items()]
