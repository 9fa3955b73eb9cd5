"""Where the pipeline's inputs and outputs live, relative to the project root.

One name per path: the CLI defaults, ``dvc.yaml`` and the tests all mean these files.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.core.ids import id_path

PARAMS_FILE = Path("params.yaml")
SEEDS = Path("seeds")
MANIFEST = SEEDS / "manifest.yaml"

CORPUS = Path("corpus")
DOCUMENTS = CORPUS / "documents"
SENTENCES = CORPUS / "sentences"
TRANSLATIONS = CORPUS / "translations.jsonl"
ALIGNMENTS = CORPUS / "alignments.jsonl"
ALIGN_SUMMARY = CORPUS / "align_summary.json"
ENTITIES = CORPUS / "entities.jsonl"
EVENTS = CORPUS / "events.jsonl"
NER_MODEL = CORPUS / "models" / "ner-de"  # the trained model's files and model.json (what it was trained on)
METRICS = CORPUS / "metrics"
SEGMENT_METRICS = METRICS / "segment.json"
ALIGN_METRICS = METRICS / "align.json"
TAG_METRICS = METRICS / "tag.json"
NER_METRICS = METRICS / "ner.json"
AGREEMENT_METRICS = METRICS / "agreement.json"
EXPORT_METRICS = METRICS / "export.json"
SCORE_PLOT = CORPUS / "plots" / "alignment_scores.csv"
REPORT = CORPUS / "report.html"

ANNOTATIONS = Path("annotations")
LABEL_CONFIGS = ANNOTATIONS / "configs"
LABEL_STUDIO_DATA = ANNOTATIONS / ".labelstudio"

DIST = Path("dist")
DATASET = DIST / "dataset"


def human_file(annotations: Path, kind: str) -> Path:
    """Pulled human annotations of one Label Studio project kind."""
    return annotations / f"{kind}.human.jsonl"


def sentence_file(sentences: Path, doc_id: str) -> Path:
    return id_path(sentences, doc_id, ".jsonl")
