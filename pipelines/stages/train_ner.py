"""Train-ner stage: a German NER model from GermEval 2014 plus the annotators' corrections.

The learner is ``train_ner.learner``, one of the registry in ``engines/ner/learners.py``: a
CRF (``engines/ner/crf_ner.py``, the default) or stanza's own trainer (``engines/ner/stanza_ner.py``).
Writes the model folder
(loaded by the tag stage as stanza's ``ner`` processor), ``model.json`` (the learner, what
it was trained on, its sha256 and licence) and
``corpus/metrics/ner.json``: the model scored on a fixed held-out part of GermEval
(``after``) and the same learner trained without the corrections (``before``), so
`dvc metrics diff` shows whether corrections improve the pre-annotations. Both are functions
of the inputs alone: a fresh clone writes the same files.
Corrected sentences are training data only: any held-out sentence equal to one is not scored.
The stage retrains only when its training data, settings or code changed (``data_key``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from pipelines.core.corpus import load_sentences, sentence_files
from pipelines.core.errors import StageError, warn
from pipelines.core.hashing import content_key, file_sha256
from pipelines.core.io import write_json
from pipelines.core.layout import ANNOTATIONS, MANIFEST, NER_METRICS, SENTENCES, human_file
from pipelines.core.reviews import read_reviews, review_locations, review_sha1
from pipelines.core.settings import PARAMS_FILE, TrainNerSettings, load_settings
from pipelines.engines.ner import learners, ner_model
from pipelines.run.contract import StageContract
from pipelines.run.fingerprint import code_fingerprint_within
from pipelines.run.runner import run_command
from pipelines.training.scoring import score
from pipelines.training.tagged import (
    TaggedSentence,
    data_key,
    from_spans,
    read_germeval,
    read_germeval_bioes,
    split,
)

CONTRACT = StageContract(
    "train-ner",
    deps=(MANIFEST, SENTENCES, human_file(ANNOTATIONS, "tagging")),
    outs=("${tag.trained_ner}",),
    metrics=(NER_METRICS,),
    params=("train_ner", "tag.trained_ner"),
)

# The model's key covers the code that decides the trained weights: the modules these import
# (not this stage's reporting, nor the reviews reader), kept to MODEL_CODE's packages: the
# learners, their features and vectors, the gloss table they read, the float pins and hashing.
# Records, reviews, settings, caches and I/O are left out: what they produce is keyed already
# by ``data_key`` (the sentences' content) and ``recorded`` (the settings), so editing them
# does not retrain.
TRAINING_CODE = (
    "pipelines.training.tagged",
    "pipelines.engines.ner.learners",
    "pipelines.engines.ner.crf_ner",
    "pipelines.engines.ner.stanza_ner",
    "pipelines.engines.vectors.word_vectors",
    "pipelines.engines.vectors.word_clusters",
    "pipelines.engines.vectors.token_vectors",
)
MODEL_CODE = (
    "pipelines.engines.ner",
    "pipelines.engines.vectors",
    "pipelines.engines.text.hanta",
    "pipelines.engines.text.stanza_setup",
    "pipelines.engines.translate.gloss",
    "pipelines.training",
    "pipelines.core.floats",
    "pipelines.core.hashing",
    "pipelines.core.bio",
    "pipelines.core.lexicon",
)
GERMEVAL = {
    "name": "GermEval 2014 NER",
    "scope": "names only: outer layer, deriv/part dropped",
    "licence": "CC BY 4.0",
    "attribution": "Benikova, Biemann, Reznicek: NoSta-D Named Entity Annotation for German, LREC 2014",
}


def human_sentences(sentences_dir: Path, manifest: Path | None, annotations: Path) -> list[TaggedSentence]:
    """German sentences an annotator corrected (still matching the corpus text), as training rows.

    Stale or unknown reviews are left out, never guessed; the corpus is read only when there are
    reviews (reading it is the costly part)."""
    path = human_file(annotations, "tagging")
    reviews = read_reviews(path)
    if not reviews:
        return []
    rows = []
    for sentence in load_sentences(sentence_files(sentences_dir, manifest)):
        review = reviews.get(sentence.sent_id)
        if sentence.lang != "de" or review is None or review.stale or review.text_sha1 != review_sha1(sentence.text):
            continue
        try:
            rows.append(from_spans(sentence, review.entities))
        except StageError as error:
            raise StageError(f"{review_locations(path)[review.key]}: {error}") from None  # the row to fix
    return rows


def evaluate(model_dir: Path, held_out: list[TaggedSentence], settings: TrainNerSettings) -> dict[str, Any] | None:
    """The model in ``model_dir`` (either learner) scored on the held-out sentences; None without one."""
    predicted = learners.predict(model_dir, [s.tokens for s in held_out], settings)
    return None if predicted is None else score([s.tags for s in held_out], predicted)


def train_split(settings: TrainNerSettings) -> list[TaggedSentence]:
    """GermEval's train split (all training data), or nothing when not configured or absent."""
    path = settings.germeval_train
    if path is None:
        return []
    if not path.exists():
        warn(f"train-ner: GermEval's train split not found ({path}): training on the test file's part only")
        return []
    return read_germeval_bioes(path)


def run(
    sentences_dir: Path,
    annotations: Path,
    out: Path,
    metrics: Path,
    settings: TrainNerSettings,
    *,
    manifest: Path | None = None,
) -> dict[str, Any]:
    """Train when data, settings or code changed; score the model on the held-out part, and
    ``before`` it the same learner trained without the human corrections."""
    human = human_sentences(sentences_dir, manifest, annotations)  # a bad row fails even when skipped
    if not settings.enabled or settings.germeval is None or not settings.germeval.exists():
        reason = "disabled in params" if not settings.enabled else f"training data not found: {settings.germeval}"
        kept = "its model" if ner_model.trained_model(out) else "no trained model"
        warn(f"train-ner: skipped ({reason}); the tag stage keeps {kept}")
        summary = {"status": "skipped", "reason": reason, "human_sentences": len(human)}
        if not (out / ner_model.CARD).exists():
            write_json(out / ner_model.CARD, summary)  # DVC's output exists; no model file: not used
        write_json(metrics, summary)
        return summary
    parts = split(read_germeval(settings.germeval), settings.held_out_every, settings.dev_every)
    corrected = {s.tokens for s in human}
    held_out = [s for s in parts.held_out if s.tokens not in corrected]
    train_part = train_split(settings)
    germeval_train = (parts.train + train_part)[: settings.max_train_sentences or None]
    train = germeval_train + human * settings.human_repeats
    recorded = settings.model_dump(mode="json", exclude={"germeval", "germeval_train", "work_dir"})  # not where
    learner = learners.LEARNERS[settings.learner]
    engine = learner.engine_version()

    def key_of(sentences: list[TaggedSentence]) -> str:
        code = code_fingerprint_within(TRAINING_CODE, MODEL_CODE)
        return content_key(data_key(sentences, parts.dev), recorded, code, engine)

    key, previous = key_of(train), ner_model.read_card(out)
    if previous is not None and previous.key == key and ner_model.trained_model(out):
        # same data, settings and code: the same held-out part, so its scores stand
        status, training_log, after = "up to date", previous.training_log, previous.held_out["scores"]
    else:
        status = "trained"
        training_log = _train(settings, train, parts.dev, out, settings.work_dir / "model")
        after = evaluate(out, held_out, settings)
    # before: the same learner on GermEval alone, so `dvc metrics diff` shows what the corrections did
    baseline_key = content_key(key_of(germeval_train), data_key(held_out))
    baseline = {"key": baseline_key, "scores": after} if not human else (previous.baseline if previous else {})
    if baseline.get("key") != baseline_key:
        folder = settings.work_dir / "baseline"
        _train(settings, germeval_train, parts.dev, folder / "model", folder / "work")
        baseline = {"key": baseline_key, "scores": evaluate(folder / "model", held_out, settings)}
    before = baseline["scores"]
    model = out / ner_model.LEARNER_FILES[settings.learner][0]
    card = ner_model.ModelCard(
        key=key,
        learner=settings.learner,
        model=model.name,
        sha256=file_sha256(model),
        files={n: file_sha256(out / n) for n in ner_model.LEARNER_FILES[settings.learner] if (out / n).exists()},
        engine=engine,
        trainer=learner.trainer(settings),
        word_vectors=learner.vectors(settings),
        labels=["PER", "LOC", "ORG", "OTH"],
        training_data=[
            ner_model.TrainingData(
                **GERMEVAL,
                file=settings.germeval.name,
                sha256=file_sha256(settings.germeval),
                sentences=min(len(parts.train), len(germeval_train)),
                dev_sentences=len(parts.dev),
            ),
            *(
                [
                    ner_model.TrainingData(
                        **{**GERMEVAL, "name": "GermEval 2014 NER, train split (BIOES conversion)"},
                        file=settings.germeval_train.name,
                        sha256=file_sha256(settings.germeval_train),
                        sentences=len(germeval_train) - len(parts.train),
                    )
                ]
                if len(germeval_train) > len(parts.train)
                else []
            ),
            ner_model.TrainingData(
                name="human entity corrections pulled from Label Studio",
                file="annotations/tagging.human.jsonl",
                sentences=len(human),
                repeats=settings.human_repeats,
            ),
        ],
        held_out={"sentences": len(held_out), "every": settings.held_out_every, "scores": after},
        training_log=training_log,
        baseline=baseline,
        settings=recorded,
    )
    ner_model.write_card(out, card)
    stacked = (out / "head.npz").exists()  # the CRF's stacked head, when it was trained
    head = f"; an MLP head over the states ({settings.head_epochs} epochs), probabilities stacked" if stacked else ""
    summary = {  # a function of the inputs only: a fresh clone writes the same file
        "learner": settings.learner,
        "held_out_sentences": len(held_out),
        "held_out_excluded_as_corrected": len(parts.held_out) - len(held_out),
        "human_sentences": len(human),
        "train_sentences": len(train),
        "before": _headline(before),
        "after": _headline(after),
        "after_per_type": (after or {}).get("per_type", {}),
        # what the dataset card names: the training data, their licences, the model's learner
        "training_data": [
            {"name": d.name, "sentences": d.sentences, "licence": d.licence or "the annotators' own work"}
            for d in card.training_data
        ],
        "model": f"{card.learner}: {card.trainer}" + (f"; {card.word_vectors}" if card.word_vectors else "") + head,
    }
    write_json(metrics, summary)
    return {"status": status, **summary}


def _headline(scores: dict[str, Any] | None) -> dict[str, float] | None:
    if scores is None:
        return None
    return {
        "precision": scores["precision"],
        "recall": scores["recall"],
        "f1": scores["f1"],
        "untyped_f1": scores["untyped"]["f1"],
    }


def _train(
    settings: TrainNerSettings, train: list[TaggedSentence], dev: list[TaggedSentence], out: Path, work: Path
) -> list:
    return learners.train_into(
        settings, [(s.tokens, s.tags) for s in train], [(s.tokens, s.tags) for s in dev], out, work
    )


def command(params: Path = typer.Option(PARAMS_FILE, help="parameters file")) -> None:
    """Train the German NER model (CRF or stanza) on GermEval 2014 plus the pulled human corrections,
    into the folder the tag stage reads (``tag.trained_ner``: one setting for both stages)."""
    settings = load_settings(params)
    if settings.tag.trained_ner is None:
        raise StageError(
            f"{params}: tag.trained_ner is null; train-ner writes its model there "
            "(to train none, set train_ner.enabled: false)"
        )
    figures = run(SENTENCES, ANNOTATIONS, settings.tag.trained_ner, NER_METRICS, settings.train_ner, manifest=MANIFEST)
    typer.echo(json.dumps(figures))


if __name__ == "__main__":
    run_command(command)
