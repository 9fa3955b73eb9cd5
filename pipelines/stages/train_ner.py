"""Train-ner stage: a German NER model from GermEval 2014 plus the annotators' corrections.

The learner is ``train_ner.learner``: a CRF (``engines/crf_ner.py``, about a minute) or
stanza's own trainer (``engines/stanza_ner.py``, 15-80 minutes). Writes the model folder
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
import shutil
from pathlib import Path
from typing import Any

import typer

from pipelines.core.corpus import load_sentences, sentence_files
from pipelines.core.errors import StageError, warn
from pipelines.core.hashing import content_key, file_sha256
from pipelines.core.io import write_json
from pipelines.core.layout import ANNOTATIONS, MANIFEST, NER_METRICS, SENTENCES, human_file
from pipelines.core.progress import Progress
from pipelines.core.reviews import read_reviews, review_locations, review_sha1
from pipelines.core.settings import PARAMS_FILE, TrainNerSettings, load_settings
from pipelines.engines.ner import crf_ner, ner_model, stanza_ner
from pipelines.engines.ner.stanza_variants import german_tags
from pipelines.engines.vectors import word_vectors
from pipelines.run.contract import StageContract
from pipelines.run.fingerprint import code_fingerprint
from pipelines.run.runner import run_command
from pipelines.training.scoring import score
from pipelines.training.tagged import (
    TaggedSentence,
    data_key,
    from_spans,
    read_germeval,
    read_germeval_bioes,
    split,
    write_stanza_json,
)

CONTRACT = StageContract(
    "train-ner", outs=("${tag.trained_ner}",), metrics=(NER_METRICS,), params=("train_ner", "tag.trained_ner")
)

# what decides the trained weights (not this stage's reporting, nor the reviews reader)
TRAINING_CODE = (
    "pipelines.training.tagged",
    "pipelines.engines.ner.crf_ner",
    "pipelines.engines.ner.stanza_ner",
    "pipelines.engines.vectors.word_vectors",
    "pipelines.engines.vectors.word_clusters",
    "pipelines.engines.vectors.token_vectors",
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
    trained = ner_model.trained_model(model_dir)
    if trained is None:
        return None
    learner, model = trained
    tokens = [s.tokens for s in held_out]
    if learner == "crf":
        states = crf_ner.contextual_states(states_cache(settings))
        tagger = crf_ner.CrfTagger(model_dir, crf_ner.use_encoder(word_cache(settings)), states)
        predicted = tagger.tag([crf_ner.Example(t, p) for t, p in zip(tokens, german_tags(tokens), strict=True)])
    else:
        predicted = stanza_ner.predict(stanza_ner.load(model, settings.work_dir / "stanza"), tokens, model)
    return score([s.tags for s in held_out], predicted)


def word_cache(settings: TrainNerSettings) -> Path:
    return settings.work_dir / "word-vectors.sqlite"


def states_cache(settings: TrainNerSettings) -> Path:
    return settings.work_dir / "word-states.sqlite"


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
    engine = crf_ner.engine_version() if settings.learner == "crf" else stanza_ner.engine_version()

    def key_of(sentences: list[TaggedSentence]) -> str:
        code = [code_fingerprint(m) for m in TRAINING_CODE]
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
        trainer=f"CRFsuite {settings.crf_algorithm}" if settings.learner == "crf" else "stanza.models.ner_tagger",
        word_vectors=vectors_description(settings),
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
    summary = {  # a function of the inputs only: a fresh clone writes the same file
        "learner": settings.learner,
        "held_out_sentences": len(held_out),
        "held_out_excluded_as_corrected": len(parts.held_out) - len(held_out),
        "human_sentences": len(human),
        "train_sentences": len(train),
        "before": _headline(before),
        "after": _headline(after),
        "after_per_type": (after or {}).get("per_type", {}),
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
    """Train the configured learner in ``work``, then move the model into ``out``, which then
    holds only that learner's files (the old model stays if training fails)."""
    shutil.rmtree(work, ignore_errors=True)
    log = (_train_crf if settings.learner == "crf" else _train_stanza)(settings, train, dev, out, work)
    ner_model.remove_other_learners(out, settings.learner)
    return log


def _train_crf(
    settings: TrainNerSettings, train: list[TaggedSentence], dev: list[TaggedSentence], out: Path, built: Path
) -> list:
    tags = german_tags([s.tokens for s in train + dev])
    examples = [crf_ner.Example(s.tokens, pos, s.tags) for s, pos in zip(train + dev, tags, strict=True)]
    options = crf_ner.CrfOptions(
        algorithm=settings.crf_algorithm,
        max_iterations=settings.crf_iterations,
        c1=settings.crf_c1,
        c2=settings.crf_c2,
        cluster_sizes=tuple(settings.cluster_sizes) if settings.word_vectors != "none" else (),
        vector_dims=settings.cluster_dims if settings.word_vectors != "none" else 0,
        gazetteer_folds=settings.gazetteer_folds,
        seed=settings.seed,
        context_sizes=tuple(settings.context_sizes) if settings.context_vectors != "none" else (),
        context_dims=settings.context_dims if settings.context_vectors != "none" else 0,
    )
    if settings.context_vectors != "none":
        with Progress(len(examples), "train-ner contextual word states (e5-small)", "sentence") as bar:
            states = crf_ner.contextual_states(states_cache(settings))
            examples = crf_ner.with_states(examples, lambda words: states(words, bar.update))
    encode = crf_ner.use_encoder(word_cache(settings))
    log = crf_ner.train(examples[: len(train)], examples[len(train) :], vocabulary(settings), built, options, encode)
    _move_into(built, out, ner_model.LEARNER_FILES["crf"])
    return log


def _train_stanza(
    settings: TrainNerSettings, train: list[TaggedSentence], dev: list[TaggedSentence], out: Path, work: Path
) -> list:
    built = work / "model"
    write_stanza_json(train, work / "train.json")
    write_stanza_json(dev, work / "dev.json")
    vectors = _vectors(settings, train + dev, built / stanza_ner.PRETRAIN)
    options = {
        **({"wordvec_pretrain_file": vectors, "no_lowercase": True} if vectors else {"no_pretrain": True}),
        "no_emb_finetune": not settings.finetune_vectors,
        "max_steps": settings.max_steps,
        "max_steps_no_improve": settings.max_steps_no_improve,
        "eval_interval": min(settings.eval_interval, settings.max_steps),
        "log_step": max(1, min(25, settings.max_steps)),
        "batch_size": settings.batch_size,
        "optim": settings.optim,
        "lr": settings.lr,
        "seed": settings.seed,
    }
    dev_scores = stanza_ner.train(work / "train.json", work / "dev.json", built / stanza_ner.MODEL, options)
    _move_into(built, out, ner_model.LEARNER_FILES["stanza"])
    return [{"step": step, "dev_f1": f1} for step, f1 in dev_scores]


def _move_into(built: Path, out: Path, names: tuple[str, ...]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        if (built / name).exists():
            shutil.move(built / name, out / name)
        else:
            (out / name).unlink(missing_ok=True)


def vocabulary(settings: TrainNerSettings, sentences: list[TaggedSentence] = ()) -> list[str]:
    """The training words, then the gloss dictionary's ``vector_words`` most frequent German words."""
    words = dict.fromkeys(t for s in sentences for t in s.tokens)
    if settings.vector_words:
        from pipelines.engines.translate.gloss import load_gloss_table

        table, _ = load_gloss_table()
        words.update(dict.fromkeys(w for w, _ in zip(table.word2x, range(settings.vector_words), strict=False)))
    return [w for w in words if w and not any(c.isspace() for c in w)]


def vectors_description(settings: TrainNerSettings) -> str | None:
    if settings.word_vectors == "none":
        return None
    use = "k-means word classes " + "/".join(map(str, settings.cluster_sizes)) + f" + {settings.cluster_dims} PCA dims"
    shape = use if settings.learner == "crf" else f"PCA to {settings.vector_dims} dims"
    extra = f" + the {settings.vector_words:,} most frequent German words of the word2word de-en dictionary"
    words = "training words" + (extra if settings.vector_words else "")
    return f"{word_vectors.encoder_name()} of single words ({words}), {shape}"


def _vectors(settings: TrainNerSettings, sentences: list[TaggedSentence], pretrain: Path) -> Path | None:
    """Build the pretrain file beside the model (reused while its words and settings are the same)."""
    if settings.word_vectors == "none":
        return None
    words = vocabulary(settings, sentences)
    key = content_key(words, settings.vector_dims, word_vectors.encoder_name())
    cached = settings.work_dir / f"pretrain-{key[:16]}.pt"
    if not word_vectors.projection_file(cached).exists():
        word_vectors.build(words, cached, settings.vector_dims, threads=2)
    pretrain.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(cached, pretrain)
    shutil.copyfile(word_vectors.projection_file(cached), word_vectors.projection_file(pretrain))
    return pretrain


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
