"""A stanza NER model of the project's own: trained with stanza's trainer, loaded as stanza's ``ner``.

Training calls ``stanza.models.ner_tagger`` (the script stanza's own models are trained
with) in this process; its step log drives the progress (a bar, or a line every 30 s off a
terminal). The saved model loads through the ordinary ``ner_model_path`` of a
``stanza.Pipeline``, so the tag stage runs it as a real NER processor, next to the offline
POS/lemma variants.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from pipelines.core.hashing import package_version
from pipelines.core.progress import Progress
from pipelines.engines.text.stanza_setup import stanza_stub_dir
from pipelines.engines.vectors import word_vectors

MODEL = "model.pt"  # the files of a model folder (the train-ner stage's output, tag.trained_ner)
PRETRAIN = "pretrain.pt"  # the word vectors it was trained with
STEP = re.compile(r"step (\d+)/(\d+)")
DEV_SCORE = re.compile(r"step (\d+): train_loss = [\d.]+, dev_score = ([\d.]+)")


class _Progress(logging.Handler):
    """stanza's training log -> a progress bar, and the dev score of every evaluation."""

    def __init__(self, bar: Progress) -> None:
        super().__init__(logging.INFO)
        self.bar = bar
        self.dev_scores: list[tuple[int, float]] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if match := DEV_SCORE.search(message):
            self.dev_scores.append((int(match[1]), float(match[2])))
            self.bar.desc = f"train-ner (stanza, dev F1 {float(match[2]):.3f})"
        elif match := STEP.search(message):
            self.bar.update(int(match[1]) - self.bar.done)


def train(
    train_file: Path,
    dev_file: Path,
    model_file: Path,
    options: dict[str, Any],
) -> list[tuple[int, float]]:
    """Train a stanza NER model; returns the dev F1 at each evaluation (the best is kept).

    ``options`` are ner_tagger's own flags (``max_steps``, ``optim``, ``lr``, ...); ``None``
    values are left out and ``True`` is a bare flag."""
    from stanza.models import ner_tagger

    args = [
        "--mode", "train",
        "--train_file", str(train_file),
        "--eval_file", str(dev_file),
        "--save_dir", str(model_file.parent),
        "--save_name", model_file.name,
        "--shorthand", "de_germeval",
        "--cpu",
    ]  # fmt: skip
    for name, value in options.items():
        if value is True:
            args.append(f"--{name}")
        elif value is not None and value is not False:
            args += [f"--{name}", str(value)]
    stanza_logger = logging.getLogger("stanza")
    level = stanza_logger.level
    max_steps = int(options.get("max_steps") or 0)
    with Progress(max_steps, "train-ner (stanza)", "step") as bar:
        handler = _Progress(bar)
        stanza_logger.addHandler(handler)
        quiet = [h for h in stanza_logger.handlers if h is not handler]
        for h in quiet:
            stanza_logger.removeHandler(h)
        stanza_logger.setLevel(logging.INFO)
        try:
            ner_tagger.main(args)
        finally:
            stanza_logger.removeHandler(handler)
            for h in quiet:
                stanza_logger.addHandler(h)
            stanza_logger.setLevel(level)
    return handler.dev_scores


def pipeline_options(model_file: Path) -> dict[str, Any]:
    """The ``stanza.Pipeline`` keyword arguments that load the model as its ``ner`` processor,
    with the word vectors it was trained with when they are beside it."""
    options: dict[str, Any] = {"ner_model_path": str(model_file)}
    if model_file.with_name(PRETRAIN).exists():
        options["ner_pretrain_path"] = str(model_file.with_name(PRETRAIN))
    return options


def load(model_file: Path, cache_dir: Path) -> Any:
    """A pretokenized German pipeline with the trained model as its only processor after tokenize."""
    import stanza

    return stanza.Pipeline(
        "de",
        dir=str(stanza_stub_dir(cache_dir)),
        processors={"tokenize": "pretokenized", "ner": "trained"},
        tokenize_pretokenized=True,
        download_method=None,
        logging_level="ERROR",
        **pipeline_options(model_file),
    )


def extend_vocabulary(nlp: Any, sentences: Sequence[Sequence[str]], model_file: Path) -> int:
    """Give the words the model's frozen vectors do not know their encoder vectors, in place.

    The vectors are a function of the word alone (encoder + the projection saved with them),
    and frozen in training, so a word added here is treated exactly as if it had been in the
    pretrain file all along; without it, every name unseen in training would be UNK.
    Returns the number of words added (0 for a model without such vectors)."""
    import torch

    pretrain = model_file.with_name(PRETRAIN)
    if not word_vectors.projection_file(pretrain).exists():
        return 0
    added = 0
    for trainer in nlp.processors["ner"].trainers:
        model = trainer.model
        if model.args.get("emb_finetune", True) or "word" not in model.vocab:
            continue  # fine-tuned vectors are the model's own: nothing to extend
        vocab = model.vocab["word"]
        case = str.lower if model.args.get("lowercase", True) else str
        new = [w for w in dict.fromkeys(case(w) for s in sentences for w in s) if w not in vocab]
        if not new:
            continue
        rows = torch.from_numpy(_encoder_for(pretrain)(new))
        for word in new:
            vocab._unit2id[vocab.normalize_unit(word)] = len(vocab._id2unit)
            vocab._id2unit.append(vocab.normalize_unit(word))
        weight = torch.cat([model.word_emb.weight.data, rows.to(model.word_emb.weight.dtype)])
        model.word_emb = torch.nn.Embedding.from_pretrained(weight, freeze=True, padding_idx=0)
        added += len(new)
    return added


@cache
def _encoder_for(pretrain: Path) -> word_vectors.WordEncoder:
    return word_vectors.WordEncoder(pretrain)


def predict(
    nlp: Any, sentences: Sequence[Sequence[str]], model_file: Path | None = None, batch: int = 256
) -> list[list[str]]:
    """BIOES tags per token for pretokenized sentences (their words added to the vocabulary first)."""
    tags: list[list[str]] = []
    if model_file is not None:
        extend_vocabulary(nlp, sentences, model_file)
    for first in range(0, len(sentences), batch):
        document = nlp([list(s) for s in sentences[first : first + batch]])
        tags += [[token.ner for token in sentence.tokens] for sentence in document.sentences]
    return tags


def engine_version() -> str:
    return f"stanza {package_version('stanza', '?')}"
