"""Tag stage: named entities and PLOVER/CAMEO events for every sentence, through stanza.

Reads sentences, translations and alignments; analyses each language with one stanza
pipeline (engines); types German names by projection and codes events (tagging), German ones
also through their English translation.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import typer

from pipelines.core.cache import KeyValueCache
from pipelines.core.corpus import in_manifest, load_alignments, load_sentences, load_translations
from pipelines.core.errors import StageError
from pipelines.core.hashing import content_key
from pipelines.core.io import write_json, write_jsonl
from pipelines.core.layout import ALIGNMENTS, ENTITIES, EVENTS, MANIFEST, SENTENCES, TAG_METRICS, TRANSLATIONS
from pipelines.core.records import (
    Provenance,
    Sentence,
    SentenceEntities,
    SentenceEvents,
    Translation,
)
from pipelines.core.settings import PARAMS_FILE, ExecutorSettings, TagSettings, load_settings
from pipelines.engines.ner.tagger import (
    Analysis,
    TaggerPlan,
    analyse,
    analysis_fields,
    analysis_from_fields,
    build_tagger,
    plan_tagger,
)
from pipelines.run.contract import StageContract
from pipelines.run.executor import make_executor
from pipelines.run.runner import run_command
from pipelines.tagging.corpus import corpus_entities, corpus_events
from pipelines.tagging.events_en import coder_for
from pipelines.tagging.events_via_english import english_sentence

CONTRACT = StageContract(
    "tag",
    deps=(MANIFEST, SENTENCES, TRANSLATIONS, ALIGNMENTS, "${tag.trained_ner}"),
    outs=(ENTITIES, EVENTS),
    metrics=(TAG_METRICS,),
    params=("tag",),
)


def aligned_targets(alignments_path: Path | None) -> dict[str, list[str]]:
    """English sentence ids each German sentence is matched to."""
    aligned: dict[str, list[str]] = defaultdict(list)
    if alignments_path and Path(alignments_path).exists():
        for row in load_alignments(alignments_path):
            if row.status == "match":
                for src in row.src_ids:
                    aligned[src] += row.tgt_ids
    return aligned


class AnalyseWork:
    """Runs one language's stanza pipeline (loaded once per process, Ray actor or warm server).

    ``planned`` is the engine the stage planned (with the trained model's sha256): a pipeline
    that loads anything else is an error, and a warm server keyed on it reloads a retrained model.
    """

    def __init__(self, lang: str, settings: TagSettings, planned: Provenance) -> None:
        self.tagger = build_tagger(lang, settings)
        if self.tagger.provenance != planned:
            raise StageError(f"tag {lang}: loaded {self.tagger.provenance.model} but planned {planned.model}")

    def __call__(self, batch: list[str]) -> list[str]:
        sentences = [Sentence.model_validate_json(item) for item in batch]
        return [json.dumps(analysis_fields(a), ensure_ascii=False) for a in analyse(self.tagger, sentences)]


def analyse_cached(
    by_lang: dict[str, list[Sentence]], plans: dict[str, TaggerPlan], settings: TagSettings, executor: ExecutorSettings
) -> dict[str, Analysis]:
    """Stanza analyses of every sentence, from the cache (keyed by engine and tokens) where it
    has them: after adding a document only its sentences go through the pipelines."""
    analyses: dict[str, Analysis] = {}
    with KeyValueCache(settings.cache_dir / "analyses.sqlite", "analyses") as store:
        for lang, group in by_lang.items():
            engine = plans[lang].provenance.model_dump(mode="json")
            keys = [content_key(engine, lang, [t.text for t in s.tokens]) for s in group]
            found = store.get_many(keys)
            todo = [i for i, key in enumerate(keys) if key not in found]
            payloads = [group[i].model_dump_json() for i in todo]
            work = (AnalyseWork, (lang, settings, plans[lang].provenance))
            fresh = list(make_executor(executor).map(*work, payloads, settings.batch_size, f"tag {lang}"))
            computed = {keys[i]: result for i, result in zip(todo, fresh, strict=True)}
            store.put_many(computed)
            found.update(computed)
            for sentence, key in zip(group, keys, strict=True):
                analyses[sentence.sent_id] = analysis_from_fields(sentence, json.loads(found[key]))
    return analyses


def translations_analysed(
    german: list[Sentence],
    translations: dict[str, Translation],
    english: TaggerPlan,
    settings: TagSettings,
    executor: ExecutorSettings,
) -> dict[str, Analysis]:
    """The English analysis of each German sentence's translation, by German sentence id; cached
    like the corpus's own, so a re-run parses only new translations."""
    usable = [s for s in german if s.sent_id in translations and translations[s.sent_id].text.strip()]  # not rejected
    english_of = {s.sent_id: english_sentence(s, translations[s.sent_id]) for s in usable}
    parsed = analyse_cached({"en": list(english_of.values())}, {"en": english}, settings, executor)
    return {sent_id: parsed[sentence.sent_id] for sent_id, sentence in english_of.items()}


def run(
    sentence_files: list[Path],
    translations_path: Path | None,
    alignments_path: Path | None,
    entities_out: Path,
    events_out: Path,
    metrics_path: Path,
    settings: TagSettings,
    *,
    executor: ExecutorSettings | None = None,
) -> dict[str, Any]:
    """Entities and events of every sentence: both languages parsed once (cached), English
    entities from the tagger, German ones from the trained model or projection, English events
    from the CAMEO coder, German events from the rules and/or the translation
    (``german_events``); writes one entity row and one event row per sentence and returns the
    metrics."""
    sentences = load_sentences(sentence_files)
    translations = load_translations(translations_path)
    aligned = aligned_targets(alignments_path)
    by_lang: dict[str, list[Sentence]] = defaultdict(list)
    for sentence in sentences:
        by_lang[sentence.lang].append(sentence)
    unknown = set(by_lang) - {"de", "en"}
    if unknown:
        raise StageError(f"tag supports de and en sentences; found {', '.join(sorted(unknown))}")
    executor = executor or ExecutorSettings()
    coder = coder_for(settings)  # built once for the run
    translated_german = any(s.sent_id in translations for s in by_lang.get("de", []))  # parsed in English
    needed = set(by_lang) | ({"en"} if translated_german else set())
    taggers = {lang: plan_tagger(lang, settings) for lang in sorted(needed)}
    analyses = analyse_cached(by_lang, taggers, settings, executor)
    translated = {}
    if translated_german:
        translated = translations_analysed(by_lang["de"], translations, taggers["en"], settings, executor)
    engines = {lang: plan.provenance.engine for lang, plan in taggers.items()}
    entity_rows, projector = corpus_entities(by_lang, analyses, engines, (translations, aligned, translated))
    event_rows, discarded = corpus_events(
        sentences, analyses, entity_rows, translations, translated, projector, coder, settings, engines.get("en")
    )
    entity_records, event_records = [], []
    for sentence in sentences:
        header = {
            "sent_id": sentence.sent_id,
            "doc_id": sentence.doc_id,
            "lang": sentence.lang,
            "text": sentence.text,
            "provenance": taggers[sentence.lang].provenance,
        }
        entity_records.append(SentenceEntities(**header, entities=entity_rows[sentence.sent_id]))
        event_records.append(SentenceEvents(**header, events=event_rows[sentence.sent_id]))
    write_jsonl(entities_out, entity_records)
    write_jsonl(events_out, event_records)
    figures = {**tag_metrics(entity_records, event_records), "discarded_sentences": len(discarded)}
    write_json(metrics_path, figures)
    return figures


def tag_metrics(entities: list[SentenceEntities], events: list[SentenceEvents]) -> dict[str, Any]:
    entity_counts: dict[str, Counter] = defaultdict(Counter)
    sources: Counter = Counter()
    for row in entities:
        for entity in row.entities:
            entity_counts[row.lang][entity.label] += 1
            if row.lang == "de":
                sources[entity.type_source.summary] += 1
    event_counts: dict[str, Counter] = defaultdict(Counter)
    for row in events:
        for event in row.events:
            event_counts[row.lang][event.type] += 1
    return {
        "entities": {lang: dict(sorted(c.items())) for lang, c in sorted(entity_counts.items())},
        "events": {lang: dict(sorted(c.items())) for lang, c in sorted(event_counts.items())},
        "german_type_sources": dict(sorted(sources.items())),
    }


def command(
    sentences: list[Path] = typer.Argument(..., help="sentence files (corpus/sentences/*.jsonl)"),
    translations: Path = typer.Option(TRANSLATIONS, help="translate stage output"),
    alignments: Path = typer.Option(ALIGNMENTS, help="align stage output"),
    entities: Path = typer.Option(ENTITIES, help="entities output"),
    events: Path = typer.Option(EVENTS, help="events output"),
    metrics_out: Path = typer.Option(TAG_METRICS, "--metrics", help="DVC metrics file"),
    params: Path = typer.Option(PARAMS_FILE, help="parameters file"),
    manifest: Path = typer.Option(MANIFEST, help="only documents listed here are read"),
) -> None:
    """Tag entities (one label set for de/en) and PLOVER events with trigger and argument spans."""
    settings = load_settings(params)
    sentences = in_manifest(sentences, manifest)
    figures = run(
        sentences, translations, alignments, entities, events, metrics_out, settings.tag, executor=settings.executor
    )
    typer.echo(json.dumps(figures))


if __name__ == "__main__":
    run_command(command)
