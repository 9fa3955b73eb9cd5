"""A trained German NER model folder (the train-ner stage's output, ``tag.trained_ner``).

Its model file says which learner made it (``model.crfsuite``: the CRF, ``model.pt``:
stanza's trainer); its card, ``model.json``, what it was trained on, its sha256 and scores.
The tag stage loads it as stanza's ``ner`` processor.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from pipelines.core.io import write_json

CARD = "model.json"
LEARNER_FILES = {
    "crf": ("model.crfsuite", "clusters.npz", "gazetteer.json", "context.npz", "head.npz"),  # the last two: optional
    "stanza": ("model.pt", "pretrain.pt", "pretrain.pca.npz"),
}


class TrainingData(BaseModel):
    """One source of training sentences: ``name`` as users cite it, ``scope`` what of it was used."""

    model_config = ConfigDict(extra="forbid")

    name: str
    scope: str | None = None
    licence: str | None = None
    attribution: str | None = None
    file: str
    sha256: str | None = None
    sentences: int
    dev_sentences: int | None = None
    repeats: int | None = None


class ModelCard(BaseModel):
    """``model.json``: which learner made the model from what, its files' sha256 and its scores."""

    model_config = ConfigDict(extra="forbid")

    key: str  # content key of the training data, settings and code: equal keys, same model
    learner: str
    model: str
    sha256: str
    files: dict[str, str]
    engine: str
    trainer: str
    word_vectors: str
    labels: list[str]
    training_data: list[TrainingData]
    held_out: dict[str, Any]  # sentences, every, scores
    training_log: list[dict[str, Any]]
    baseline: dict[str, Any]  # the same learner without the corrections: key, scores
    settings: dict[str, Any]

    def describe(self) -> str:
        """``3876 sentences of GermEval 2014 NER + 12 sentences of human entity corrections …``"""
        return " + ".join(f"{d.sentences} sentences of {d.name}" for d in self.training_data)


def read_card(folder: Path) -> ModelCard | None:
    """A trained folder's card; None before the first training (or when training was skipped)."""
    path = folder / CARD
    if not path.exists():
        return None
    found = json.loads(path.read_text(encoding="utf-8"))
    return ModelCard.model_validate(found) if "learner" in found else None


def write_card(folder: Path, card: ModelCard) -> None:
    write_json(folder / CARD, card.model_dump(mode="json", exclude_none=True))


def trained_model(folder: Path | None) -> tuple[str, Path] | None:
    """(learner, model file) of a trained folder; None when there is none (skipped, never trained).
    A folder holds one learner's files (:func:`remove_other_learners`)."""
    if folder is None:
        return None
    for learner, files in LEARNER_FILES.items():
        if (folder / files[0]).exists():
            return learner, folder / files[0]
    return None


def remove_other_learners(folder: Path, learner: str) -> None:
    """A folder holds one model: the other learner's files go when this one is written."""
    for other, files in LEARNER_FILES.items():
        if other != learner:
            for name in files:
                (folder / name).unlink(missing_ok=True)
