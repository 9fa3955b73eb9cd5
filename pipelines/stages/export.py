"""Export stage: corpus + pulled human corrections -> hub-ready Hugging Face dataset and more.

Writes ``dist/dataset/`` (parquet under ``data/<config>/train-00000-of-00001.parquet`` and a
``README.md`` card declaring ``configs`` and ``dataset_info``), ``dist/de-en.tmx``, Moses
line-parallel files and a TSV. Human reviews (typed records the pull wrote) win over predictions
per item, and every row says which it is.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import typer
from tqdm import tqdm

from pipelines.core.corpus import load_alignments, load_documents, load_sentences, load_translations, sentence_files
from pipelines.core.io import read_jsonl, write_json, write_text
from pipelines.core.layout import (
    ALIGNMENTS,
    ANNOTATIONS,
    CORPUS,
    DATASET,
    DIST,
    DOCUMENTS,
    ENTITIES,
    EVENTS,
    EXPORT_METRICS,
    MANIFEST,
    NER_METRICS,
    SCORE_PLOT,
    SENTENCES,
    TRANSLATIONS,
    human_file,
)
from pipelines.core.records import SentenceEntities, SentenceEvents
from pipelines.core.reviews import alignment_fingerprints, read_reviews, tagging_fingerprints
from pipelines.core.settings import PARAMS_FILE, ExportSettings, load_settings
from pipelines.publish.card import card_data, corpus_summary, engines_used, render_card
from pipelines.publish.features import SPLIT, features
from pipelines.publish.formats import write_config, write_text_exports, write_tmx
from pipelines.publish.post_editing import post_editing_metrics
from pipelines.publish.report import translation_summary
from pipelines.publish.reviews import reviewed_items
from pipelines.publish.rows import alignment_rows, document_row, events_row, ner_row, translation_row
from pipelines.run.contract import StageContract
from pipelines.run.runner import run_command
from pipelines.tagging.labels import prediction_version

CONTRACT = StageContract(
    "export",
    deps=(
        MANIFEST,
        DOCUMENTS,
        SENTENCES,
        TRANSLATIONS,
        ALIGNMENTS,
        ENTITIES,
        EVENTS,
        NER_METRICS,
        human_file(ANNOTATIONS, "tagging"),
        human_file(ANNOTATIONS, "alignment"),
    ),
    outs=(DATASET, DIST / "de-en.tmx", DIST / "de-en.tsv", DIST / "moses"),
    metrics=(EXPORT_METRICS,),
    plots=(SCORE_PLOT,),
    params=("export", "tag.cameo_discards", "tag.cameo_additions", "tag.plover_amendments"),
)


def score_histogram(scores: np.ndarray, settings: ExportSettings) -> str:
    """The ``dvc plots`` CSV of alignment scores."""
    bins = np.linspace(settings.histogram_min, settings.histogram_max, settings.histogram_bins + 1)
    histogram, edges = np.histogram(np.clip(scores, bins[0], bins[-1]), bins=bins)
    return "bin,count\n" + "".join(f"{edges[k]:.2f},{int(c)}\n" for k, c in enumerate(histogram))


def trained_ner_summary(path: Path) -> dict[str, Any] | None:
    """train-ner's figures (held-out scores, training data and licences) for the card; None
    when no model was trained (the tag stage then types German names by projection)."""
    if not path.exists():
        return None
    summary = json.loads(path.read_text(encoding="utf-8"))
    return summary if summary.get("after") and summary.get("training_data") else None


def run(
    corpus: Path,
    annotations: Path,
    dist: Path,
    metrics_path: Path,
    plots_path: Path,
    settings: ExportSettings,
    *,
    manifest: Path | None = None,
    discards: Path | None = None,
    additions: Path | None = None,
    amendments: Path | None = None,
) -> dict[str, Any]:
    """``discards``, ``additions``, ``amendments``: the tag stage's discard list, dictionary
    additions and PLOVER table amendments (``tag.cameo_discards``, ``tag.cameo_additions``,
    ``tag.plover_amendments``), which the card names."""
    documents = load_documents(corpus / DOCUMENTS.name, manifest)
    sentences = load_sentences(sentence_files(corpus / SENTENCES.name, manifest))
    translations = list(load_translations(corpus / TRANSLATIONS.name).values())
    alignments = load_alignments(corpus / ALIGNMENTS.name)
    entity_rows = {r.sent_id: r for r in read_jsonl(corpus / ENTITIES.name, SentenceEntities)}
    event_rows = {r.sent_id: r for r in read_jsonl(corpus / EVENTS.name, SentenceEvents)}
    reviewed = {  # from the records read above: the corpus files are read once
        "tagging": reviewed_items(
            "tagging",
            tagging_fingerprints(entity_rows.values()),
            prediction_version("tagging", [row.provenance for row in entity_rows.values()]),
            annotations,
        ),
        "alignment": reviewed_items(
            "alignment",
            alignment_fingerprints(alignments),
            prediction_version("alignment", [row.provenance for row in alignments]),
            annotations,
        ),
    }

    post_editing = post_editing_metrics(translations, read_reviews(human_file(annotations, "translation")))
    parallel, all_alignments = alignment_rows(alignments, reviewed["alignment"])
    ner, events = [], []
    for sentence in tqdm(sentences, desc="export", unit="sent", disable=None):
        item = reviewed["tagging"][sentence.sent_id]
        ner.append(ner_row(sentence, entity_rows[sentence.sent_id], item))
        events.append(events_row(sentence, event_rows[sentence.sent_id], item))
    tables = {
        "parallel": parallel,
        "alignments": all_alignments,
        "ner": ner,
        "events": events,
        "translations": [translation_row(t) for t in translations],
        "documents": [document_row(d) for d in documents],
    }

    # build the dataset beside its place and swap it in at the end: a failure leaves the old one
    out = dist / DATASET.name
    building = dist / f".{DATASET.name}.building"
    shutil.rmtree(building, ignore_errors=True)
    schema = features()
    # datasets cannot load a split with no rows, so an empty config is left out (the card says so)
    infos = {name: write_config(building, name, rows, schema[name]) for name, rows in tables.items() if rows}
    translation_engines = sorted({t.provenance.engine for t in translations})
    human_rows = sum(r["annotation_source"] == "human" for rows in (all_alignments, ner) for r in rows)
    human_share = human_rows / max(1, len(all_alignments) + len(ner))
    counts = {name: len(rows) for name, rows in tables.items()}
    engines = engines_used(
        {
            "segmentation": [s.provenance for s in sentences],
            "translation": [t.provenance for t in translations],
            "alignment": [a.provenance for a in alignments],
            "tagging": [e.provenance for e in entity_rows.values()],
        }
    )
    summary = corpus_summary(documents, sentences, alignments, parallel)
    data = card_data(settings.pretty_name, documents, infos)
    card = render_card(
        data,
        counts,
        engines,
        documents,
        human_share,
        translation_engines,
        summary,
        discards,
        post_editing,
        additions=additions,
        amendments=amendments,
        ner_model=trained_ner_summary(corpus / NER_METRICS.relative_to(CORPUS)),
    )
    write_text(building / "README.md", card)

    write_tmx(dist / "de-en.tmx", parallel)
    write_text_exports(dist, parallel)

    scores = np.array([r["score"] for r in all_alignments if r["score"] is not None], dtype=float)
    write_text(plots_path, score_histogram(scores, settings))
    sources = Counter(
        "human" if r["annotation_source"] == "human" else "model" for rows in (all_alignments, ner) for r in rows
    )
    figures = {
        "rows": {name: {SPLIT: count} for name, count in counts.items()},
        "alignment_score": {
            "mean": round(float(scores.mean()), 4) if len(scores) else None,
            "max": round(float(scores.max()), 4) if len(scores) else None,
            "accepted": len(parallel),
        },
        "human_verified_share": round(human_share, 4),
        "sources": dict(sources),
        "translation_engine": ", ".join(translation_engines) or None,
        "translation_quality": translation_summary(translations),
        "post_editing": post_editing,
    }
    shutil.rmtree(out, ignore_errors=True)
    building.rename(out)
    write_json(metrics_path, figures)
    return figures


def command(
    corpus: Path = typer.Option(CORPUS, help="corpus folder"),
    annotations: Path = typer.Option(ANNOTATIONS, help="pulled Label Studio annotations"),
    dist: Path = typer.Option(DIST, help="output folder"),
    params: Path = typer.Option(PARAMS_FILE, help="parameters file"),
    manifest: Path = typer.Option(MANIFEST, help="only documents listed here are exported"),
) -> None:
    """Write the hub-ready dataset (parquet + card), TMX, Moses and TSV exports."""
    settings = load_settings(params)
    figures = run(
        corpus,
        annotations,
        dist,
        EXPORT_METRICS,
        SCORE_PLOT,
        settings.export,
        manifest=manifest,
        discards=settings.tag.cameo_discards,
        additions=settings.tag.cameo_additions,
        amendments=settings.tag.plover_amendments,
    )
    typer.echo(json.dumps(figures))


if __name__ == "__main__":
    run_command(command)
