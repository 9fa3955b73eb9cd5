"""Train-ner stage: a German stanza NER model from GermEval 2014 plus the annotators' corrections.

Writes ``corpus/models/ner-de/model.pt`` (loaded by the tag stage as stanza's ``ner``
processor), ``model.json`` (what it was trained on, its sha256 and licence) and
``corpus/metrics/ner.json``: the previous and the new model scored on a fixed held-out part
of GermEval, so `dvc metrics diff` shows whether corrections improve the pre-annotations.
Corrected sentences are training data only: any held-out sentence equal to one is not scored.
The stage retrains only when its training data, settings or code changed (``data_key``).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import typer

from pipelines.core.corpus import load_sentences, sentence_files
from pipelines.core.errors import warn
from pipelines.core.fingerprint import code_fingerprint
from pipelines.core.hashing import content_key, file_sha256
from pipelines.core.io import write_json
from pipelines.core.layout import ANNOTATIONS, MANIFEST, NER_METRICS, NER_MODEL, SENTENCES
from pipelines.core.records import Sentence
from pipelines.core.runner import run_command
from pipelines.core.settings import PARAMS_FILE, TrainNerSettings, load_settings
from pipelines.engines import stanza_ner, word_vectors
from pipelines.labelstudio.results import corrected_entities
from pipelines.training.scoring import score
from pipelines.training.tagged import TaggedSentence, data_key, from_spans, read_germeval, split, write_stanza_json

# what decides the trained weights (not this stage's reporting, nor the Label Studio reader)
TRAINING_CODE = ("pipelines.training.tagged", "pipelines.engines.stanza_ner", "pipelines.engines.word_vectors")
GERMEVAL = {
    "name": "GermEval 2014 NER (names only: outer layer, deriv/part dropped)",
    "licence": "CC BY 4.0",
    "attribution": "Benikova, Biemann, Reznicek: NoSta-D Named Entity Annotation for German, LREC 2014",
}


def human_sentences(sentences_dir: Path, manifest: Path | None, annotations: Path) -> list[TaggedSentence]:
    """German sentences an annotator corrected (still matching the corpus text), as training rows."""

    def german() -> list[Sentence]:
        return [s for s in load_sentences(sentence_files(sentences_dir, manifest)) if s.lang == "de"]

    return [from_spans(sentence, spans) for sentence, spans in corrected_entities(annotations, german)]


def evaluate(model_dir: Path, held_out: list[TaggedSentence], cache_dir: Path) -> dict[str, Any] | None:
    model = model_dir / stanza_ner.MODEL
    if not model.exists():
        return None
    nlp = stanza_ner.load(model, cache_dir)
    predicted = stanza_ner.predict(nlp, [s.tokens for s in held_out], model)
    return score([s.tags for s in held_out], predicted)


def run(
    settings: TrainNerSettings,
    out: Path = NER_MODEL,
    metrics: Path = NER_METRICS,
    sentences_dir: Path = SENTENCES,
    manifest: Path | None = MANIFEST,
    annotations: Path = ANNOTATIONS,
    progress: bool | None = None,
) -> dict[str, Any]:
    human = human_sentences(sentences_dir, manifest, annotations)  # a bad row fails even when skipped
    if not settings.enabled or settings.germeval is None or not settings.germeval.exists():
        reason = "disabled in params" if not settings.enabled else f"training data not found: {settings.germeval}"
        kept = f"the model in {out}" if (out / stanza_ner.MODEL).exists() else "its path without a trained model"
        warn(f"train-ner: skipped ({reason}); the tag stage keeps {kept}")
        summary = {"status": "skipped", "reason": reason, "human_sentences": len(human)}
        if not (out / stanza_ner.CARD).exists():
            write_json(out / stanza_ner.CARD, summary)  # DVC's output exists; no model file: not used
        write_json(metrics, summary)
        return summary
    parts = split(read_germeval(settings.germeval), settings.held_out_every, settings.dev_every)
    corrected = {s.tokens for s in human}
    held_out = [s for s in parts.held_out if s.tokens not in corrected]
    germeval_train = parts.train[: settings.max_train_sentences or None]
    train = germeval_train + human * settings.human_repeats
    recorded = settings.model_dump(mode="json", exclude={"germeval", "work_dir"})  # not where things are
    key = content_key(
        data_key(train, parts.dev),
        recorded,
        [code_fingerprint(m) for m in TRAINING_CODE],
        stanza_ner.engine_version(),
    )
    cache = settings.work_dir / "stanza"
    previous = stanza_ner.read_card(out)
    if previous.get("key") == key and (out / stanza_ner.MODEL).exists():
        # same data, settings and code: the same held-out part, so its scores stand
        status, dev_scores = "up to date", previous.get("dev_scores", [])
        before = after = previous["held_out"]["scores"]
    else:
        status = "trained"
        before = evaluate(out, held_out, cache)  # the previous model on today's held-out part
        dev_scores = _train(settings, train, parts.dev, out, progress)
        after = evaluate(out, held_out, cache)
    card = {
        "key": key,
        "model": stanza_ner.MODEL,
        "sha256": file_sha256(out / stanza_ner.MODEL),
        "word_vectors_sha256": file_sha256(out / stanza_ner.PRETRAIN) if (out / stanza_ner.PRETRAIN).exists() else None,
        "engine": stanza_ner.engine_version(),
        "trainer": "stanza.models.ner_tagger",
        "word_vectors": vectors_description(settings),
        "labels": ["PER", "LOC", "ORG", "OTH"],
        "training_data": [
            {
                **GERMEVAL,
                "file": settings.germeval.name,
                "sha256": file_sha256(settings.germeval),
                "sentences": len(germeval_train),
                "dev_sentences": len(parts.dev),
            },
            {
                "name": "human entity corrections pulled from Label Studio",
                "file": "annotations/tagging.human.jsonl",
                "sentences": len(human),
                "repeats": settings.human_repeats,
            },
        ],
        "held_out": {"sentences": len(held_out), "every": settings.held_out_every, "scores": after},
        "dev_scores": dev_scores,
        "settings": recorded,
    }
    write_json(out / stanza_ner.CARD, card)
    summary = {
        "status": status,
        "held_out_sentences": len(held_out),
        "held_out_excluded_as_corrected": len(parts.held_out) - len(held_out),
        "human_sentences": len(human),
        "train_sentences": len(train),
        "before": _headline(before),
        "after": _headline(after),
        "after_per_type": (after or {}).get("per_type", {}),
    }
    write_json(metrics, summary)
    return summary


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
    settings: TrainNerSettings, train: list[TaggedSentence], dev: list[TaggedSentence], out: Path, progress: bool | None
) -> list[tuple[int, float]]:
    """Train in the work folder; the model replaces the old one only once training succeeded."""
    work = settings.work_dir
    built = work / "model"
    shutil.rmtree(built, ignore_errors=True)
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
    show = sys.stderr.isatty() if progress is None else progress
    dev_scores = stanza_ner.train(work / "train.json", work / "dev.json", built / stanza_ner.MODEL, options, show)
    out.mkdir(parents=True, exist_ok=True)
    for name in (stanza_ner.MODEL, stanza_ner.PRETRAIN, word_vectors.projection_file(Path(stanza_ner.PRETRAIN)).name):
        if (built / name).exists():
            shutil.move(built / name, out / name)
        else:
            (out / name).unlink(missing_ok=True)
    return dev_scores


def vocabulary(settings: TrainNerSettings, sentences: list[TaggedSentence]) -> list[str]:
    """The training words, then the gloss dictionary's most frequent German words (no held-out words)."""
    from pipelines.engines.gloss import load_gloss_table

    table, _ = load_gloss_table()
    frequent = [w for w, _ in zip(table.word2x, range(settings.vector_words), strict=False)]
    words = dict.fromkeys(t for s in sentences for t in s.tokens)
    words.update(dict.fromkeys(frequent))
    return [w for w in words if w and not any(c.isspace() for c in w)]


def vectors_description(settings: TrainNerSettings) -> str | None:
    if settings.word_vectors == "none":
        return None
    return (
        f"{word_vectors.encoder_name()} of single words (training words + the {settings.vector_words:,} most "
        f"frequent German words of the word2word de-en dictionary), PCA to {settings.vector_dims} dims"
    )


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
    """Train the German NER model (stanza) on GermEval 2014 plus the pulled human corrections."""
    typer.echo(json.dumps(run(load_settings(params).train_ner)))


if __name__ == "__main__":
    run_command(command)
