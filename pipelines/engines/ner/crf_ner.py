"""German NER that trains in a minute: a linear-chain CRF (CRFsuite) over rich word features.

stanza's BiLSTM trainer needed 15-80 minutes on this project's machines for an F1 the CRF
matches in under a minute (benchmarks/README.md). Features per token, for the token and its
neighbours: the word, its shape and affixes, HanTa's STTS tag (the tag stage's German POS,
so training and tagging see the same tags), whether the gloss dictionary knows the word and
whether its English translations are capitalised (Deutschland -> Germany: a name), word
classes from USE-multilingual vectors (:mod:`pipelines.engines.vectors.word_clusters`), and a
gazetteer of the names in the training data. The gazetteer is built in folds for training
(a sentence never sees its own names), else the CRF would learn to trust it blindly.

Contextual classes: multilingual-e5-small's final-layer state of each word in its sentence
(:mod:`pipelines.engines.vectors.token_vectors`) described the same way (k-means classes and a few PCA
dimensions), so "Paris" the person and "Paris" the city get different features.

A model folder holds ``model.crfsuite``, ``clusters.npz``, ``gazetteer.json`` and, with
contextual features, ``context.npz``; the tag stage loads it as stanza's ``ner`` processor
(the ``crf`` variant in ``stanza_variants``).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import numpy as np

from pipelines.core.bio import repair, spans
from pipelines.core.hashing import package_version
from pipelines.core.progress import Progress
from pipelines.engines.vectors.word_clusters import Encode, WordClusters, WordTable

MODEL = "model.crfsuite"
CLUSTERS = "clusters.npz"
GAZETTEER = "gazetteer.json"
CONTEXT = "context.npz"
HEAD = "head.npz"
MAX_NAME_TOKENS = 6
CONTEXT_SAMPLE = 200_000  # token states the contextual PCA and k-means are fitted on


@dataclass(frozen=True)
class CrfOptions:
    algorithm: str  # CRFsuite's: ap (averaged perceptron), lbfgs, l2sgd, ...
    max_iterations: int
    c1: float  # L1 and L2 regularisation (lbfgs)
    c2: float
    cluster_sizes: tuple[int, ...]  # k-means granularities over the word vectors
    vector_dims: int  # dense PCA features per word
    gazetteer_folds: int
    seed: int
    context_sizes: tuple[int, ...] = ()  # k-means granularities over the contextual word states
    context_dims: int = 0  # dense PCA features of the contextual state
    head_epochs: int = 0  # >0: stack an MLP head over the states (token_head), its label probabilities as features
    head_folds: int = 2


@dataclass(frozen=True)
class Example:
    tokens: tuple[str, ...]
    pos: tuple[str, ...]  # HanTa STTS tags
    tags: tuple[str, ...] = ()  # BIO, for training
    states: np.ndarray | None = field(default=None, compare=False, repr=False)  # words x 384, contextual
    head: np.ndarray | None = field(default=None, compare=False, repr=False)  # words x labels, token_head


@cache
def _dictionary() -> tuple[frozenset[str], dict[str, str]]:
    """The gloss dictionary's German words, and per word whether its top translations are capitalised."""
    from pipelines.engines.translate.gloss import load_gloss_table

    table, _ = load_gloss_table()
    return frozenset(table.word2x), _CapitalisedTranslations(table)


class _CapitalisedTranslations(dict):
    def __init__(self, table: object) -> None:
        super().__init__()
        self.table = table

    def __missing__(self, word: str) -> str:
        found = self.table.candidates(word)[:3]
        upper = sum(1 for c in found if c[:1].isupper())
        value = "none" if not found else "all" if upper == len(found) else "some" if upper else "no"
        self[word] = value
        return value


def shape(word: str) -> str:
    word = re.sub(r"[A-ZÄÖÜ]", "X", word)
    word = re.sub(r"[a-zäöüß]", "x", word)
    word = re.sub(r"[0-9]", "d", word)
    return re.sub(r"(.)\1+", r"\1\1", word)


class Gazetteer:
    """Token sequences seen as names, with their most frequent type; longest match first."""

    def __init__(self, names: dict[tuple[str, ...], str]) -> None:
        self.names = names

    @classmethod
    def from_examples(cls, examples: Sequence[Example]) -> Gazetteer:
        counts: dict[tuple[str, ...], Counter] = defaultdict(Counter)
        for example in examples:
            for start, end, kind in spans(example.tags):
                if end - start <= MAX_NAME_TOKENS:
                    counts[example.tokens[start:end]][kind] += 1
        return cls({name: min(c, key=lambda k: (-c[k], k)) for name, c in sorted(counts.items())})

    def match(self, tokens: Sequence[str]) -> list[str | None]:
        found: list[str | None] = [None] * len(tokens)
        k = 0
        while k < len(tokens):
            for n in range(min(MAX_NAME_TOKENS, len(tokens) - k), 0, -1):
                kind = self.names.get(tuple(tokens[k : k + n]))
                if kind:
                    found[k : k + n] = [f"B-{kind}"] + [f"I-{kind}"] * (n - 1)
                    k += n
                    break
            else:
                k += 1
        return found

    def save(self, path: Path) -> None:
        rows = [{"tokens": list(name), "type": kind} for name, kind in self.names.items()]
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=0), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Gazetteer:
        return cls({tuple(r["tokens"]): r["type"] for r in json.loads(path.read_text(encoding="utf-8"))})


class ContextClasses:
    """The contextual states' classes and dense features (WordClusters fitted on token states)."""

    def __init__(self, clusters: WordClusters) -> None:
        self.clusters = clusters

    @classmethod
    def fit(cls, examples: Sequence[Example], options: CrfOptions) -> ContextClasses:
        states = np.concatenate([e.states for e in examples if e.states is not None and len(e.tokens)])
        rng = np.random.default_rng(options.seed)
        if len(states) > CONTEXT_SAMPLE:
            states = states[np.sort(rng.choice(len(states), CONTEXT_SAMPLE, replace=False))]
        return cls(WordClusters.fit(states, options.context_sizes, options.context_dims, options.seed))

    def describe(self, example: Example) -> tuple[np.ndarray | None, np.ndarray]:
        return self.clusters.describe(example.states)


def _head_features(rows: list[dict[str, float]], probabilities: np.ndarray) -> None:
    from pipelines.engines.ner.token_head import LABELS

    best = [LABELS[int(row.argmax())] for row in probabilities]
    for k, f in enumerate(rows):
        f.update({f"h={label}": float(p) for label, p in zip(LABELS, probabilities[k], strict=True) if p >= 0.05})
        f[f"hb={best[k]}"] = 1.0
        for d in (-1, 1):
            if 0 <= k + d < len(rows):
                f[f"{d}:hb={best[k + d]}"] = 1.0


def _context_features(rows: list[dict[str, float]], example: Example, context: ContextClasses) -> None:
    ids, dense = context.describe(example)
    for k, f in enumerate(rows):
        f.update({f"x{d}": float(value) for d, value in enumerate(dense[k])})
        if ids is None:
            continue
        f.update({f"xc{g}={c}": 1.0 for g, c in enumerate(ids[k])})
        for d in (-1, 1):
            if 0 <= k + d < len(rows):  # the neighbours' two coarsest classes
                f.update({f"{d}:xc{g}={c}": 1.0 for g, c in enumerate(ids[k + d][:2])})


def features(
    example: Example, words: WordTable, gazetteer: Gazetteer, context: ContextClasses | None = None
) -> list[dict[str, float]]:
    known, capitalised = _dictionary()
    tokens, lower = example.tokens, [t.lower() for t in example.tokens]
    names = gazetteer.match(tokens)
    n = len(tokens)

    def dictionary(k: int) -> str:
        return "exact" if tokens[k] in known else "lower" if lower[k] in known else "no"

    rows = []
    for k, word in enumerate(tokens):
        ids, dense = words[word]
        f = {"bias": 1.0, f"w={lower[k]}": 1.0, f"shape={shape(word)}": 1.0, f"p3={lower[k][:3]}": 1.0}
        f.update({f"s{m}={lower[k][-m:]}": 1.0 for m in (2, 3, 4)})
        f[f"dict={dictionary(k)}"] = 1.0
        f[f"en_caps={capitalised[word]}"] = 1.0
        f.update({f"v{d}": value for d, value in enumerate(dense)})
        f[f"bigram-1={lower[k - 1] if k else '<s>'}|{lower[k]}"] = 1.0
        f[f"bigram+1={lower[k]}|{lower[k + 1] if k + 1 < n else '</s>'}"] = 1.0
        f[f"pos-1|0={example.pos[k - 1] if k else '<s>'}|{example.pos[k]}"] = 1.0
        f[f"pos0|+1={example.pos[k]}|{example.pos[k + 1] if k + 1 < n else '</s>'}"] = 1.0
        if k == 0:
            f["first"] = 1.0
        for d in (-2, -1, 0, 1, 2):
            j = k + d
            if not 0 <= j < n:
                f[f"{d}:pad"] = 1.0
                continue
            f[f"{d}:pos={example.pos[j]}"] = 1.0
            if names[j] and abs(d) <= 1:
                f[f"{d}:gaz={names[j]}"] = 1.0
            if d == 0:
                continue
            f[f"{d}:w={lower[j]}"] = 1.0
            f[f"{d}:shape={shape(tokens[j])}"] = 1.0
            if abs(d) == 1:
                f[f"{d}:s3={lower[j][-3:]}"] = 1.0
                f[f"{d}:s4={lower[j][-4:]}"] = 1.0
                f[f"{d}:dict={dictionary(j)}"] = 1.0
                f[f"{d}:en_caps={capitalised[tokens[j]]}"] = 1.0
            f.update({f"{d}:c{g}={c}": 1.0 for g, c in enumerate(words[tokens[j]][0])})
        f.update({f"c{g}={c}": 1.0 for g, c in enumerate(ids)})
        rows.append(f)
    if context is not None and example.states is not None:
        _context_features(rows, example, context)
    if example.head is not None:
        _head_features(rows, example.head)
    return rows


def train(
    examples: Sequence[Example],
    dev: Sequence[Example],
    vocabulary: Sequence[str],
    folder: Path,
    options: CrfOptions,
    encode: Encode,
) -> list[dict[str, float]]:
    """Fit word classes on ``vocabulary`` and the training words, train the CRF and save the
    model folder; returns the log (loss and the dev sentences' token F1 per iteration)."""
    import pycrfsuite

    folder.mkdir(parents=True, exist_ok=True)
    words = list(dict.fromkeys([*vocabulary, *(t for e in examples for t in e.tokens)]))
    vectors = encode(words)
    clusters = WordClusters.fit(vectors, options.cluster_sizes, options.vector_dims, options.seed)
    clusters.save(folder / CLUSTERS)
    table = WordTable(clusters, encode)
    table.add(words, vectors)  # encoded once, above
    context = None
    if options.context_sizes or options.context_dims:
        context = ContextClasses.fit(examples, options)
        context.clusters.save(folder / CONTEXT)
    if options.head_epochs:
        examples, dev = _with_head(examples, dev, options, folder)
    folds = max(options.gazetteer_folds, 2)
    partial = [Gazetteer.from_examples([e for k, e in enumerate(examples) if k % folds != f]) for f in range(folds)]
    log: list[dict[str, float]] = []

    class Trainer(pycrfsuite.Trainer):
        """CRFsuite's log parsed by python-crfsuite: every iteration drives the progress, the rest is quiet."""

        def _quiet(self, *args: object) -> None:
            pass

        on_start = on_featgen_progress = on_featgen_end = on_prepared = _quiet
        on_prepare_error = on_optimization_end = on_end = _quiet

        def on_iteration(self, log_text: str, info: dict) -> None:
            loss, dev_f1 = info.get("loss"), info.get("avg_f1")
            log.append({"iteration": info["num"], "loss": loss, "dev_token_f1": dev_f1})
            shown = [f"loss {loss:.0f}" if loss is not None else "", f"dev token F1 {dev_f1:.3f}" if dev_f1 else ""]
            bar.desc = f"train-ner (CRF {options.algorithm}" + "".join(f", {x}" for x in shown if x) + ")"
            bar.update()

    trainer = Trainer(verbose=True)
    with Progress(len(examples), "train-ner features", "sentence") as bar:
        for k, example in enumerate(examples):
            trainer.append(features(example, table, partial[k % folds], context), list(example.tags))
            bar.update()
    gazetteer = Gazetteer.from_examples(examples)
    table.add([t for e in dev for t in e.tokens])
    for example in dev:  # CRFsuite's holdout group: scored after every iteration, never trained on
        trainer.append(features(example, table, gazetteer, context), list(example.tags), 1)
    trainer.select(options.algorithm)
    params = {"c1": options.c1, "c2": options.c2, "max_iterations": options.max_iterations}
    params = {k: v for k, v in params.items() if k in trainer.params()}
    trainer.set_params({**params, "feature.possible_transitions": True})
    with Progress(options.max_iterations, "train-ner (CRF)", "iteration") as bar:
        trainer.train(str(folder / MODEL), holdout=1 if dev else -1)
    gazetteer.save(folder / GAZETTEER)
    return log


def _with_head(
    examples: Sequence[Example], dev: Sequence[Example], options: CrfOptions, folder: Path
) -> tuple[list[Example], list[Example]]:
    """Training examples with out-of-fold head probabilities; dev with the full head's (saved)."""
    from pipelines.engines.ner.token_head import TokenHead, out_of_fold

    states, tags = [e.states for e in examples], [e.tags for e in examples]
    with Progress(options.head_folds + 1, "train-ner MLP head over the contextual states", "model") as bar:
        folded = out_of_fold(states, tags, options.head_folds, options.head_epochs, options.seed, bar.update)
        head = TokenHead.fit(states, tags, options.head_epochs, options.seed)
        bar.update()
    head.save(folder / HEAD)
    trained = [replace(e, head=p) for e, p in zip(examples, folded, strict=True)]
    return trained, [replace(e, head=head.probabilities(e.states)) for e in dev]


class CrfTagger:
    """A trained model folder, ready to tag; word classes of new words are computed on first sight."""

    def __init__(self, folder: Path, encode: Encode, states: StatesOf | None = None) -> None:
        import pycrfsuite

        self.tagger = pycrfsuite.Tagger()
        self.tagger.open(str(folder / MODEL))
        self.words = WordTable(WordClusters.load(folder / CLUSTERS), encode)
        self.gazetteer = Gazetteer.load(folder / GAZETTEER)
        self.context = ContextClasses(WordClusters.load(folder / CONTEXT)) if (folder / CONTEXT).exists() else None
        self.head = None
        if (folder / HEAD).exists():
            from pipelines.engines.ner.token_head import TokenHead

            self.head = TokenHead.load(folder / HEAD)
        self.states = states

    def tag(self, examples: Sequence[Example]) -> list[list[str]]:
        """BIO tags per token (an I- without its B- starts a name)."""
        self.words.add([t for e in examples for t in e.tokens])
        if self.context is not None or self.head is not None:
            examples = with_states(examples, self.states or contextual_states(None))
        if self.head is not None:
            examples = [replace(e, head=self.head.probabilities(e.states)) for e in examples]
        tagged = (features(e, self.words, self.gazetteer, self.context) for e in examples)
        return [repair(self.tagger.tag(f)) if e.tokens else [] for e, f in zip(examples, tagged, strict=True)]


StatesOf = Callable[[list[tuple[str, ...]]], list[np.ndarray]]


def contextual_states(cache_path: Path | None) -> StatesOf:
    """e5-small word states per sentence, cached per sentence when ``cache_path`` is set."""
    from pipelines.engines.vectors.token_vectors import CachedWordStates

    return CachedWordStates(cache_path).sentences


def with_states(examples: Sequence[Example], states_of: StatesOf) -> list[Example]:
    """The examples with their contextual states (computed for those without)."""
    missing = [e.tokens for e in examples if e.states is None]
    found = dict(zip(missing, states_of(missing), strict=True)) if missing else {}
    return [e if e.states is not None else replace(e, states=found[e.tokens]) for e in examples]


def use_encoder(cache_path: Path | None, threads: int = 2) -> Encode:
    """USE-multilingual-v3 vectors of single words, cached per word when ``cache_path`` is set."""
    from pipelines.engines.vectors.embedders import CachedEmbedder, make_embedder

    return CachedEmbedder(make_embedder("use-multilingual-v3", threads), cache_path).embed


def engine_version() -> str:
    return f"python-crfsuite {package_version('python-crfsuite', '?')}"
