"""A trained German NER model folder (the train-ner stage's output, ``tag.trained_ner``).

Its model file says which learner made it (``model.crfsuite``: the CRF, ``model.pt``:
stanza's trainer); its card, ``model.json``, what it was trained on, its sha256 and scores.
The tag stage loads it as stanza's ``ner`` processor.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CARD = "model.json"
LEARNER_FILES = {
    "crf": ("model.crfsuite", "clusters.npz", "gazetteer.json"),
    "stanza": ("model.pt", "pretrain.pt", "pretrain.pca.npz"),
}


def read_card(folder: Path) -> dict[str, Any]:
    """A model folder's card; empty before the first training."""
    card = folder / CARD
    return json.loads(card.read_text(encoding="utf-8")) if card.exists() else {}


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
