"""German events on the seed article: German rules, the English coder on the translation, or both.

.venv/bin/python benchmarks/german_events.py   (after ``dvc repro``: reads corpus/sentences and
corpus/translations.jsonl, the translate stage's output as params.yaml configures it)

Runs ``stages/tag.run`` on the seed article's German sentences once per ``tag.german_events``
setting and compares the PLOVER types of each sentence with the project's own reading of the
article (``REFERENCE`` below: the visits, receptions, meetings and support the article reports;
written by the project, not a public gold set, so it is a check of the three set-ups against
each other, not a score to compare with other systems). Prints per set-up precision, recall
and F1 over (sentence, type) pairs, and how many events carry an actor code.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.core.io import read_jsonl  # noqa: E402
from pipelines.core.records import SentenceEvents, Translation  # noqa: E402
from pipelines.core.settings import load_settings  # noqa: E402
from pipelines.stages import tag  # noqa: E402

ARTICLE = ROOT / "corpus" / "sentences" / "de-dprk-cuba.jsonl"
TRANSLATIONS = ROOT / "corpus" / "translations.jsonl"
# sentence fragment -> PLOVER types of the events it reports (the project's reading)
REFERENCE = {
    "nahmen vor 60 Jahren": {"SUPPORT"},  # established diplomatic relations (CAMEO 054)
    "Das kubanische Volk hatte sich": set(),  # a domestic revolution: no interstate event
    "hatte die kubanische Revolution solidarisch unterstützt": {"SUPPORT"},
    "begründeten die militante revolutionäre Freundschaft": {"SUPPORT"},
    "Kuba unterstützt seither aktiv": {"SUPPORT"},
    "besuchte der kubanische Revolutionär": {"CONSULT"},
    "Präsident Kim Il Sung empfing ihn herzlich": {"CONSULT"},
    "Che Guevara war ein grosser Bewunderer": {"SUPPORT"},  # praised Korea (051)
    "Im Oktober 1966 empfing": {"CONSULT"},
    "Im Mai 1980 traf": {"CONSULT"},
    "Den Höhepunkt der Freundschaft": {"CONSULT"},
    "trafen zu herzlichen und kameradschaftlichen Gesprächen": {"CONSULT", "SUPPORT"},  # met; solidarity
    "stattete der kubanische Präsident": {"CONSULT"},
    "Der Vorsitzende Kim Jong Un empfing": {"CONSULT"},
    "werden sich auch in Zukunft gegenseitig solidarisch unterstützen": {"SUPPORT"},
    "ewig währen": set(),
}
SETUPS = {"rules": ["rules"], "translation": ["translation"], "rules + translation": ["rules", "translation"]}


def reference_for(text: str) -> set[str]:
    found = [types for fragment, types in REFERENCE.items() if fragment in text]
    if len(found) != 1:
        raise SystemExit(f"{ARTICLE}: sentence {text[:60]!r} matches {len(found)} reference fragments")
    return found[0]


def main() -> None:
    if not (ARTICLE.exists() and TRANSLATIONS.exists()):
        raise SystemExit(f"{ARTICLE} or {TRANSLATIONS} missing: run `dvc repro` first")
    settings = load_settings(ROOT / "params.yaml")
    engines = {t.provenance.engine for t in read_jsonl(TRANSLATIONS, Translation) if t.doc_id == "de-dprk-cuba"}
    print(f"translation engine: {', '.join(sorted(engines))}")
    for name, sources in SETUPS.items():
        tag_settings = settings.tag.model_copy(update={"german_events": sources})
        with tempfile.TemporaryDirectory() as work:
            out = Path(work)
            tag.run([ARTICLE], TRANSLATIONS, None, out / "e.jsonl", out / "v.jsonl", out / "m.json", tag_settings)
            rows = list(read_jsonl(out / "v.jsonl", SentenceEvents))
        tp = fp = fn = coded = total = 0
        for row in rows:
            gold, predicted = reference_for(row.text), {e.type for e in row.events if not e.negated}
            tp, fp, fn = tp + len(gold & predicted), fp + len(predicted - gold), fn + len(gold - predicted)
            total += len(row.events)
            coded += sum(any(a.code for a in e.actor) for e in row.events)
        precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
        f1 = 2 * precision * recall / max(1e-9, precision + recall)
        print(
            f"{name:>20}: P {precision:.2f} R {recall:.2f} F1 {f1:.2f} (tp {tp} fp {fp} fn {fn}); "
            f"{total} events, {coded} with an actor code"
        )


if __name__ == "__main__":
    main()
