"""German NER on the held-out part of GermEval 2014 (``../shared/data/germeval2014``, CC BY 4.0).

.venv/bin/python benchmarks/german_ner.py [--model corpus/models/ner-de] [--limit N]

The held-out part is the train-ner stage's own (``params.yaml: train_ner``: every 5th
sentence), never trained on. Sentences are rebuilt from the gold tokens and go through the
tag stage's German code (stanza pipeline, entity typing), three ways:

- ``trained``: the train-ner stage's model (``tag.trained_ner``: CRF or stanza), its types as they stand;
- ``untrained``: today's fallback, HanTa's name chunks typed by projection (the English NER
  over the word-by-word gloss, state nouns), untyped chunks MISC;
- ``trained + projection``: the model, plus HanTa chunks it did not tag, where projection
  types them (the second opinion; never overriding the model).

Labels are compared as GermEval's: GPE/LOC -> LOC, NORP/EVENT/MISC -> OTH. Prints exact-span
precision/recall/F1 per type, micro and untyped, names only (deriv/part tags dropped).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.core.records import Provenance, Sentence, Translation  # noqa: E402
from pipelines.core.settings import ExecutorSettings, load_settings  # noqa: E402
from pipelines.engines.ner.ner_model import trained_model  # noqa: E402
from pipelines.engines.ner.tagger import analyse, build_tagger  # noqa: E402
from pipelines.engines.translate.translation_checks import TranslationChecker  # noqa: E402
from pipelines.stages.translate import translate_sentences  # noqa: E402
from pipelines.tagging.entities import Projector  # noqa: E402
from pipelines.tagging.events_via_english import english_sentence  # noqa: E402
from pipelines.tagging.labels import unify_label  # noqa: E402
from pipelines.training.scoring import score, spans  # noqa: E402
from pipelines.training.tagged import read_germeval, split  # noqa: E402

TO_GERMEVAL = {"PER": "PER", "LOC": "LOC", "GPE": "LOC", "ORG": "ORG", "NORP": "OTH", "EVENT": "OTH", "MISC": "OTH"}
UNTYPED_SOURCES = ("untyped",)


def rebuild(tokens: tuple[str, ...], k: int) -> Sentence:
    spans, position = [], 0
    for token in tokens:
        spans.append({"text": token, "start": position, "end": position + len(token)})
        position += len(token) + 1
    return Sentence(
        sent_id=f"held-out:{k}", doc_id="germeval", para_id="p0", index=k, lang="de", text=" ".join(tokens),
        start=0, end=position - 1, section=[], tokens=spans,
        provenance=Provenance(engine="gold-tokens", model="GermEval 2014", version="-"),
    )  # fmt: skip


def tags_of(n: int, entities: list[tuple[int, int, str]]) -> list[str]:
    tags = ["O"] * n
    for start, end, label in sorted(entities):
        if any(t != "O" for t in tags[start:end]):
            continue
        tags[start:end] = [f"B-{label}"] + [f"I-{label}"] * (end - start - 1)
    return tags


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="trained model folder [tag.trained_ner]")
    parser.add_argument("--limit", type=int, default=0, help="score the first N held-out sentences (0: all)")
    parser.add_argument("--translator", default="gloss", help="de->en engine projection reads: gloss | llm")
    parser.add_argument("--trained-only", action="store_true", help="score and time the trained model alone")
    args = parser.parse_args()
    settings = load_settings(ROOT / "params.yaml")
    held_out = split(
        read_germeval(settings.train_ner.germeval), settings.train_ner.held_out_every, settings.train_ner.dev_every
    ).held_out[: args.limit or None]
    sentences = [rebuild(s.tokens, k) for k, s in enumerate(held_out)]
    gold = [list(s.tags) for s in held_out]
    results: dict[str, dict] = {}
    timings: dict[str, float] = {}

    model = args.model or settings.tag.trained_ner
    untrained = settings.tag.model_copy(update={"trained_ner": None})
    projected: list[list[tuple[int, int, str, str]]] = []
    if not args.trained_only:
        began = time.perf_counter()
        hanta = analyse(build_tagger("de", untrained), sentences)
        translate_settings = settings.translate.model_copy(update={"engine": args.translator})
        checker = TranslationChecker(translate_settings)
        result = translate_sentences(sentences, translate_settings, ExecutorSettings(), checker)
        translations = {
            s.sent_id: Translation(sent_id=s.sent_id, doc_id=s.doc_id, src_lang="de", tgt_lang="en", source=s.text,
                                   text=text, provenance=result.info.provenance, settings={})
            for s, text in zip(sentences, result.texts, strict=True)
        }  # fmt: skip
        english = {s.sent_id: english_sentence(s, translations[s.sent_id]) for s in sentences}
        english = {sent_id: e for sent_id, e in english.items() if e.tokens}  # a rejected row has no text
        parsed = analyse(build_tagger("en", settings.tag), list(english.values()))
        projector = Projector({}, translations, {}, dict(zip(english, parsed, strict=True)))
        projected = []
        for analysis in hanta:
            typed = []
            for start, end, _ in analysis.raw_entities:
                text = " ".join(t.text for t in analysis.sentence.tokens[start:end])
                label, source = projector.type_of(analysis.sentence.sent_id, text)
                typed.append((start, end, TO_GERMEVAL.get(label, "OTH"), source))
            projected.append(typed)
        results["untrained (HanTa chunks + projection)"] = score(
            gold, [tags_of(len(s.tokens), [e[:3] for e in p]) for s, p in zip(sentences, projected, strict=True)]
        )
        timings["untrained (HanTa chunks + projection)"] = time.perf_counter() - began

    if trained_model(model) is not None:
        began = time.perf_counter()
        trained = analyse(build_tagger("de", settings.tag.model_copy(update={"trained_ner": model})), sentences)
        model_entities = [
            [(e[0], e[1], TO_GERMEVAL.get(unify_label(e[2]) or "MISC", "OTH")) for e in a.raw_entities] for a in trained
        ]
        results["trained"] = score(
            gold, [tags_of(len(s.tokens), m) for s, m in zip(sentences, model_entities, strict=True)]
        )
        timings["trained"] = time.perf_counter() - began
        combined = []
        for sentence, found, chunks in zip(sentences, model_entities, projected or [[]] * len(sentences), strict=True):
            taken = {k for start, end, _ in found for k in range(start, end)}
            extra = [
                (start, end, label)
                for start, end, label, source in chunks
                if source not in UNTYPED_SOURCES and not taken & set(range(start, end))
            ]
            combined.append(tags_of(len(sentence.tokens), found + extra))
        if projected:
            results["trained + projection"] = score(gold, combined)
    else:
        print(f"no trained model in {model}: run `dvc repro train-ner` first", file=sys.stderr)

    print(f"GermEval 2014 held-out: {len(sentences)} sentences, {sum(len(spans(g)) for g in gold)} names")
    print(f"{'system':40} {'P':>6} {'R':>6} {'F1':>6} {'untyped F1':>10}  per-type F1")
    for name, scores in results.items():
        per_type = " ".join(f"{k} {v['f1']:.3f}" for k, v in scores["per_type"].items())
        print(
            f"{name:40} {scores['precision']:6.3f} {scores['recall']:6.3f} {scores['f1']:6.3f} "
            f"{scores['untyped']['f1']:10.3f}  {per_type}"
        )
    print(json.dumps({"timings_s": {k: round(v, 1) for k, v in timings.items()}}))
    print(json.dumps({"sentences_per_s": {k: round(len(sentences) / v, 1) for k, v in timings.items()}}))


if __name__ == "__main__":
    main()
