"""One GGUF, two runtimes: CTranslate2 (the project's, after conversion) vs llama.cpp, same prompt.

Translates the first ``--lines`` Tatoeba German sentences with the llm engine's prompt (system
prompt + example pairs from ``pipelines/engines/translate/data/llm_prompts.yaml``), greedy, one sentence
per request, and prints BLEU/chrF, sentences/s and peak memory. The ``ctranslate2`` runtime runs
in the project's virtualenv; ``llama-cpp`` needs ``llama-cpp-python`` (no wheel for Python 3.11
on PyPI: a 10-17 min source build), so it runs in any Python that has it plus PyYAML and
sacrebleu, without the project installed::

    .venv/bin/python benchmarks/llm_runtimes.py --runtime ctranslate2 --lines 100
    /path/to/llama-venv/bin/python benchmarks/llm_runtimes.py --runtime llama-cpp --lines 100
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import sacrebleu
import yaml

ROOT = Path(__file__).resolve().parents[1]
TATOEBA = ROOT.parent / "shared" / "data" / "tatoeba_deu_eng"
GGUF = ROOT / "models" / "llm" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
PROMPTS = ROOT / "pipelines" / "engines" / "data" / "llm_prompts.yaml"


def with_ctranslate2(texts: list[str], batch_size: int) -> list[str]:
    sys.path.insert(0, str(ROOT))
    from pipelines.core.settings import load_settings
    from pipelines.engines.translate.llm import LLMEngine

    settings = load_settings(ROOT / "params.yaml").translate.model_copy(update={"llm_batch_size": batch_size})
    return LLMEngine(settings, threads=2).translate_texts(texts)


def with_llama_cpp(texts: list[str], batch_size: int) -> list[str]:
    """One request at a time (llama-cpp-python's high-level API has no batched generation)."""
    from llama_cpp import Llama

    prompt = yaml.safe_load(PROMPTS.read_text(encoding="utf-8"))["v1"]
    system = prompt["system"].format(source="German", target="English")
    messages = [{"role": "system", "content": system}]
    for german, english in prompt["examples"]:
        messages += [{"role": "user", "content": german}, {"role": "assistant", "content": english}]
    model = Llama(str(GGUF), n_ctx=1024, n_threads=2, verbose=False, seed=0)
    out = []
    for text in texts:
        budget = 16 + 2 * len(model.tokenize(text.encode("utf-8"), add_bos=False))
        reply = model.create_chat_completion(
            [*messages, {"role": "user", "content": text}], temperature=0.0, top_k=1, max_tokens=budget
        )
        out.append(reply["choices"][0]["message"]["content"].strip())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runtime", choices=["ctranslate2", "llama-cpp"], required=True)
    parser.add_argument("--lines", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=16, help="ctranslate2: sentences per generate call")
    parser.add_argument("--out", type=Path, default=None, help="write the translations here")
    args = parser.parse_args()
    german = (TATOEBA / "tatoeba.deu-eng.deu").read_text(encoding="utf-8").splitlines()[: args.lines]
    english = (TATOEBA / "tatoeba.deu-eng.eng").read_text(encoding="utf-8").splitlines()[: args.lines]
    start = time.perf_counter()
    runtime = with_ctranslate2 if args.runtime == "ctranslate2" else with_llama_cpp
    output = runtime(german, args.batch_size)
    seconds = time.perf_counter() - start  # includes loading the model
    if args.out:
        args.out.write_text("\n".join(output) + "\n", encoding="utf-8")
    figures = {
        "runtime": args.runtime,
        "lines": len(german),
        "bleu": round(sacrebleu.corpus_bleu(output, [english]).score, 1),
        "chrf": round(sacrebleu.corpus_chrf(output, [english]).score, 1),
        "sent_per_s": round(len(german) / seconds, 2),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
