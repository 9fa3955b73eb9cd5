"""The German NER learners in one registry (:data:`LEARNERS`), as stanza registers processors.

Each learner trains a model folder from token-tagged sentences, tags with it, and says how
rows and cards describe it. ``train_ner.learner`` picks one; adding a learner is its class
here plus its files in ``ner_model.LEARNER_FILES``.
- ``crf``: CRFsuite over word, dictionary, gazetteer, word-class and contextual features
  (:mod:`pipelines.engines.ner.crf_ner`); the default.
- ``stanza``: stanza's own BiLSTM-CRF trainer (:mod:`pipelines.engines.ner.stanza_ner`).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from pipelines.core.hashing import content_key
from pipelines.core.progress import Progress
from pipelines.core.settings import TrainNerSettings
from pipelines.engines.ner import crf_ner, ner_model, stanza_ner
from pipelines.engines.ner.stanza_variants import german_tags
from pipelines.engines.vectors import word_vectors

Tagged = tuple[tuple[str, ...], tuple[str, ...]]  # (tokens, BIO tags)


class Learner(Protocol):
    name: str

    def train(self, settings: TrainNerSettings, train: Sequence[Tagged], dev: Sequence[Tagged], built: Path) -> list:
        """Write the model files into ``built``; returns the training log."""

    def predict(self, folder: Path, sentences: list[tuple[str, ...]], settings: TrainNerSettings) -> list[list[str]]:
        """BIO tags per token of each sentence, with the model in ``folder``."""

    def engine_version(self) -> str: ...

    def trainer(self, settings: TrainNerSettings) -> str: ...

    def vectors(self, settings: TrainNerSettings) -> str | None:
        """What pretrained vectors the model reads, for its card."""


def word_cache(settings: TrainNerSettings) -> Path:
    return settings.work_dir / "word-vectors.sqlite"


def states_cache(settings: TrainNerSettings) -> Path:
    return settings.work_dir / "word-states.sqlite"


def vocabulary(settings: TrainNerSettings, sentences: Sequence[Tagged] = ()) -> list[str]:
    """The training words, then the gloss dictionary's ``vector_words`` most frequent German words."""
    words = dict.fromkeys(t for tokens, _ in sentences for t in tokens)
    if settings.vector_words:
        from pipelines.engines.translate.gloss import load_gloss_table

        table, _ = load_gloss_table()
        words.update(dict.fromkeys(w for w, _ in zip(table.word2x, range(settings.vector_words), strict=False)))
    return [w for w in words if w and not any(c.isspace() for c in w)]


def _single_words(settings: TrainNerSettings, shape: str) -> str:
    extra = f" + the {settings.vector_words:,} most frequent German words of the word2word de-en dictionary"
    words = "training words" + (extra if settings.vector_words else "")
    return f"{word_vectors.encoder_name()} of single words ({words}), {shape}"


class CrfLearner:
    name = "crf"

    def options(self, settings: TrainNerSettings) -> crf_ner.CrfOptions:
        words, context = settings.word_vectors != "none", settings.context_vectors != "none"
        return crf_ner.CrfOptions(
            algorithm=settings.crf_algorithm,
            max_iterations=settings.crf_iterations,
            c1=settings.crf_c1,
            c2=settings.crf_c2,
            cluster_sizes=tuple(settings.cluster_sizes) if words else (),
            vector_dims=settings.cluster_dims if words else 0,
            gazetteer_folds=settings.gazetteer_folds,
            seed=settings.seed,
            context_sizes=tuple(settings.context_sizes) if context else (),
            context_dims=settings.context_dims if context else 0,
            head_epochs=settings.head_epochs if context else 0,
            head_folds=settings.head_folds,
        )

    def train(self, settings: TrainNerSettings, train: Sequence[Tagged], dev: Sequence[Tagged], built: Path) -> list:
        sentences = [*train, *dev]
        tags = german_tags([tokens for tokens, _ in sentences], settings.work_dir / "hanta-tags.sqlite")
        examples = [crf_ner.Example(t, pos, g) for (t, g), pos in zip(sentences, tags, strict=True)]
        if settings.context_vectors != "none":
            with Progress(len(examples), "train-ner contextual word states (e5-small)", "sentence") as bar:
                states = crf_ner.contextual_states(states_cache(settings))
                examples = crf_ner.with_states(examples, lambda words: states(words, bar.update))
        encode = crf_ner.use_encoder(word_cache(settings))
        options = self.options(settings)
        return crf_ner.train(
            examples[: len(train)], examples[len(train) :], vocabulary(settings), built, options, encode
        )

    def predict(self, folder: Path, sentences: list[tuple[str, ...]], settings: TrainNerSettings) -> list[list[str]]:
        states = crf_ner.contextual_states(states_cache(settings))
        tagger = crf_ner.CrfTagger(folder, crf_ner.use_encoder(word_cache(settings)), states)
        tags = german_tags(sentences, settings.work_dir / "hanta-tags.sqlite")
        return tagger.tag([crf_ner.Example(t, p) for t, p in zip(sentences, tags, strict=True)])

    def engine_version(self) -> str:
        return crf_ner.engine_version()

    def trainer(self, settings: TrainNerSettings) -> str:
        return f"CRFsuite {settings.crf_algorithm}"

    def vectors(self, settings: TrainNerSettings) -> str | None:
        parts = []
        if settings.word_vectors != "none":
            sizes = "/".join(map(str, settings.cluster_sizes))
            parts.append(_single_words(settings, f"k-means word classes {sizes} + {settings.cluster_dims} PCA dims"))
        if settings.context_vectors != "none":
            from pipelines.engines.vectors.token_vectors import NAME

            sizes = "/".join(map(str, settings.context_sizes))
            parts.append(f"{NAME}: k-means classes {sizes} + {settings.context_dims} PCA dims")
        return "; ".join(parts) or None


class StanzaLearner:
    name = "stanza"

    def train(self, settings: TrainNerSettings, train: Sequence[Tagged], dev: Sequence[Tagged], built: Path) -> list:
        work = built.parent
        for name, part in (("train.json", train), ("dev.json", dev)):
            rows = [[{"text": t, "ner": g} for t, g in zip(tokens, tags, strict=True)] for tokens, tags in part]
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            (work / name).write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        vectors = self._pretrain(settings, [*train, *dev], built / stanza_ner.PRETRAIN)
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
        return [{"step": step, "dev_f1": f1} for step, f1 in dev_scores]

    def predict(self, folder: Path, sentences: list[tuple[str, ...]], settings: TrainNerSettings) -> list[list[str]]:
        model = folder / stanza_ner.MODEL
        return stanza_ner.predict(stanza_ner.load(model, settings.work_dir / "stanza"), sentences, model)

    def engine_version(self) -> str:
        return stanza_ner.engine_version()

    def trainer(self, settings: TrainNerSettings) -> str:
        return "stanza.models.ner_tagger"

    def vectors(self, settings: TrainNerSettings) -> str | None:
        if settings.word_vectors == "none":
            return None
        return _single_words(settings, f"PCA to {settings.vector_dims} dims")

    def _pretrain(self, settings: TrainNerSettings, sentences: Sequence[Tagged], pretrain: Path) -> Path | None:
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


LEARNERS: dict[str, Learner] = {"crf": CrfLearner(), "stanza": StanzaLearner()}


def train_into(
    settings: TrainNerSettings, train: Sequence[Tagged], dev: Sequence[Tagged], out: Path, work: Path
) -> list:
    """Train the configured learner in ``work``, then move the model into ``out``, which then
    holds only that learner's files (the old model stays if training fails)."""
    shutil.rmtree(work, ignore_errors=True)
    built = work / "model"
    built.mkdir(parents=True, exist_ok=True)
    log = LEARNERS[settings.learner].train(settings, train, dev, built)
    out.mkdir(parents=True, exist_ok=True)
    for name in ner_model.LEARNER_FILES[settings.learner]:
        if (built / name).exists():
            shutil.move(built / name, out / name)
        else:
            (out / name).unlink(missing_ok=True)
    ner_model.remove_other_learners(out, settings.learner)
    return log


def predict(folder: Path, sentences: list[tuple[str, ...]], settings: TrainNerSettings) -> list[list[str]] | None:
    """The model in ``folder`` (whichever learner made it) on the sentences; None without one."""
    trained = ner_model.trained_model(folder)
    if trained is None:
        return None
    return LEARNERS[trained[0]].predict(folder, sentences, settings)
