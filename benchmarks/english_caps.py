"""English tagging on sentences in capitals: what the recasing rule (``engines/truecase.py``) gives.

.venv/bin/python benchmarks/english_caps.py

No English NER gold is in ``../shared/data``, so this measures robustness to case, not accuracy:
each sentence is tagged as written (the reference), then in capitals without and with the rule,
through the tag stage's own English pipeline (``tagger.build_tagger("en")``: the stanza
``spacymodel`` variants). Printed: agreement with the reference (exact token spans and labels;
P, R, F1), overall and for ORG, and how often the rule fires on the sentences as written (it
must not: there it could only change what the reference found).

Texts: the English seed sentences in ``corpus/sentences`` (public Wikipedia pages, CC BY-SA),
PETRARCH-2's validation sentences (news; ``../shared/data/petrarch_validation``) and the Tatoeba
English sentences (CC BY 2.0 FR; ``../shared/data/tatoeba_deu_eng``), never copied.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.core.bio import bioes  # noqa: E402
from pipelines.core.settings import load_settings  # noqa: E402
from pipelines.engines.ner import truecase  # noqa: E402
from pipelines.engines.ner.stanza_variants import _spacy_english  # noqa: E402
from pipelines.engines.ner.tagger import build_tagger  # noqa: E402
from pipelines.training.scoring import score  # noqa: E402


def texts(data: Path) -> dict[str, list[str]]:
    files = sorted((ROOT / "corpus" / "sentences").glob("en-*.jsonl"))
    seeds = [json.loads(line)["text"] for path in files for line in path.open(encoding="utf-8")]
    xml = (data / "petrarch_validation" / "PETR2_GSR_validation.xml").read_text(encoding="utf-8")
    news = [" ".join(t.split()) for t in re.findall(r"<Text>(.*?)</Text>", xml, re.S)]
    tatoeba = (data / "tatoeba_deu_eng" / "tatoeba.deu-eng.eng").read_text(encoding="utf-8").splitlines()
    return {"seed pages + PETRARCH news": seeds + news, "Tatoeba": tatoeba}


def tagged(nlp: object, sentences: list[list[str]]) -> list[list[str]]:
    """The English tagger's entities per sentence, as BIOES tags (what the project's scorer reads)."""
    document = nlp(sentences)
    return [
        bioes(len(words), sorted((e.tokens[0].id[0] - 1, e.tokens[-1].id[-1], e.type) for e in parsed.ents))
        for words, parsed in zip(sentences, document.sentences, strict=True)
    ]


def shown(scores: dict | None) -> str:
    scores = scores or {"precision": 0.0, "recall": 0.0, "f1": 0.0, "gold": 0}
    return f"P {scores['precision']:.3f} R {scores['recall']:.3f} F1 {scores['f1']:.3f} (of {scores['gold']})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    nlp = build_tagger("en", load_settings(ROOT / "params.yaml").tag).nlp
    tokenizer, rule = _spacy_english().tokenizer, truecase.is_all_caps
    for name, lines in texts(args.data).items():
        written = [[t.text for t in tokenizer(line)] for line in lines if line.strip()]
        capitals = [[w.upper() for w in words] for words in written]
        fires = sum(1 for words in written if rule(words))
        reference = tagged(nlp, written)
        with_rule = tagged(nlp, capitals)
        truecase.is_all_caps = lambda words: False  # the English tagger without the rule
        without_rule = tagged(nlp, capitals)
        truecase.is_all_caps = rule
        print(f"{name}: {len(written)} sentences, rule fires on {fires} as written")
        for label, found in (("capitals, no rule", without_rule), ("capitals, recased", with_rule)):
            scores = score(reference, found)  # agreement with the tagging as written
            print(f"  {label}: all {shown(scores)}; ORG {shown(scores['per_type'].get('ORG'))}")


if __name__ == "__main__":
    main()
