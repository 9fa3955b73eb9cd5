"""Sentences/s of the batched translate engine vs one argostranslate translate() call per sentence.

Uses the installed argos de→en package if there is one, else builds the tiny random-weight
package (same code path, nonsense output). Prints the ratio last.

    .venv/bin/python benchmarks/translate_batched_vs_per_sentence.py [--repeat 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from pipelines.core.io import read_jsonl
from pipelines.core.records import Sentence
from pipelines.core.settings import TranslateSettings
from pipelines.engines.translate import models
from pipelines.engines.translate.translators import ArgosEngine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the tiny test-model builder lives under tests/

from tests.helpers.tiny_argos import build_tiny_argosmodel  # noqa: E402


def german_texts(repeat: int) -> list[str]:
    sentences = ROOT / "corpus" / "sentences" / "de-dprk-cuba.jsonl"
    if sentences.exists():
        texts = [s.text for s in read_jsonl(sentences, Sentence)]
    else:  # before the first `dvc repro`: one line per paragraph is close enough
        texts = (ROOT / "seeds" / "002_819e1095e51f7057.txt").read_text().splitlines()
    return texts * repeat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="copies of the German article's sentences")
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-translate-"))
    packages = ROOT / "models" / "argos"
    info = models.find_argos_package("de", "en", packages)
    if info is None:
        lines = [line for seed in (ROOT / "seeds").glob("*.txt") for line in seed.read_text().splitlines() if line]
        tokenizer = ROOT / "models" / "stanza" / "de" / "tokenize" / "gsd_dev.pt"
        model = build_tiny_argosmodel(work / "tiny.argosmodel", lines, tokenizer, work / "build")
        packages = work / "argos"
        info = models.install_argos_from_path(model, packages)[0]
    texts = german_texts(args.repeat)
    print(f"model: {info.name}; sentences: {len(texts)}")

    engine = ArgosEngine(info, TranslateSettings(batch_size=args.batch_size, packages_dir=packages))
    start = time.perf_counter()
    engine.translate_texts(texts)
    batched = len(texts) / (time.perf_counter() - start)

    argos = models.argos(packages)
    argos.translate.translate(texts[0], "de", "en")  # load the model outside the timing, as above
    start = time.perf_counter()
    for text in texts:
        argos.translate.translate(text, "de", "en")
    single = len(texts) / (time.perf_counter() - start)

    print(f"batched engine: {batched:.2f} sentences/s")
    print(f"argostranslate.translate() per sentence: {single:.2f} sentences/s")
    print(f"speed-up batched/per-sentence: {batched / single:.2f}x")


if __name__ == "__main__":
    main()
