"""Translate stage: German sentences -> ``corpus/translations.jsonl`` (one row per sentence).

Translations are cached by (engine fingerprint, settings, attempt, source text), so re-running
after adding a document translates only the new sentences; those run on the configured
executor (in process, a process pool, the warm server or Ray actors, each loading the model
once). Every translation is then checked (numbers, names, length, quality estimate); a failing
one is retried with the engine's stricter attempt where it has one, and otherwise kept with
``flagged: true`` and its reasons.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import typer

from pipelines.core.cache import KeyValueCache
from pipelines.core.corpus import in_manifest, load_sentences
from pipelines.core.errors import InputError
from pipelines.core.io import write_jsonl, write_text
from pipelines.core.layout import MANIFEST, TRANSLATIONS
from pipelines.core.records import Provenance, Sentence, Token, Translation
from pipelines.core.settings import PARAMS_FILE, ExecutorSettings, TranslateSettings, load_settings
from pipelines.engines.translation_checks import TranslationChecker, Verdict
from pipelines.engines.translators import EngineInfo, TranslateWork, cache_key, choose_engine, describe_engine
from pipelines.run.contract import StageContract
from pipelines.run.executor import make_executor
from pipelines.run.runner import run_command

CONTRACT = StageContract("translate", outs=(TRANSLATIONS,), params=("translate",))

TOKEN = re.compile(r"\w+|[^\w\s]")


def engine_threads(settings: TranslateSettings, executor: ExecutorSettings) -> int:
    """Threads per loaded engine: the configured number, else the cores shared among the workers."""
    return settings.llm_threads or max(1, (os.cpu_count() or 1) // max(1, executor.workers))


class Translations:
    """Cached translations of one engine; missing ones are made on the executor."""

    def __init__(self, store: KeyValueCache, info: EngineInfo, settings: TranslateSettings, executor: ExecutorSettings):
        self.store, self.info, self.executor = store, info, executor
        self.work_args = (settings.model_dump_json(), info.kind, engine_threads(settings, executor))
        # the llm batches only same-length prompts: give it many sentences of similar length at once
        self.batch_size = max(1, (settings.llm_batch_size if info.kind == "llm" else settings.batch_size) * 4)
        self.made = 0

    def get(self, sentences: list[Sentence], strict: bool) -> list[str]:
        keys = [cache_key(self.info, s.text, strict) for s in sentences]
        found = self.store.get_many(list(dict.fromkeys(keys)))
        todo = list({key: s for key, s in zip(keys, sentences, strict=True) if key not in found}.items())
        todo.sort(key=lambda pair: len(pair[1].text))  # neighbours in a batch: similar lengths
        if todo:
            items = [json.dumps({"sentence": s.model_dump(mode="json"), "strict": strict}) for _, s in todo]
            desc = "translate (retry)" if strict else "translate"
            results = make_executor(self.executor).map(TranslateWork, self.work_args, items, self.batch_size, desc)
            pending: dict[str, str] = {}
            for (key, _), result in zip(todo, results, strict=True):
                pending[key] = json.loads(result)
                if len(pending) >= self.batch_size:  # an interrupted run keeps what it translated
                    self._keep(pending, found)
            self._keep(pending, found)
        return [found[key] for key in keys]

    def _keep(self, pending: dict[str, str], found: dict[str, str]) -> None:
        self.store.put_many(pending)
        found.update(pending)
        self.made += len(pending)
        pending.clear()


@dataclass
class Result:
    info: EngineInfo
    texts: list[str]
    verdicts: list[Verdict]
    attempts: list[int]
    made: int


def translate_sentences(
    sentences: list[Sentence], settings: TranslateSettings, executor: ExecutorSettings, checker: TranslationChecker
) -> Result:
    """Cached or fresh translations, checked; failing ones retried where the engine can."""
    info = describe_engine(settings, choose_engine(settings))
    sources = [s.text for s in sentences]
    with KeyValueCache(settings.cache_path, "translations") as store:
        made = Translations(store, info, settings, executor)
        texts = made.get(sentences, strict=False)
        verdicts = checker.check(sources, texts)
        attempts = [1] * len(sentences)
        failing = [i for i, verdict in enumerate(verdicts) if verdict.flags] if info.can_retry else []
        if failing:
            retried = made.get([sentences[i] for i in failing], strict=True)
            second = checker.check([sources[i] for i in failing], retried)
            for index, text, verdict in zip(failing, retried, second, strict=True):
                attempts[index] = 2  # the retry is kept only when it fails fewer checks
                if len(verdict.flags) < len(verdicts[index].flags):
                    texts[index], verdicts[index] = text, verdict
    return Result(info, texts, verdicts, attempts, made.made)


def run(
    sentence_files: list[Path],
    out: Path,
    settings: TranslateSettings,
    *,
    executor: ExecutorSettings | None = None,
    checker: TranslationChecker | None = None,
) -> dict[str, int]:
    """Translate every source-language sentence (cached, on the configured executor, checked and
    retried by ``TranslationChecker``) and write one row per sentence naming its engine and model;
    returns the counts for the metrics."""
    sentences = [s for s in load_sentences(sentence_files) if s.lang == settings.source_lang]
    result = translate_sentences(
        sentences, settings, executor or ExecutorSettings(), checker or TranslationChecker(settings)
    )
    recorded = {**result.info.settings, "checks": settings.check_settings()}
    rows = [
        Translation(
            sent_id=s.sent_id,
            doc_id=s.doc_id,
            src_lang=s.lang,
            tgt_lang=settings.target_lang,
            source=s.text,
            text=text,
            provenance=result.info.provenance,
            settings=recorded,
            quality=verdict.quality,
            flagged=bool(verdict.flags),
            flags=verdict.flags,
            attempts=attempts,
        )
        for s, text, verdict, attempts in zip(sentences, result.texts, result.verdicts, result.attempts, strict=True)
    ]
    write_jsonl(out, rows)
    retried = sum(a > 1 for a in result.attempts)
    return {
        "sentences": len(rows),
        "translated": result.made,
        "cached": len(rows) + retried - result.made,
        "retried": retried,
        "flagged": sum(row.flagged for row in rows),
    }


def line_sentence(number: int, text: str, lang: str) -> Sentence:
    """A line of a plain file as a sentence (regex tokens, for the engines that read tokens)."""
    tokens = [Token(start=m.start(), end=m.end(), text=m.group()) for m in TOKEN.finditer(text)]
    return Sentence(
        sent_id=f"line-{number}", doc_id="file", para_id="file", index=number, lang=lang, text=text,
        start=0, end=len(text), section=[], tokens=tokens, provenance=Provenance(engine="translate-file lines"),
    )  # fmt: skip


def translate_file(
    source: Path, target: Path, settings: TranslateSettings, executor: ExecutorSettings, details: Path | None = None
) -> int:
    """One line in, one line out (an empty line stays empty), with the configured engine and cache."""
    try:
        lines = source.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(source, f"cannot read as UTF-8 text ({error})") from None
    numbered = [(n, line.strip()) for n, line in enumerate(lines, 1) if line.strip()]
    sentences = [line_sentence(n, text, settings.source_lang) for n, text in numbered]
    result = translate_sentences(sentences, settings, executor, TranslationChecker(settings))
    by_line = {n: text for (n, _), text in zip(numbered, result.texts, strict=True)}
    write_text(target, "".join(by_line.get(n, "").replace("\n", " ") + "\n" for n in range(1, len(lines) + 1)))
    if details is not None:
        write_jsonl(
            details,
            [
                {"line": n, "quality": v.quality, "flagged": bool(v.flags), "flags": v.flags, "attempts": a}
                for (n, _), v, a in zip(numbered, result.verdicts, result.attempts, strict=True)
            ],
        )
    return len(lines)


def command(
    sentences: list[Path] = typer.Argument(..., help="sentence files (corpus/sentences/*.jsonl)"),
    out: Path = typer.Option(TRANSLATIONS, help="output file"),
    params: Path = typer.Option(PARAMS_FILE, help="parameters file"),
    manifest: Path = typer.Option(MANIFEST, help="only documents listed here are read"),
) -> None:
    """Translate source-language sentences (de→en): argos, else the local LLM, else the labelled gloss."""
    settings = load_settings(params)
    typer.echo(json.dumps(run(in_manifest(sentences, manifest), out, settings.translate, executor=settings.executor)))


def file_command(
    source: Path = typer.Argument(..., help="text file, one sentence per line"),
    target: Path = typer.Argument(..., help="output file: the translation of each line, line for line"),
    engine: str = typer.Option(None, help="auto | argos | llm | gloss [default: translate.engine]"),
    details: Path = typer.Option(None, help="also write each line's quality score and flags here (JSONL)"),
    params: Path = typer.Option(PARAMS_FILE, help="parameters file"),
) -> None:
    """Translate a text file line by line with the configured engine, cache and checks."""
    everything = load_settings(params)
    settings = everything.translate
    if engine is not None:
        settings = TranslateSettings.model_validate({**settings.model_dump(), "engine": engine})
    lines = translate_file(source, target, settings, everything.executor, details)
    typer.echo(json.dumps({"lines": lines, "out": str(target)}))


if __name__ == "__main__":
    run_command(command)
