"""Translate stage: German sentences -> ``corpus/translations.jsonl`` (one row per sentence).

Translations are cached by (engine fingerprint, settings, source text), so re-running
after adding a document translates only the new sentences.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from tqdm import tqdm

from pipelines.core.cache import KeyValueCache
from pipelines.core.corpus import in_manifest, load_sentences
from pipelines.core.io import write_jsonl
from pipelines.core.layout import MANIFEST, TRANSLATIONS
from pipelines.core.records import Translation
from pipelines.core.runner import run_command
from pipelines.core.settings import PARAMS_FILE, TranslateSettings, load_settings
from pipelines.engines.translators import Translator, cache_key, resolve_translator


def run(
    sentence_files: list[Path], out: Path, settings: TranslateSettings, engine: Translator | None = None
) -> dict[str, int]:
    sentences = [s for s in load_sentences(sentence_files) if s.lang == settings.source_lang]
    engine = engine or resolve_translator(settings)
    keys = [cache_key(engine, s.text) for s in sentences]
    with KeyValueCache(settings.cache_path, "translations") as store:
        cached = store.get_many(keys)
        todo = [i for i, key in enumerate(keys) if key not in cached]
        fresh: dict[str, str] = {}
        chunk = max(1, settings.batch_size * 4)
        with tqdm(total=len(todo), desc="translate", unit="sent", disable=None) as bar:
            for begin in range(0, len(todo), chunk):
                part = todo[begin : begin + chunk]
                for index, text in zip(part, engine.translate([sentences[i] for i in part]), strict=True):
                    fresh[keys[index]] = text
                bar.update(len(part))
        store.put_many(fresh)
    translations = {**cached, **fresh}
    rows = [
        Translation(
            sent_id=s.sent_id,
            doc_id=s.doc_id,
            src_lang=s.lang,
            tgt_lang=settings.target_lang,
            source=s.text,
            text=translations[key],
            provenance=engine.provenance,
            settings=engine.settings,
        )
        for s, key in zip(sentences, keys, strict=True)
    ]
    write_jsonl(out, rows)
    return {"sentences": len(rows), "translated": len(fresh), "cached": len(rows) - len(fresh)}


def command(
    sentences: list[Path] = typer.Argument(..., help="sentence files (corpus/sentences/*.jsonl)"),
    out: Path = typer.Option(TRANSLATIONS, help="output file"),
    params: Path = typer.Option(PARAMS_FILE, help="parameters file"),
    manifest: Path = typer.Option(MANIFEST, help="only documents listed here are read"),
) -> None:
    """Translate source-language sentences (de→en) with argostranslate, or the labelled gloss offline."""
    typer.echo(json.dumps(run(in_manifest(sentences, manifest), out, load_settings(params).translate)))


if __name__ == "__main__":
    run_command(command)
