"""Reading the corpus's record files as the stages need them (all validated)."""

from __future__ import annotations

from pathlib import Path

from pipelines.core.io import read_json, read_jsonl
from pipelines.core.records import Alignment, Document, Sentence, Translation


def load_documents(folder: Path) -> list[Document]:
    return [read_json(path, Document) for path in sorted(Path(folder).glob("*.json"))]


def load_sentences(paths: list[Path]) -> list[Sentence]:
    """Sentences of every file, files in name order, sentences in document order."""
    return [s for path in sorted(paths) for s in read_jsonl(path, Sentence)]


def sentence_files(folder: Path) -> list[Path]:
    return sorted(Path(folder).glob("*.jsonl"))


def load_translations(path: Path | None) -> dict[str, Translation]:
    """Translations by ``sent_id``; empty when the file is not given or not there yet."""
    if path is None or not Path(path).exists():
        return {}
    return {t.sent_id: t for t in read_jsonl(path, Translation)}


def load_alignments(path: Path) -> list[Alignment]:
    return list(read_jsonl(path, Alignment))
