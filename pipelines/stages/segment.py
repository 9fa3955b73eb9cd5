"""Segment stage: ``corpus/documents`` -> ``corpus/sentences/<doc_id>.jsonl`` (stanza Pipeline/Document API).

One process per run loads the tokenizers once; only documents whose record changed are
segmented again (``run.incremental``), on the configured executor. Punctuation-only
"sentences" are dropped and counted in ``corpus/metrics/segment.json``.
"""

from __future__ import annotations

import json
from collections import Counter
from contextlib import suppress
from pathlib import Path
from typing import Any

import typer
from pydantic import BaseModel

from pipelines.core.corpus import in_manifest
from pipelines.core.errors import RecordError
from pipelines.core.hashing import content_key
from pipelines.core.io import parse_record, write_json
from pipelines.core.layout import DOCUMENTS, MANIFEST, SEGMENT_METRICS, SENTENCES, sentence_file
from pipelines.core.records import Document
from pipelines.core.settings import PARAMS_FILE, ExecutorSettings, SegmentSettings, load_settings
from pipelines.engines.text.segmenter import Segmenter, engine_description
from pipelines.run.contract import StageContract
from pipelines.run.executor import make_executor
from pipelines.run.fingerprint import code_fingerprint
from pipelines.run.incremental import StageState, outcome, process_changed
from pipelines.run.runner import run_command

CONTRACT = StageContract(
    "segment", deps=(MANIFEST, DOCUMENTS), outs=(SENTENCES,), metrics=(SEGMENT_METRICS,), params=("segment",)
)


class DocumentLanguage(BaseModel):
    """Just the language of a document record (cheap to read for every document)."""

    lang: str


class SegmentWork:
    """Segments document records, a batch per stanza call; holds one stanza pipeline per language."""

    def __init__(self, settings: SegmentSettings, engines: dict[str, Any]) -> None:
        """``engines``: the backends the stage expects (``engine_description``), so a warm server
        keyed on them loads a changed model file again."""
        self.segmenter = Segmenter(settings)

    def __call__(self, batch: list[str]) -> list[str]:
        results: list[str | None] = [None] * len(batch)
        documents: dict[int, Document] = {}
        for position, payload in enumerate(batch):
            path, text = json.loads(payload)
            try:
                documents[position] = parse_record(Document, text, path)
            except RecordError as error:
                results[position] = outcome(Path(path).stem, error=str(error))
        split = self.segmenter.segment_many(list(documents.values()))
        for (position, document), sentences in zip(documents.items(), split, strict=True):
            lines = "".join(s.model_dump_json() + "\n" for s in sentences)
            dropped = self.segmenter.dropped_in.pop(document.doc_id, 0)
            counts = {"lang": document.lang, "sentences": len(sentences), "dropped": dropped}
            results[position] = outcome(document.doc_id, lines, counts=counts)
        return [r for r in results if r is not None]


def segment_metrics(state: StageState) -> dict[str, object]:
    sentences: Counter = Counter()
    documents: Counter = Counter()
    dropped = 0
    for counts in state.previous.values():
        documents[counts["lang"]] += 1
        sentences[counts["lang"]] += counts["sentences"]
        dropped += counts["dropped"]
    return {
        "documents": dict(sorted(documents.items())),
        "sentences": dict(sorted(sentences.items())),
        "punctuation_only_dropped": dropped,
    }


def run(
    documents_dir: Path,
    out_dir: Path,
    settings: SegmentSettings,
    *,
    manifest: Path | None = None,
    executor: ExecutorSettings | None = None,
    metrics_path: Path | None = None,
) -> dict[str, object]:
    """Segment the documents that changed; returns what was processed, reused and removed."""
    executor = executor or ExecutorSettings()
    paths = in_manifest(list(Path(documents_dir).glob("*.json")), manifest)
    items, languages = {}, set()
    for path in paths:
        text = path.read_text(encoding="utf-8")
        items[path.stem] = (content_key(text), json.dumps([str(path), text], ensure_ascii=False))
        with suppress(RecordError):  # the work reports what is wrong with the whole record
            languages.add(parse_record(DocumentLanguage, text, str(path)).lang)
    engines = engine_description(settings, sorted(languages))
    state = StageState(
        out_dir,
        lambda doc_id: sentence_file(out_dir, doc_id),
        code_fingerprint(__name__),
        settings.portable(),
        engines,
    )
    work = (SegmentWork, (settings, engines))
    results = process_changed(state, items, make_executor(executor), work, executor.documents_per_batch, "segment")
    removed = state.remove_others(set(items), "*.jsonl")  # only once every document succeeded
    figures = segment_metrics(state)
    if metrics_path:
        write_json(metrics_path, figures)
    return {"processed": len(results), "reused": len(items) - len(results), "removed": removed, **figures}


def command(
    documents: Path = typer.Option(DOCUMENTS, help="document records (ingest output)"),
    out: Path = typer.Option(SENTENCES, help="output folder"),
    params: Path = typer.Option(PARAMS_FILE, help="parameters file"),
    manifest: Path = typer.Option(MANIFEST, help="only documents listed here are read"),
    metrics_out: Path = typer.Option(SEGMENT_METRICS, "--metrics", help="DVC metrics file"),
) -> None:
    """Split document paragraphs into tokenised sentences with stable ids (only what changed)."""
    settings = load_settings(params)
    typer.echo(
        json.dumps(
            run(
                documents,
                out,
                settings.segment,
                manifest=manifest,
                executor=settings.executor,
                metrics_path=metrics_out,
            )
        )
    )


if __name__ == "__main__":
    run_command(command)
