"""Typed settings per stage, built from ``params.yaml``.

Each stage's section is a pydantic model: one default per key (here, nowhere else), unknown
keys rejected with the file and key named. Relative paths are resolved against the folder
that holds ``params.yaml`` (the project root), so code run from another working directory
still reads and writes the project's models and caches.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from pipelines.core.errors import StageError
from pipelines.core.layout import NER_MODEL, PARAMS_FILE


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    _root: Path | None = PrivateAttr(default=None)

    def resolved(self, root: Path) -> Section:
        """A copy whose relative ``Path`` fields point under ``root``."""
        updates = {}
        for name, value in self:
            if isinstance(value, Path) and not value.is_absolute():
                updates[name] = root / value
        copy = self.model_copy(update=updates)
        copy._root = root
        return copy

    def portable(self) -> dict[str, Any]:
        """The settings as JSON with paths relative to the project root again: what a
        fingerprint or an output may hold, identical in every clone wherever it lives."""
        root = self._root

        def relative(value: Any) -> Any:
            if isinstance(value, dict):
                return {k: relative(v) for k, v in value.items()}
            if isinstance(value, list):
                return [relative(v) for v in value]
            if isinstance(value, str) and root is not None and Path(value).is_absolute():
                try:
                    return Path(value).relative_to(root).as_posix()
                except ValueError:
                    return os.path.relpath(value, root)  # ../shared/data: outside the project, still relative
            return value

        return relative(self.model_dump(mode="json"))


class ExecutorSettings(Section):
    """Where per-document work runs (``kind``), and whether stage commands run in a warm engine
    server that keeps engines loaded between runs (``warm``). Neither changes what a stage writes."""

    kind: Literal["local", "ray"] = "local"
    workers: int = 1  # local: processes (1 = this process); ray: actors, one engine each
    warm: bool = False  # stage commands run in a local server; with local/1 their engines stay loaded
    warm_idle_seconds: int = 900  # the warm server exits after this long unused
    documents_per_batch: int = 16
    ray_address: str | None = None  # an existing cluster (else $RAY_ADDRESS, else a local instance)

    @model_validator(mode="before")
    @classmethod
    def _warm_was_a_kind(cls, data: Any) -> Any:
        """``kind: warm`` (before ``warm`` was its own key) still means a warm local server."""
        if isinstance(data, dict) and data.get("kind") == "warm":
            return {**data, "kind": "local", "warm": True}
        return data


class IngestSettings(Section):
    languages: list[str] = ["de", "en"]
    min_language_confidence: float = 0.5
    low_accuracy_language_id: bool = True  # lingua's trigram models: 2 s to load instead of 20 s
    navigation_sections: list[str] = ["See also", "References", "External links", "Further reading", "Notes"]
    max_document_chars: int = 1_000_000  # a larger seed is ingested with a warning
    max_repeated_paragraphs: float = 0.2  # warn when more of a document's paragraphs repeat earlier ones
    near_duplicate_overlap: float = 0.8  # `corpus manifest` warns about document pairs sharing this much


class SegmentSettings(Section):
    # auto: official stanza models in stanza_dir, else tokenizer_files, else the spaCy variant
    engine: Literal["auto", "stanza", "spacy"] = "auto"
    stanza_dir: Path = Path("models/stanza_resources")
    cache_dir: Path = Path(".cache/stanza")
    tokenizer_files: dict[str, dict[str, Path]] = {}
    repair_splits: bool = True

    def resolved(self, root: Path) -> SegmentSettings:
        base = super().resolved(root)
        files = {
            lang: {kind: path if path.is_absolute() else root / path for kind, path in kinds.items()}
            for lang, kinds in self.tokenizer_files.items()
        }
        return base.model_copy(update={"tokenizer_files": files})


class TranslateSettings(Section):
    source_lang: str = "de"
    target_lang: str = "en"
    # auto: an installed argos package, else the local LLM (llm_file), else the gloss if allowed
    engine: Literal["auto", "argos", "llm", "gloss"] = "auto"
    allow_gloss: bool = True
    packages_dir: Path = Path("models/argos")
    model_path: Path | None = None
    cache_path: Path = Path(".cache/translations.sqlite")
    # argos: CTranslate2 decoding; defaults are argostranslate's
    beam_size: int = 4
    batch_size: int = 32
    inter_threads: int = 1
    intra_threads: int = 0
    compute_type: str = "auto"
    max_decoding_length: int = 256
    length_penalty: float = 0.2
    # llm: a local instruct model, a GGUF file (run by llama.cpp, or converted once to CTranslate2
    # beside it) or a CTranslate2 model folder, pinned by sha256 (of the GGUF, or of the folder's model.bin)
    llm_name: str = "Qwen2.5-Coder-1.5B-Instruct Q4_K_M"
    llm_file: Path = Path("models/llm/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf")
    llm_sha256: str = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
    # auto: llama.cpp for a GGUF on the CPU (where it is 2.4x faster), CTranslate2 on a GPU or for a folder
    llm_runtime: Literal["auto", "llamacpp", "ctranslate2"] = "auto"
    llm_compute_type: str = "int8"  # ctranslate2's weights
    llm_prompt: str = "v2"  # a version in pipelines/engines/translate/data/llm_prompts.yaml
    llm_batch_size: int = 16  # sentences per generate call (grouped by prompt length)
    llm_threads: int = 0  # per engine; 0: the machine's cores shared among the executor's workers
    llm_gpu_batch_size: int = 64  # the same on a GPU (translate.device)
    cpu_isa: str | None = "AVX2"  # CTranslate2/MKL kernels pinned on x86 (null: the library's choice)
    # every translation is checked; a failing one is retried (llm: stricter prompt), else flagged
    min_quality: float = 0.5  # cosine of the source's and translation's multilingual embeddings
    length_ratio: tuple[float, float] = (0.45, 2.2)  # characters out / in, for sources of 20+ characters
    quality_embedder: str = "use-multilingual-v3"
    quality_cache_path: Path | None = Path(".cache/embeddings.sqlite")
    # the named checks (pipelines/engines/translate/translation_checks.py) and those whose failure, after the
    # retry, rejects the output: the row keeps it only in `rejected`, with the reasons
    checks: tuple[str, ...] = (
        "form", "missing_numbers", "added_numbers", "missing_names", "added_names", "added_negation",
        "added_relations", "untranslated", "glossary", "example_leak", "quality",
    )  # fmt: skip
    reject_on: tuple[str, ...] = (
        "form", "example_leak", "added_numbers", "added_names", "added_negation", "added_relations",
    )  # fmt: skip
    retry_alternatives: int = 3  # llm: a failing translation's retry adds the n best of a beam search
    # the corpus's terms (German<TAB>English[<TAB>other|forms]) on top of the shipped table
    glossary_file: Path | None = None
    # llm few-shot examples: per document, the closest pairs of a parallel pool (German file, English
    # file, line for line; the first example_pool_skip lines are kept out for benchmarks) and post-edits
    example_pool_de: Path | None = None
    example_pool_en: Path | None = None
    example_pool_skip: int = 300
    examples_per_document: int = 2
    examples_from_post_edits: bool = True  # annotators' post-edits join the pool (closest first)
    context_sentences: int = 0  # previous sentences of the same document shown to the llm (0: none)
    # bounds on the work one input causes: longer sentences are translated in parts cut at clause
    # boundaries and joined; a generate call stops after max_batch_seconds
    max_source_chars: int = 600
    max_batch_seconds: float = 300.0
    device: Literal["auto", "cpu", "cuda"] = "auto"  # llm: auto = cuda when a GPU is visible

    def output_affecting(self) -> dict[str, Any]:
        """Only what changes the output goes into the cache key and the rows."""
        return {
            "beam_size": self.beam_size,
            "max_decoding_length": self.max_decoding_length,
            "length_penalty": self.length_penalty,
            "compute_type": self.compute_type,
        }

    def check_settings(self) -> dict[str, Any]:
        """What decides a translation's quality score and flags (recorded with the rows)."""
        return {
            "min_quality": self.min_quality,
            "length_ratio": list(self.length_ratio),
            "quality_embedder": self.quality_embedder,
            "checks": list(self.checks),
            "reject_on": list(self.reject_on),
        }


class AlignSettings(Section):
    source_lang: str = "de"
    target_lang: str = "en"
    mode: Literal["mining", "document"] = "mining"
    embedder: str = "use-multilingual-v3"
    # document mode's encoder when it is not ``embedder`` (e.g. embeddinggemma; null: embedder)
    document_embedder: str | None = None
    gemma_dir: Path = Path("models/embeddinggemma")  # `corpus models embeddinggemma` installs it here
    gemma_prompt: str | None = "BitextMining"  # the model's prompt for both sides (null: raw text)
    threads: int = 2
    cache_path: Path | None = Path(".cache/embeddings.sqlite")
    embedding_weight: float = 0.7
    mt_weight: float = 0.3
    candidates: int = 16
    candidate_search: Literal["dense", "ann"] = "dense"
    candidate_documents: int = 8  # mining: each source document vs its closest target documents (0: all)
    margin_k: int = 4
    threshold: float = 1.3  # minimum ratio margin of a linked pair
    anchor_penalty: float = 0.25  # margin x (1 - this x share of numbers/names only one side has)
    document_pairs: list[tuple[str, str]] | None = None
    # document mode (Vecalign-style DP)
    max_link: int = 6  # links of up to max_link sentences in all (4: 1-1, 1-2, 2-1, 1-3, 2-2, 3-1)
    # blocks of up to this many sentences are embedded as joined text; longer ones as the mean
    # of encoded pieces (cold time grows with the encoded text; 5 encodes every block)
    encoded_block_size: int = 2
    member_weight: float = 2.0  # charge for a merged sentence farther from the other block than a skip
    merge_penalty: float = 0.02  # added per sentence a link holds beyond 1-1 (breaks ties towards 1-1)
    skip_percentile: float = 0.05  # a skipped sentence costs this quantile of random 1-1 link costs
    band: int = 10  # search half-width around the coarser level's path
    max_full_dp: int = 300  # documents up to this many sentences per side get one full DP
    norm_samples: int = 100  # random blocks per block for the cosine normaliser
    length_weight: float = 0.2  # weight of the Gale-Church length prior
    length_ratios: dict[str, float] = {}  # expected characters(source) / characters(target), by "de-en"
    anchor_weight: float = 0.5  # per number/name one side of a link has and the other lacks (0: off)

    def weights(self, has_mt: bool) -> tuple[float, float]:
        """Embedding and MT weights; without a translation the embedding weight is 1."""
        if not has_mt or self.mt_weight == 0:
            return 1.0, 0.0
        total = self.embedding_weight + self.mt_weight
        return self.embedding_weight / total, self.mt_weight / total


class TagSettings(Section):
    # auto: official stanza models in stanza_dir, else the offline processor variants
    engine: Literal["auto", "stanza", "variants"] = "auto"
    stanza_dir: Path = Path("models/stanza_resources")
    cache_dir: Path = Path(".cache/stanza-tag")
    batch_size: int = 64
    reference_year: int = 2025
    # PETRARCH's CAMEO verb dictionary, the CAMEO -> PLOVER table and Phoenix country actors
    # (shared data, MIT); null turns CAMEO coding off (the rules in event_rules.yaml remain)
    cameo_dictionary: Path | None = Path("../shared/data/cameo/CAMEO.2.0.txt")
    plover_table: Path | None = Path("../shared/data/plover/CAMEO2PLOVER-2021.txt")
    actors_file: Path | None = Path("../shared/data/cameo/Phoenix.Countries.actors.txt")
    # the project's amendments to that table, in its format, where the PLOVER manual's text types
    # a code otherwise (imposing sanctions: SANCTION, not COERCE); null: the table as is
    plover_amendments: Path | None = Path("pipelines/tagging/data/plover.amendments.txt")
    # the project's additions to that dictionary, in its format: verbs that code only through
    # their patterns ("took part": no seizure), senses that are no event ("released a video")
    cameo_additions: Path | None = Path("pipelines/tagging/data/cameo.additions.txt")
    # PETRARCH's discard list (e.g. pipelines/tagging/data/news.discards.txt): sentences naming
    # one of its phrases (past years, ...) get no events; null for histories like the seeds
    cameo_discards: Path | None = None
    # which parties a verb pattern of the dictionary needs when no rule vouches for the verb:
    # two coded actors, as PETRARCH (both-coded), or a political actor (coded, or a named
    # person, organisation or state) and any recipient (actor-coded)
    cameo_parties: Literal["both-coded", "actor-coded"] = "actor-coded"
    # where German events come from: the German pattern rules, the English coder run on the
    # sentence's translation (projected back), or both (rules first, enriched by the translation)
    german_events: list[Literal["rules", "translation"]] = ["rules", "translation"]
    # the German NER model folder: train-ner writes it, tag reads it when it holds a model (else
    # HanTa's untyped name chunks, typed by projection); None only for code that wants no model
    trained_ner: Path | None = NER_MODEL


class TrainNerSettings(Section):
    """German NER trained on GermEval 2014 plus pulled human corrections: a CRF (about a minute)
    or stanza's own BiLSTM trainer (15-80 minutes on 2 cores, no better on the held-out part)."""

    enabled: bool = True
    learner: Literal["crf", "stanza"] = "crf"
    germeval: Path | None = Path("../shared/data/germeval2014/NER-de-test.tsv")  # CC BY 4.0
    # GermEval's train split (BIOES, 24k sentences): all of it is training data; null: test file only
    germeval_train: Path | None = Path("../shared/data/germeval2014/train_bioes.train")
    held_out_every: int = 5  # every 5th sentence of the test file is held out: scored, never trained on
    dev_every: int = 20  # of the rest, every 20th: the dev score in the training log (stanza: picks the checkpoint)
    max_train_sentences: int = 0  # 0: all; tests train on a few
    human_repeats: int = 2  # a corrected sentence counts this many times in the training data
    # pretrained inputs: single-word USE-multilingual-v3 vectors of the training words plus the
    # vector_words most frequent words of the gloss's de-en dictionary; "none": no vectors
    word_vectors: Literal["none", "use-multilingual-v3"] = "use-multilingual-v3"
    vector_words: int = 0
    # crf: CRFsuite's L-BFGS with L1/L2 (c1, c2) or another of its algorithms (ap: the averaged
    # perceptron, 30 iterations: 20 s faster, lower F1); word classes by k-means over the vectors
    crf_algorithm: Literal["lbfgs", "ap", "l2sgd", "pa", "arow"] = "lbfgs"
    crf_iterations: int = 100
    crf_c1: float = 0.05
    crf_c2: float = 0.3
    cluster_sizes: list[int] = [64, 256, 1024]
    cluster_dims: int = 32  # dense PCA features per word
    # contextual features (crf): e5-small's final-layer state of each word in its sentence
    context_vectors: Literal["none", "e5-small"] = "e5-small"
    context_sizes: list[int] = [64, 256, 1024]
    context_dims: int = 32
    # an MLP over each word's state and its neighbours' (torch), its label probabilities stacked
    # into the CRF (out of fold for the CRF's training sentences); 0 epochs: none
    head_epochs: int = 4
    head_folds: int = 2
    gazetteer_folds: int = 5  # training sentences see a gazetteer built from the other folds
    # stanza: ner_tagger's flags; vectors reduced to vector_dims and saved in its pretrain format
    vector_dims: int = 256
    finetune_vectors: bool = False  # frozen vectors overfit less on 4k sentences (dev F1 0.71 vs 0.67)
    max_steps: int = 2000
    max_steps_no_improve: int = 800  # stop early when the dev F1 has not improved for this long
    eval_interval: int = 200
    batch_size: int = 32
    optim: str = "adam"
    lr: float = 0.002
    seed: int = 1234
    work_dir: Path = Path(".cache/ner-training")


class ExportSettings(Section):
    pretty_name: str = "German-English relations corpus"
    histogram_min: float = 0.8
    histogram_max: float = 2.0
    histogram_bins: int = 12


class Settings(BaseModel):
    """All of ``params.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    executor: ExecutorSettings = Field(default_factory=ExecutorSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    segment: SegmentSettings = Field(default_factory=SegmentSettings)
    translate: TranslateSettings = Field(default_factory=TranslateSettings)
    align: AlignSettings = Field(default_factory=AlignSettings)
    train_ner: TrainNerSettings = Field(default_factory=TrainNerSettings)
    tag: TagSettings = Field(default_factory=TagSettings)
    export: ExportSettings = Field(default_factory=ExportSettings)


def _describe(error: ValidationError, path: Path) -> str:
    problems = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"])
        message = "unknown key" if item["type"] == "extra_forbidden" else item["msg"]
        problems.append(f"{where}: {message}")
    return f"{path}: " + "; ".join(problems)


def load_settings(path: Path = PARAMS_FILE) -> Settings:
    """Read and validate ``params.yaml``; relative paths resolve against its folder."""
    path = Path(path)
    if not path.exists():
        raise StageError(f"{path}: parameters file not found (run from the project root)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise StageError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise StageError(f"{path}: expected a mapping of stage names to settings")
    try:
        settings = Settings.model_validate(data)
    except ValidationError as error:
        raise StageError(_describe(error, path)) from None
    root = path.resolve().parent
    return settings.model_copy(update={name: getattr(settings, name).resolved(root) for name in Settings.model_fields})
