"""Translate stage: German sentences -> ``corpus/translations.jsonl`` (one row per sentence).

Translations are cached by (engine fingerprint, settings, what the engine reads of the request),
so re-running after adding a document translates only the new sentences; those run on the
configured executor (in process, a process pool, the warm server or Ray actors, each loading the
model once). Every translation is then checked both ways (``translation_checks``); the retry,
keep-the-best and reject rule is ``translate_sentences``. Last, annotators' post-edits (and the
memory of them) replace the machine's text, which the row keeps beside them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import typer

from pipelines.core.cache import KeyValueCache
from pipelines.core.corpus import in_manifest, load_sentences
from pipelines.core.errors import InputError
from pipelines.core.io import write_jsonl, write_text
from pipelines.core.layout import ANNOTATIONS, MANIFEST, SENTENCES, TRANSLATIONS, human_file
from pipelines.core.records import Sentence, Translation, TranslationRequest
from pipelines.core.reviews import Review, current_reviews, read_reviews, tagging_fingerprints
from pipelines.core.settings import PARAMS_FILE, ExecutorSettings, TranslateSettings, load_settings
from pipelines.core.translation_memory import TranslationMemory
from pipelines.engines.translate.example_pool import ExamplePool
from pipelines.engines.translate.glossary import Glossary, repair
from pipelines.engines.translate.translation_checks import TranslationChecker, Verdict
from pipelines.engines.translate.translation_requests import RequestBuilder, line_sentence
from pipelines.engines.translate.translators import EngineInfo, TranslateWork, cache_key, choose_engine, describe_engine
from pipelines.run.contract import StageContract
from pipelines.run.executor import make_executor
from pipelines.run.runner import run_command

CONTRACT = StageContract(
    "translate",
    deps=(MANIFEST, SENTENCES, "models/argos", "models/llm/installed.json", human_file(ANNOTATIONS, "translation")),
    outs=(TRANSLATIONS,),
    params=("translate",),
)


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
        self.made = self.asked = 0

    def get(self, requests: list[TranslationRequest]) -> list[str]:
        keys = [cache_key(self.info, r) for r in requests]
        self.asked += len(set(keys))
        found = self.store.get_many(list(dict.fromkeys(keys)))
        todo = list({key: r for key, r in zip(keys, requests, strict=True) if key not in found}.items())
        todo.sort(key=lambda pair: len(pair[1].sentence.text))  # neighbours in a batch: similar lengths
        if todo:
            items = [r.model_dump_json() for _, r in todo]
            desc = "translate (retry)" if todo[0][1].strict else "translate"
            results = make_executor(self.executor).map(TranslateWork, self.work_args, items, self.batch_size, desc)
            pending: dict[str, str] = {}
            for (key, _), result in zip(todo, results, strict=True):
                pending[key] = json.loads(result)
                if len(pending) >= self.batch_size:  # an interrupted run keeps what it translated
                    self._keep(pending, found)
            self._keep(pending, found)
        return [found[key] for key in keys]

    def get_joined(self, requests: list[list[TranslationRequest]]) -> list[str]:
        """One text per sentence: its parts' translations joined in order."""
        texts = iter(self.get([r for parts in requests for r in parts]))
        return [" ".join(next(texts) for _ in parts).strip() for parts in requests]

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
    asked: int  # distinct requests looked up (first attempts, retries and their alternatives)
    rejected: list[str | None]
    examples: str | None  # the example pool's name


def retry_candidates(made: Translations, requests: list[list[TranslationRequest]], count: int) -> list[list[str]]:
    """A retry's candidates for each failing sentence, as lists in candidate order: the strict
    prompt's greedy output, then the ``count`` best of a beam search (one generate call per part)."""
    strict = {"strict": True, "examples": []}
    greedy = made.get_joined([[r.model_copy(update=strict) for r in parts] for parts in requests])
    if count <= 0:
        return [greedy]
    beams = made.get([r.model_copy(update={**strict, "alternatives": count}) for parts in requests for r in parts])
    lists = iter(json.loads(item) for item in beams)
    per_sentence = [[next(lists) for _ in parts] for parts in requests]  # parts x alternatives
    joined = [
        [" ".join(part[min(n, len(part) - 1)] for part in parts).strip() for parts in per_sentence]
        for n in range(count)
    ]
    return [greedy, *joined]


def better(first: Verdict, second: Verdict) -> bool:
    """A retry's candidate wins when it fails fewer checks, or as many with a higher quality estimate."""
    return (len(second.failed), -(second.quality or 0.0)) < (len(first.failed), -(first.quality or 0.0))


def translate_sentences(
    sentences: list[Sentence],
    settings: TranslateSettings,
    executor: ExecutorSettings,
    checker: TranslationChecker,
    english: list[str] | None = None,
    post_edits: list[tuple[str, str]] | None = None,
) -> Result:
    """Cached or fresh translations, checked; failing ones retried where the engine can (strict
    prompt, no examples: its greedy output and a beam's ``retry_alternatives`` best), the best of all
    candidates kept, and an output failing a ``reject_on`` check
    moved to ``rejected``. This is the one place of that rule. ``english``: the corpus's English
    sentences (the glossary asks for the forms they use); ``post_edits``: example pairs first."""
    info = describe_engine(settings, choose_engine(settings))
    glossary = Glossary.load(settings.glossary_file).prefer(english or [])
    pool = ExamplePool.load(settings, checker.embedder, post_edits) if info.can_retry else None
    requests = RequestBuilder(settings, glossary, pool).build(sentences, prompted=info.can_retry)
    sources = [s.text for s in sentences]
    terms = [tuple(glossary.found_in(s.text)) for s in sentences]  # checked and repaired whatever the engine
    shown = [tuple(parts[0].examples) for parts in requests]
    with KeyValueCache(settings.cache_path, "translations") as store:
        made = Translations(store, info, settings, executor)
        texts = [repair(text, terms[i]) for i, text in enumerate(made.get_joined(requests))]
        verdicts = checker.check(sources, texts, terms, shown)
        attempts = [1] * len(sentences)
        failing = [i for i, verdict in enumerate(verdicts) if verdict.flags] if info.can_retry else []
        if failing:
            for candidates in retry_candidates(made, [requests[i] for i in failing], settings.retry_alternatives):
                candidates = [repair(text, terms[i]) for i, text in zip(failing, candidates, strict=True)]
                second = checker.check([sources[i] for i in failing], candidates, [terms[i] for i in failing])
                for index, text, verdict in zip(failing, candidates, second, strict=True):
                    attempts[index] = 2
                    if better(verdicts[index], verdict):
                        texts[index], verdicts[index] = text, verdict
    rejected: list[str | None] = [None] * len(sentences)
    for index, verdict in enumerate(verdicts):
        reasons = [name for name in verdict.failed if name in settings.reject_on]
        if reasons and texts[index]:
            rejected[index], texts[index] = texts[index], ""
            verdict.flags.append(f"rejected ({', '.join(reasons)}): the output is kept in `rejected` only")
    return Result(info, texts, verdicts, attempts, made.made, made.asked, rejected, pool.name if pool else None)


def run(
    sentence_files: list[Path],
    out: Path,
    settings: TranslateSettings,
    *,
    human: Path | None = None,
    executor: ExecutorSettings | None = None,
    checker: TranslationChecker | None = None,
) -> dict[str, int]:
    """Translate every source-language sentence (cached, on the configured executor, checked and
    retried by ``TranslationChecker``) and write one row per sentence naming its engine and model;
    a post-edit pulled from Label Studio (``human``) or the memory of one replaces the machine's
    text, which the row keeps beside it. Returns the counts for the metrics."""
    everything = load_sentences(sentence_files)
    sentences = [s for s in everything if s.lang == settings.source_lang]
    english = [s.text for s in everything if s.lang == settings.target_lang]
    reviews = current_reviews(read_reviews(human), tagging_fingerprints(sentences)) if human else {}
    memory = TranslationMemory.from_reviews(reviews.values(), {s.sent_id: s.text for s in sentences})
    post_edits = memory.pairs() if settings.examples_from_post_edits else None
    result = translate_sentences(
        sentences,
        settings,
        executor or ExecutorSettings(),
        checker or TranslationChecker(settings),
        english,
        post_edits,
    )
    recorded = {**result.info.settings, "checks": settings.check_settings(), **prompt_settings(settings, result)}
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
            rejected=rejected,
        )
        for s, text, verdict, attempts, rejected in zip(
            sentences, result.texts, result.verdicts, result.attempts, result.rejected, strict=True
        )
    ]
    rows = [with_human_translation(row, reviews.get(row.sent_id), memory) for row in rows]
    write_jsonl(out, rows)
    retried = sum(a > 1 for a in result.attempts)
    return {
        "sentences": len(rows),
        "translated": result.made,
        "cached": result.asked - result.made,
        "retried": retried,
        "flagged": sum(row.flagged for row in rows),
        "rejected": sum(row.rejected is not None for row in rows),
        "human": sum(row.translation_source == "human" for row in rows),
        "human_memory": sum(row.translation_source == "human:memory" for row in rows),
    }


def with_human_translation(row: Translation, review: Review | None, memory: TranslationMemory) -> Translation:
    """The one place where a human translation wins over the machine's (and the cache's): the
    sentence's own current post-edit, else the memory's translation of the same German sentence."""
    machine = row.text or row.rejected
    if review is not None and not review.stale and review.decision == "cannot":
        flags = [*row.flags, "annotator: cannot be translated"]
        return row.model_copy(update={"text": "", "translation_source": "human", "machine": machine, "flags": flags})
    own = review.post_edit if review is not None and not review.stale else None
    text = own or memory.exact(row.source)
    if text is None:
        return row.model_copy(update={"translation_source": f"model:{row.provenance.engine}"})
    source = "human" if own else "human:memory"
    return row.model_copy(update={"text": text, "translation_source": source, "machine": machine})


def prompt_settings(settings: TranslateSettings, result: Result) -> dict[str, object]:
    """What the llm's prompt held besides the sentence (recorded with every row)."""
    if not result.info.can_retry:
        return {}
    examples = f"{settings.examples_per_document} per document from {result.examples}" if result.examples else None
    glossary = "built-in" + (f" + {settings.portable()['glossary_file']}" if settings.glossary_file else "")
    return {
        "context_sentences": settings.context_sentences,
        "glossary": glossary,
        "examples": examples,
        "max_source_chars": settings.max_source_chars,
    }


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
                {
                    "line": n,
                    "quality": v.quality,
                    "flagged": bool(v.flags),
                    "flags": v.flags,
                    "attempts": a,
                    "rejected": r,
                }
                for (n, _), v, a, r in zip(numbered, result.verdicts, result.attempts, result.rejected, strict=True)
            ],
        )
    return len(lines)


def command(
    sentences: list[Path] = typer.Argument(..., help="sentence files (corpus/sentences/*.jsonl)"),
    out: Path = typer.Option(TRANSLATIONS, help="output file"),
    params: Path = typer.Option(PARAMS_FILE, help="parameters file"),
    manifest: Path = typer.Option(MANIFEST, help="only documents listed here are read"),
    human: Path = typer.Option(human_file(ANNOTATIONS, "translation"), help="pulled post-edits (Label Studio)"),
) -> None:
    """Translate source-language sentences (de→en): argos, else the local LLM, else the labelled gloss."""
    settings = load_settings(params)
    files = in_manifest(sentences, manifest)
    typer.echo(json.dumps(run(files, out, settings.translate, human=human, executor=settings.executor)))


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
