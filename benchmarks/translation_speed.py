"""Speed of the llm engine on news-length and short sentences, by runtime, batch size and threads.

News: the seed article's 16 German sentences (10–45 words, every prompt a different length, so
they run one at a time whatever the batch size). Short: the first 64 Tatoeba de–en lines
(CC BY 2.0 FR), sorted by length as the stage sorts them, so equal-length prompts share a batch.
Greedy first attempts only (no checks, no retries), model load excluded; the machine is shared,
so compare the ratios within one run.

    .venv/bin/python benchmarks/translation_speed.py
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from pipelines.core.io import read_jsonl
from pipelines.core.records import Sentence
from pipelines.core.settings import load_settings
from pipelines.engines.translate.llm import LLMEngine

ROOT = Path(__file__).resolve().parents[1]
TATOEBA = ROOT.parent / "shared" / "data" / "tatoeba_deu_eng" / "tatoeba.deu-eng.deu"


def texts() -> dict[str, list[str]]:
    news = [s.text for s in read_jsonl(ROOT / "corpus" / "sentences" / "de-dprk-cuba.jsonl", Sentence)]
    short = sorted(TATOEBA.read_text(encoding="utf-8").splitlines()[:64], key=len)
    return {"news (seed article, 16)": news, "short (Tatoeba, 64)": short}


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-speed-"))
    base = load_settings(ROOT / "params.yaml").translate.model_copy(update={"cache_path": work / "t.sqlite"})
    rows = []
    runs = [("llamacpp", 2, 1), ("llamacpp", 1, 1), ("ctranslate2", 2, 1), ("ctranslate2", 2, 16)]
    for runtime, threads, batch in runs:
        settings = base.model_copy(update={"llm_batch_size": batch, "llm_runtime": runtime})
        engine = LLMEngine(settings, threads=threads)
        for name, lines in texts().items():
            start = time.perf_counter()
            engine.translate_texts(lines)
            seconds = time.perf_counter() - start
            row = {"sentences": name, "runtime": runtime, "threads": threads, "batch": batch}
            rows.append({**row, "sent_per_s": len(lines) / seconds})
            print(json.dumps(rows[-1]), flush=True)
        del engine
    print("| sentences | runtime | threads | batch | sentences/s | ratio to the first row |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        reference = next(r for r in rows if r["sentences"] == row["sentences"])["sent_per_s"]
        print(f"| {row['sentences']} | {row['runtime']} | {row['threads']} | {row['batch']} | "
              f"{row['sent_per_s']:.2f} | {row['sent_per_s'] / reference:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
