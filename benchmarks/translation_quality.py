"""Translation engines on public gold data, and the llm engine's speed per batch size and executor.

Quality: BLEU and chrF (sacrebleu) of each engine on the first ``--lines`` Tatoeba de–en pairs
(``../shared/data/tatoeba_deu_eng``, CC BY 2.0 FR), through the translate stage's own path
(cache off, checks and retries as configured), with the share of flagged rows. Speed: sentences/s
of the llm engine at batch sizes 1..N in one process, then through the executor with 1 and 2
local workers and 2 Ray actors, on the same ``--speed-lines`` sentences; peak memory per process.
Ratios are within this run (the machine is shared: compare ratios, not seconds across runs).

    .venv/bin/python benchmarks/translation_quality.py [--lines 300] [--engines gloss,llm] [--no-ray]
        [--variants v1,v2-zero-shot,v2-pool-examples,v2-pool-examples+context] [--skip-speed]
        [--runtimes llamacpp,ctranslate2]
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import sacrebleu

from pipelines.core.records import TranslationRequest
from pipelines.core.settings import ExecutorSettings, TranslateSettings, load_settings
from pipelines.engines.translate.llm import LLMEngine
from pipelines.engines.translate.translation_checks import TranslationChecker
from pipelines.engines.translate.translation_evidence import added_names
from pipelines.engines.translate.translation_numbers import added_numbers
from pipelines.engines.translate.translation_requests import line_sentence
from pipelines.engines.translate.translators import TranslateWork
from pipelines.run.executor import make_executor
from pipelines.stages.translate import translate_sentences

ROOT = Path(__file__).resolve().parents[1]
TATOEBA = ROOT.parent / "shared" / "data" / "tatoeba_deu_eng"


def pairs(count: int) -> tuple[list[str], list[str]]:
    german = (TATOEBA / "tatoeba.deu-eng.deu").read_text(encoding="utf-8").splitlines()[:count]
    english = (TATOEBA / "tatoeba.deu-eng.eng").read_text(encoding="utf-8").splitlines()[:count]
    return german, english


def scratch_settings(engine: str, work: Path, **overrides) -> TranslateSettings:
    base = load_settings(ROOT / "params.yaml").translate
    update = {"engine": engine, "cache_path": work / f"{engine}.sqlite", "quality_cache_path": None, **overrides}
    return base.model_copy(update=update)


VARIANTS = {  # prompt changes measured one by one (translate settings overrides)
    "v1": {"llm_prompt": "v1", "examples_per_document": 0, "context_sentences": 0},
    "v2-zero-shot": {"examples_per_document": 0, "context_sentences": 0},
    "v2-pool-examples": {"context_sentences": 0},
    "v2-pool-examples+context": {"context_sentences": 1},
}


def added_share(sources: list[str], outputs: list[str]) -> float:
    """Share of lines with a number or name that the source does not license (no glossary)."""
    lines = sum(bool(added_numbers(s, o) or added_names(s, o, "de")) for s, o in zip(sources, outputs, strict=True))
    return round(lines / len(sources), 3)


def quality(
    engine: str, german: list[str], english: list[str], work: Path, variant: str = "v2-pool-examples",
    dump: Path | None = None, runtime: str = "auto",
) -> dict:  # fmt: skip
    llm = {**VARIANTS[variant], "llm_runtime": runtime} if engine == "llm" else {}
    settings = scratch_settings(engine, work, **llm)
    sentences = [line_sentence(n, text, "de") for n, text in enumerate(german, 1)]
    start = time.perf_counter()
    result = translate_sentences(sentences, settings, ExecutorSettings(), TranslationChecker(settings, threads=2))
    seconds = time.perf_counter() - start
    unrejected = [text or (rejected or "") for text, rejected in zip(result.texts, result.rejected, strict=True)]
    if dump:
        lines = zip(german, english, result.texts, result.rejected, result.verdicts, strict=True)
        rows = [
            {"de": g, "en": e, "mt": t, "rejected": r, "quality": v.quality, "flags": v.flags}
            for g, e, t, r, v in lines
        ]
        dump.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return {
        "engine": engine,
        "variant": variant if engine == "llm" else None,
        "runtime": runtime if engine == "llm" else None,
        "lines": len(german),
        "bleu": round(sacrebleu.corpus_bleu(result.texts, [english]).score, 1),
        "chrf": round(sacrebleu.corpus_chrf(result.texts, [english]).score, 1),
        "chrf_rejected_kept": round(sacrebleu.corpus_chrf(unrejected, [english]).score, 1),
        "flagged": sum(bool(v.flags) for v in result.verdicts),
        "rejected": sum(r is not None for r in result.rejected),
        "added_fact_lines": added_share(german, result.texts),
        "added_fact_lines_in_references": added_share(german, english),
        "retried": sum(a > 1 for a in result.attempts),
        "mean_quality": round(sum(v.quality for v in result.verdicts) / len(german), 3),
        "seconds": round(seconds, 1),
        "example": f"{german[3]} => {result.texts[3]}",
    }


def speed_in_process(texts: list[str], batch_sizes: list[int], work: Path) -> list[dict]:
    rows = []
    for size in batch_sizes:
        engine = LLMEngine(scratch_settings("llm", work, llm_batch_size=size), threads=2)
        start = time.perf_counter()
        engine.translate_texts(texts)
        seconds = time.perf_counter() - start
        rows.append({"runtime": engine.settings["runtime"], "batch_size": size, "sent_per_s": len(texts) / seconds})
    return rows


def speed_on_executor(texts: list[str], executor: ExecutorSettings, work: Path) -> dict:
    settings = scratch_settings("llm", work)
    threads = max(1, 2 // executor.workers)
    items = [TranslationRequest(sentence=line_sentence(n, t, "de")).model_dump_json() for n, t in enumerate(texts)]
    start = time.perf_counter()
    list(make_executor(executor).map(TranslateWork, (settings.model_dump_json(), "llm", threads), items, 16, "bench"))
    seconds = time.perf_counter() - start  # includes each worker's model load
    return {"executor": f"{executor.kind} x{executor.workers}", "sent_per_s": len(texts) / seconds, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=300, help="Tatoeba pairs scored per engine")
    parser.add_argument("--engines", default="gloss,llm")
    parser.add_argument("--variants", default="v2-pool-examples", help=f"llm prompt variants: {','.join(VARIANTS)}")
    parser.add_argument("--runtimes", default="auto", help="llm runtimes: auto, llamacpp, ctranslate2")
    parser.add_argument("--speed-lines", type=int, default=64)
    parser.add_argument("--batch-sizes", default="1,4,16")
    parser.add_argument("--no-ray", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--dump", type=Path, help="write each line's output, flags and quality here (JSONL)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-translation-"))
    german, english = pairs(args.lines)
    if not args.skip_quality:
        for engine in args.engines.split(","):
            runtimes = args.runtimes.split(",") if engine == "llm" else ["auto"]
            variants = args.variants.split(",") if engine == "llm" else [""]
            for variant, runtime in [(v, r) for v in variants for r in runtimes]:
                dump = args.dump.with_suffix(f".{engine}.{variant}.{runtime}.jsonl") if args.dump else None
                row = quality(engine, german, english, work, variant, dump, runtime)
                print(json.dumps(row, ensure_ascii=False), flush=True)
    if args.skip_speed:
        return
    texts = pairs(args.speed_lines)[0]
    rows = speed_in_process(texts, [int(b) for b in args.batch_sizes.split(",")], work)
    for row in rows:
        print(json.dumps({**row, "ratio_to_batch_1": round(row["sent_per_s"] / rows[0]["sent_per_s"], 2)}))
    print(json.dumps({"peak_rss_mb_this_process": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
    kinds = [ExecutorSettings(kind="local", workers=1), ExecutorSettings(kind="local", workers=2)]
    if not args.no_ray:
        kinds.append(ExecutorSettings(kind="ray", workers=2))
    results = [speed_on_executor(texts, executor, work) for executor in kinds]
    for result in results:
        ratio = round(result["sent_per_s"] / results[0]["sent_per_s"], 2)
        print(json.dumps({**result, "sent_per_s": round(result["sent_per_s"], 2), "ratio_to_local_x1": ratio}))
    print(json.dumps({"peak_rss_mb_worker": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024}))


if __name__ == "__main__":
    main()
