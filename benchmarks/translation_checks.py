"""False-flag and missed-error rates of each named translation check, on human translations.

False flags: every check run on (German, human English) pairs of Tatoeba de-en
(``../shared/data/tatoeba_deu_eng``, CC BY 2.0 FR): a flag on a human reference is a false flag.
Missed errors: the same references with one error put in by rule, each kind aimed at one check
(a year added, a country added, a number changed, the first name dropped, the prompt example
copied in, a negation added, a family relation added); the share of corrupted lines the aimed check does not flag.
The quality check is left out (it needs the embedder and is measured by translation_quality.py).

    .venv/bin/python benchmarks/translation_checks.py [--lines 1000]
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from pipelines.core.settings import load_settings
from pipelines.engines.translate.glossary import Glossary
from pipelines.engines.translate.translation_checks import CHECKS, Item

ROOT = Path(__file__).resolve().parents[1]
TATOEBA = ROOT.parent / "shared" / "data" / "tatoeba_deu_eng"
EXAMPLE = ("Der Präsident besuchte 1986 Havanna.", "The president visited Havana in 1986.")
COUNTRIES = ["France", "Serbia", "Japan", "Brazil"]


def corruptions(english: str) -> dict[str, str | None]:
    """One corrupted copy per error kind (None where the kind does not apply to the line)."""
    words = re.findall(r"\b[A-Z][a-z]+\b", english)
    names = [w for i, w in enumerate(words) if english.find(w) > 0 and w not in ("I",)]
    number = re.search(r"\d+", english)
    return {
        "added_numbers": english.rstrip(".!?") + " in 1986.",
        "added_names": english.rstrip(".!?") + f" in {COUNTRIES[len(english) % len(COUNTRIES)]}.",
        "missing_numbers": english.replace(number.group(), str(int(number.group()) + 7), 1) if number else None,
        "missing_names": english.replace(names[0], "someone", 1) if names else None,
        "example_leak": english.rstrip(".!?") + ". " + EXAMPLE[1],
        "added_negation": "It is not true that " + english[:1].lower() + english[1:],
        "added_relations": english.rstrip(".!?") + " with his son.",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1000)
    args = parser.parse_args()
    german = (TATOEBA / "tatoeba.deu-eng.deu").read_text(encoding="utf-8").splitlines()[: args.lines]
    english = (TATOEBA / "tatoeba.deu-eng.eng").read_text(encoding="utf-8").splitlines()[: args.lines]
    settings = load_settings(ROOT / "params.yaml").translate
    glossary = Glossary.load(None)
    checks = {name: CHECKS[name](settings) for name in settings.checks if name != "quality"}
    flagged = {name: [] for name in checks}
    any_flag = 0
    for source, reference in zip(german, english, strict=True):
        item = Item(source, reference, 1.0, tuple(glossary.found_in(source)), (EXAMPLE,))
        results = {name: check(item) for name, check in checks.items()}
        any_flag += any(results.values())
        for name, flags in results.items():
            if flags:
                flagged[name].append((source, reference, flags))
    print(f"False flags on {len(german)} human translations (Tatoeba de-en):")
    print("| check | flagged references | rate |")
    print("|---|---|---|")
    for name, rows in flagged.items():
        print(f"| {name} | {len(rows)} | {len(rows) / len(german):.1%} |")
    print(f"| any of them | {any_flag} | {any_flag / len(german):.1%} |")
    for name, rows in flagged.items():
        for source, reference, flags in rows[:3]:
            print(f"  {name}: {source!r} -> {reference!r}: {flags}")
    print("\nMissed errors (one error put in per line, by the check aimed at it):")
    print("| error put in | check | lines | missed | rate |")
    print("|---|---|---|---|---|")
    for kind in corruptions("x"):
        lines = missed = 0
        for source, reference in zip(german, english, strict=True):
            corrupted = corruptions(reference)[kind]
            if corrupted is None:
                continue
            item = Item(source, corrupted, 1.0, tuple(glossary.found_in(source)), (EXAMPLE,))
            lines += 1
            missed += not checks[kind](item)
        print(f"| {kind.replace('_', ' ')} | {kind} | {lines} | {missed} | {missed / max(lines, 1):.1%} |")


if __name__ == "__main__":
    main()
