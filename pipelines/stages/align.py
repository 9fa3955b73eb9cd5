"""Align stage: German sentences <-> English sentences, with scores and honest "no match".

Two modes over the same fused similarity (``params.yaml: align``):

- ``mining`` (comparable corpora such as the seeds): a German sentence is matched only to
  the candidate competitive linking gives it (best pairs first, each sentence used once)
  when its ratio margin reaches the threshold; otherwise it gets a
  ``no_match`` row that still names its best candidate and scores;
- ``document`` (parallel documents): dynamic programming over each document pair.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import typer

from pipelines.core.corpus import in_manifest, load_sentences, load_translations
from pipelines.core.errors import StageError
from pipelines.core.hashing import package_version
from pipelines.core.io import write_json, write_jsonl
from pipelines.core.layout import ALIGN_METRICS, ALIGN_SUMMARY, ALIGNMENTS, MANIFEST, SENTENCES, TRANSLATIONS
from pipelines.core.records import (
    Alignment,
    AlignmentCandidate,
    CandidateTarget,
    Provenance,
    Sentence,
    Translation,
    alignment_id,
)
from pipelines.core.settings import PARAMS_FILE, AlignSettings, ExecutorSettings, load_settings
from pipelines.engines.align.document_aligner import align_document, closest_documents, texts_to_encode
from pipelines.engines.align.encoders import encoder_for
from pipelines.engines.align.mining import Chrf, MiningCandidate, accepted, candidate_blocks, fusable_translations, mine
from pipelines.engines.vectors.each import EncodeWork, cached_parts, from_texts
from pipelines.engines.vectors.embedders import Embedder
from pipelines.run.contract import StageContract
from pipelines.run.executor import make_executor
from pipelines.run.runner import run_command

ENCODE_BATCH = 256  # texts per executor batch: a Ray actor's or pool worker's unit of work
CONTRACT = StageContract(
    "align",
    deps=(MANIFEST, SENTENCES, TRANSLATIONS, "models/encoders.json"),
    outs=(ALIGNMENTS, ALIGN_SUMMARY),
    metrics=(ALIGN_METRICS,),
    params=("align",),
)


def _stage_provenance(mode: str, embedder: Embedder) -> Provenance:
    return Provenance(
        engine=f"align-{mode}",
        model=embedder.name,
        version=f"sacrebleu {package_version('sacrebleu', '?')} chrF; numpy {np.__version__}",
    )


class Encoder:
    """Encodes ahead, on the configured executor, what the aligner will look up: the texts no
    cache holds yet, in batches, each text alone on one thread (so the vectors equal the
    in-process ones)."""

    def __init__(self, embedder: Embedder, executor: ExecutorSettings) -> None:
        self.embedder, self.executor = embedder, executor

    def ahead(self, texts: list[str]) -> None:
        for part in cached_parts(self.embedder):
            todo = part.missing(texts)
            if todo:
                results = make_executor(self.executor).map(EncodeWork, part.load_args, todo, ENCODE_BATCH, "encode")
                part.keep(todo, from_texts(list(results)))


def review_candidate(candidate: MiningCandidate, tgt: list[Sentence]) -> AlignmentCandidate:
    """One English candidate as the alignment-review task shows it."""
    target = tgt[candidate.tgt]
    return AlignmentCandidate(
        tgt_ids=[target.sent_id],
        tgt_doc=target.doc_id,
        text=target.text,
        score=round(candidate.margin, 4),
        cosine=round(candidate.cosine, 4),
        chrf_mt=None if candidate.chrf is None else round(candidate.chrf, 4),
    )


def mining_rows(
    src: list[Sentence],
    tgt: list[Sentence],
    translations: dict[str, Translation],
    embedder: Embedder,
    settings: AlignSettings,
    encoder: Encoder | None = None,
) -> list[Alignment]:
    mt = fusable_translations(src, translations, settings.target_lang)
    if encoder is not None:
        encoder.ahead([s.text for s in src + tgt])
    src_vecs = embedder.embed([s.text for s in src])
    tgt_vecs = embedder.embed([t.text for t in tgt])
    src_docs, tgt_docs = [s.doc_id for s in src], [t.doc_id for t in tgt]
    blocks = candidate_blocks(src_docs, tgt_docs, src_vecs, tgt_vecs, settings.candidate_documents)
    chrf = Chrf(settings.cache_path)
    best = mine(src_vecs, tgt_vecs, mt, [t.text for t in tgt], settings, blocks, [s.text for s in src], chrf)
    provenance = _stage_provenance("mining", embedder)
    rows = []
    for sentence, candidate in zip(src, best, strict=True):
        target = tgt[candidate.tgt]
        matched = accepted(candidate, settings.threshold)
        translation = translations.get(sentence.sent_id)
        components = {
            **candidate.components(),
            "mutual_best": float(candidate.mutual),
            "linked": float(candidate.linked),
        }
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
                translation_engine=translation.writer if translation else None,
                score=round(candidate.margin, 4),
                components=components,
                best_candidate=None
                if matched
                else CandidateTarget(tgt_ids=[target.sent_id], tgt_doc=target.doc_id, text=target.text),
                candidates=[review_candidate(c, tgt) for c in (candidate, *candidate.others)],
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
    settings: AlignSettings,
    encoder: Encoder | None = None,
) -> list[Alignment]:
    """Align each source document with its paired target document (params or best mean similarity)."""
    by_doc: dict[str, list[Sentence]] = defaultdict(list)
    for sentence in src + tgt:
        by_doc[sentence.doc_id].append(sentence)
    if encoder is not None and not settings.document_pairs:
        encoder.ahead([s.text for s in src + tgt])
    pairs = settings.document_pairs or closest_documents(src, tgt, embedder)
    for src_doc, tgt_doc in pairs:
        if src_doc not in by_doc or tgt_doc not in by_doc:
            raise StageError(f"params.yaml: align.document_pairs names unknown document {src_doc!r} or {tgt_doc!r}")
    texts = {doc: [s.text for s in by_doc[doc]] for pair in pairs for doc in pair}
    mts = [fusable_translations(by_doc[src_doc], translations, settings.target_lang) for src_doc, _ in pairs]
    if encoder is not None:
        needed = [texts_to_encode(texts[a], texts[b], mt, settings) for (a, b), mt in zip(pairs, mts, strict=True)]
        encoder.ahead([t for found in needed for t in found])
    provenance = _stage_provenance("document", embedder)
    rows = []
    for (src_doc, tgt_doc), mt in zip(pairs, mts, strict=True):
        left, right = by_doc[src_doc], by_doc[tgt_doc]
        for link in align_document(texts[src_doc], texts[tgt_doc], mt, embedder, settings):
            src_ids = [left[i].sent_id for i in link.src]
            tgt_ids = [right[j].sent_id for j in link.tgt]
            components = {"cost": round(link.cost, 4)}
            for name, value in (
                ("similarity", link.similarity),
                ("cosine", link.cosine),
                ("mt_cosine", link.mt_similarity),
            ):
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
                    translation_engine=src_translations[0].writer if src_translations else None,
                    score=components.get("similarity"),
                    components=components,
                    embedding_model=embedder.name,
                    provenance=provenance,
                )
            )
    return rows


def document_summary(rows: list[Alignment], tgt: list[Sentence]) -> dict[str, Any]:
    """Which English page shares most aligned content with each German article: per German
    document, the English documents its sentences' best candidates are in (not every English
    document, which would grow with German x English documents)."""
    sizes: Counter = Counter(sentence.doc_id for sentence in tgt)
    per_source: dict[str, dict[str, dict[str, float]]] = defaultdict(dict)
    for row in rows:
        per_target = per_source[row.src_doc]
        _, doc, _ = row.candidate()
        if doc is None:
            continue
        counts = per_target.setdefault(doc, {"matches": 0, "best_candidates": 0, "score_sum": 0.0})
        counts["best_candidates"] += 1
        counts["score_sum"] += row.score or 0.0
        counts["matches"] += row.status == "match"
    summary: dict[str, Any] = {}
    for src_doc in sorted(per_source):
        ranked = sorted(
            per_source[src_doc].items(), key=lambda kv: (kv[1]["matches"], kv[1]["score_sum"], kv[0]), reverse=True
        )
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
    translations_path: Path | None,
    out: Path,
    summary_path: Path,
    metrics_path: Path,
    settings: AlignSettings,
    *,
    embedder: Embedder | None = None,
    executor: ExecutorSettings | None = None,
) -> dict[str, Any]:
    """Align the source-language sentences with the target-language ones: mining (one row per
    source sentence, match or honest no_match) or document mode (links per document pair), with
    the translations fused where they are in the target's language; writes the rows, the
    per-document summary and the metrics, and returns the metrics."""
    sentences = load_sentences(sentence_files)
    src = [s for s in sentences if s.lang == settings.source_lang]
    tgt = [s for s in sentences if s.lang == settings.target_lang]
    if not src or not tgt:
        raise StageError(
            f"align needs {settings.source_lang} and {settings.target_lang} sentences; got {len(src)} and {len(tgt)}"
        )
    translations = load_translations(translations_path)
    embedder = embedder or encoder_for(settings, settings.mode)
    encoder = Encoder(embedder, executor or ExecutorSettings())
    if settings.mode == "mining":
        rows = mining_rows(src, tgt, translations, embedder, settings, encoder)
    else:
        rows = document_rows(src, tgt, translations, embedder, settings, encoder)
    write_jsonl(out, rows)
    summary = document_summary(rows, tgt)
    write_json(summary_path, summary)
    figures = metrics(rows, settings.threshold)
    write_json(metrics_path, figures)
    pairs = {k: v["best_target_doc"] for k, v in summary.items()}
    return {
        "mode": settings.mode,
        **figures,
        "best_target_doc": pairs if len(pairs) <= 10 else f"{len(pairs)} documents",
    }


def command(
    sentences: list[Path] = typer.Argument(..., help="sentence files (corpus/sentences/*.jsonl)"),
    translations: Path = typer.Option(TRANSLATIONS, help="translate stage output"),
    out: Path = typer.Option(ALIGNMENTS, help="alignment rows"),
    summary: Path = typer.Option(ALIGN_SUMMARY, help="document-pair summary"),
    metrics_out: Path = typer.Option(ALIGN_METRICS, "--metrics", help="DVC metrics file"),
    params: Path = typer.Option(PARAMS_FILE, help="parameters file"),
    manifest: Path = typer.Option(MANIFEST, help="only documents listed here are read"),
) -> None:
    """Align source sentences with target sentences (mining or document mode), with scores."""
    everything = load_settings(params)
    sentences = in_manifest(sentences, manifest)
    result = run(sentences, translations, out, summary, metrics_out, everything.align, executor=everything.executor)
    typer.echo(json.dumps(result))


if __name__ == "__main__":
    run_command(command)
