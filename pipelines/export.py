"""Export stage: corpus + pulled human corrections -> hub-ready Hugging Face dataset and more.

Writes ``dist/dataset/`` (parquet under ``data/<config>/train-00000-of-00001.parquet`` and a
``README.md`` dataset card whose YAML declares ``configs`` and ``dataset_info`` for every
config, so ``datasets.load_dataset("dist/dataset", "<config>")`` works offline), plus
``dist/de-en.tmx`` (TMX 1.4 via translate-toolkit), Moses line-parallel files and a TSV.
Human annotations pulled from Label Studio win over predictions, per item, and every row
says which it is. ``corpus publish`` uploads the folder with ``huggingface_hub``.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import typer

from pipelines import annotate
from pipelines.align import Alignment
from pipelines.config import StageError, stage_params
from pipelines.records import Document, Sentence, read_json, read_jsonl, write_json
from pipelines.tag import SentenceEntities, SentenceEvents, event_rules, label_map, normalise_date

ENTITY_LABELS: list[str] = label_map()["labels"]
BIO_NAMES = ["O"] + [f"{prefix}-{label}" for label in ENTITY_LABELS for prefix in ("B", "I")]
EVENT_TYPES: list[str] = event_rules()["plover_types"]
SPLIT = "train"


# --- features ---------------------------------------------------------------------------------


def features() -> dict[str, Any]:
    from datasets import ClassLabel, Features, List, Translation, Value

    span = {"start": Value("int32"), "end": Value("int32"), "text": Value("string")}
    return {
        "parallel": Features(
            {
                "align_id": Value("string"),
                "translation": Translation(languages=["de", "en"]),
                "machine_translation": Value("string"),
                "translation_engine": Value("string"),
                "score": Value("float32"),
                "scores": {"cosine": Value("float32"), "chrf_mt": Value("float32"), "margin": Value("float32")},
                "method": Value("string"),
                "embedding_model": Value("string"),
                "de_doc": Value("string"),
                "en_doc": Value("string"),
                "de_ids": List(Value("string")),
                "en_ids": List(Value("string")),
                "source": Value("string"),
                "verdict": Value("string"),
            }
        ),
        "alignments": Features(
            {
                "align_id": Value("string"),
                "status": Value("string"),
                "de": Value("string"),
                "en_candidate": Value("string"),
                "machine_translation": Value("string"),
                "translation_engine": Value("string"),
                "score": Value("float32"),
                "mutual_best": Value("bool"),
                "de_doc": Value("string"),
                "en_doc": Value("string"),
                "method": Value("string"),
                "source": Value("string"),
                "verdict": Value("string"),
            }
        ),
        "ner": Features(
            {
                "sent_id": Value("string"),
                "doc_id": Value("string"),
                "lang": Value("string"),
                "text": Value("string"),
                "tokens": List(Value("string")),
                "ner_tags": List(ClassLabel(names=BIO_NAMES)),
                "spans": List({**span, "label": ClassLabel(names=ENTITY_LABELS), "type_source": Value("string")}),
                "source": Value("string"),
            }
        ),
        "events": Features(
            {
                "sent_id": Value("string"),
                "doc_id": Value("string"),
                "lang": Value("string"),
                "text": Value("string"),
                "events": List(
                    {
                        "type": ClassLabel(names=EVENT_TYPES),
                        "mode": Value("string"),
                        "cameo": Value("string"),
                        "trigger": span,
                        "arguments": List({**span, "role": Value("string")}),
                        "date": {"text": Value("string"), "iso": Value("string"), "granularity": Value("string")},
                        "negated": Value("bool"),
                        "historical": Value("bool"),
                    }
                ),
                "source": Value("string"),
            }
        ),
        "documents": Features(
            {
                "doc_id": Value("string"),
                "lang": Value("string"),
                "title": Value("string"),
                "text": Value("string"),
                "sections": List({"section": List(Value("string")), "kind": Value("string"), **span}),
                "source": Value("string"),
                "url": Value("string"),
                "licence": Value("string"),
            }
        ),
    }


# --- rows --------------------------------------------------------------------------------------


def _choice(result: list[dict], control: str) -> str | None:
    return next((r["value"]["choices"][0] for r in result if r.get("from_name") == control), None)


def alignment_rows(rows: list[Alignment], merged: dict[str, tuple[str, Any]]) -> tuple[list[dict], list[dict]]:
    parallel, everything = [], []
    for row in rows:
        source, result = merged[row.align_id]
        verdict = _choice(result, "verdict") if source == "human" else None
        candidate_ids, candidate_doc, candidate = row.candidate()
        candidate = candidate or ""
        common = {
            "align_id": row.align_id,
            "machine_translation": row.translation,
            "translation_engine": row.translation_engine,
            "score": row.score,
            "method": row.method,
            "de_doc": row.src_doc,
            "en_doc": candidate_doc,
            "source": source,
            "verdict": verdict,
        }
        everything.append(
            {
                **{
                    k: common[k]
                    for k in (
                        "align_id",
                        "machine_translation",
                        "translation_engine",
                        "score",
                        "method",
                        "de_doc",
                        "en_doc",
                        "source",
                        "verdict",
                    )
                },
                "status": row.status,
                "de": row.src_text,
                "en_candidate": candidate,
                "mutual_best": bool(row.components.get("mutual_best", 1.0)),
            }
        )
        accepted = verdict in ("correct", "partial") if source == "human" else row.status == "match"
        if accepted and candidate:
            parallel.append(
                {
                    **common,
                    "translation": {"de": row.src_text, "en": candidate},
                    "scores": {k: row.components.get(k) for k in ("cosine", "chrf_mt", "margin")},
                    "embedding_model": row.embedding_model,
                    "de_ids": row.src_ids,
                    "en_ids": candidate_ids,
                }
            )
    return parallel, everything


def spans_from_result(result: list[dict], control: str) -> list[dict]:
    return [
        {
            "start": r["value"]["start"],
            "end": r["value"]["end"],
            "text": r["value"]["text"],
            "label": r["value"]["labels"][0],
            "id": r["id"],
        }
        for r in result
        if r.get("from_name") == control and r.get("value", {}).get("labels")
    ]


def bio_tags(sentence: Sentence, spans: list[dict]) -> list[str]:
    tags = ["O"] * len(sentence.tokens)
    for span in sorted(spans, key=lambda s: (s["start"], -s["end"])):
        inside = [k for k, t in enumerate(sentence.tokens) if t.start < span["end"] and t.end > span["start"]]
        if not inside or any(tags[k] != "O" for k in inside):
            continue
        tags[inside[0]] = f"B-{span['label']}"
        for k in inside[1:]:
            tags[k] = f"I-{span['label']}"
    return tags


def ner_row(sentence: Sentence, entities: SentenceEntities, source: str, result: list[dict] | None) -> dict:
    if result is None:
        spans = [
            {"start": e.start, "end": e.end, "text": e.text, "label": e.label, "type_source": e.type_source}
            for e in entities.entities
        ]
    else:
        spans = [{**s, "type_source": "human"} for s in spans_from_result(result, "entities")]
        for span in spans:
            span.pop("id")
    return {
        "sent_id": sentence.sent_id,
        "doc_id": sentence.doc_id,
        "lang": sentence.lang,
        "text": sentence.text,
        "tokens": [t.text for t in sentence.tokens],
        "ner_tags": bio_tags(sentence, spans),
        "spans": spans,
        "source": source,
    }


def _span(value: Any) -> dict:
    return {"start": value.start, "end": value.end, "text": value.text}


def events_from_predictions(row: SentenceEvents) -> list[dict]:
    events = []
    for event in row.events:
        arguments = [{**_span(a), "role": "actor"} for a in event.actor]
        arguments += [{**_span(a), "role": "recipient"} for a in event.recipient]
        if event.location:
            arguments.append({**_span(event.location), "role": "place"})
        if event.date:
            arguments.append({**_span(event.date), "role": "time"})
        date = (
            {"text": event.date.text, "iso": event.date.iso, "granularity": event.date.granularity}
            if event.date
            else None
        )
        events.append(
            {
                "type": event.type,
                "mode": event.mode,
                "cameo": event.cameo,
                "trigger": _span(event.trigger),
                "arguments": arguments,
                "date": date,
                "negated": event.negated,
                "historical": event.historical,
            }
        )
    return events


def events_from_result(result: list[dict], lang: str) -> list[dict]:
    """Events as an annotator left them: triggers, relations to argument spans, per-region details."""
    regions = {s["id"]: s for s in spans_from_result(result, "entities") + spans_from_result(result, "triggers")}
    details: dict[str, dict] = {}
    for r in result:
        if r.get("from_name") in ("cameo", "mode", "flags"):
            value = r["value"]
            details.setdefault(r["id"], {})[r["from_name"]] = value.get("choices") or value.get("text")
    events = []
    for trigger in spans_from_result(result, "triggers"):
        arguments = []
        for relation in (r for r in result if r.get("type") == "relation" and r["from_id"] == trigger["id"]):
            target = regions.get(relation["to_id"])
            if target is not None:
                for role in relation.get("labels") or ["argument"]:
                    arguments.append(
                        {"start": target["start"], "end": target["end"], "text": target["text"], "role": role}
                    )
        time = next((a for a in arguments if a["role"] == "time"), None)
        date = None
        if time is not None:
            iso, granularity = normalise_date(time["text"], lang)
            date = {"text": time["text"], "iso": iso, "granularity": granularity}
        extra = details.get(trigger["id"], {})
        flags = extra.get("flags") or []
        events.append(
            {
                "type": trigger["label"],
                "mode": (extra.get("mode") or [None])[0],
                "cameo": (extra.get("cameo") or [None])[0],
                "trigger": {k: trigger[k] for k in ("start", "end", "text")},
                "arguments": arguments,
                "date": date,
                "negated": "negated" in flags,
                "historical": "historical" in flags,
            }
        )
    return events


def document_row(document: Document) -> dict:
    return {
        "doc_id": document.doc_id,
        "lang": document.lang,
        "title": document.title,
        "text": document.text,
        "sections": [
            {"section": p.section, "kind": p.kind, "start": p.start, "end": p.end, "text": p.text}
            for p in document.paragraphs
        ],
        "source": document.source,
        "url": document.url,
        "licence": document.licence,
    }


# --- writing ---------------------------------------------------------------------------------------


def write_config(out: Path, name: str, rows: list[dict], feature_set: Any) -> Any:
    from datasets import Dataset, SplitDict, SplitInfo

    dataset = Dataset.from_list(rows, features=feature_set)
    path = out / "data" / name / f"{SPLIT}-00000-of-00001.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    dataset.to_parquet(str(path))
    info = dataset.info.copy()
    info.splits = SplitDict()
    info.splits.add(SplitInfo(name=SPLIT, num_bytes=path.stat().st_size, num_examples=len(dataset)))
    info.dataset_size = path.stat().st_size
    return info


def write_tmx(path: Path, pairs: list[dict]) -> None:
    from lxml import etree
    from translate.storage.tmx import tmxfile

    store = tmxfile(sourcelanguage="de", targetlanguage="en")
    for pair in pairs:
        unit = store.addsourceunit(pair["translation"]["de"])
        unit.target = pair["translation"]["en"]
        for name, value in (
            ("x-score", pair["score"]),
            ("x-de-doc", pair["de_doc"]),
            ("x-en-doc", pair["en_doc"]),
            ("x-align-id", pair["align_id"]),
            ("x-source", pair["source"]),
        ):
            prop = etree.Element("prop", type=name)
            prop.text = "" if value is None else str(value)
            unit.xmlelement.insert(0, prop)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(store))


def write_text_exports(dist: Path, pairs: list[dict]) -> None:
    def clean(text: str) -> str:
        return " ".join(text.split())  # one pair per line, always

    moses = dist / "moses"
    moses.mkdir(parents=True, exist_ok=True)
    (moses / "corpus.de").write_text("".join(clean(p["translation"]["de"]) + "\n" for p in pairs), encoding="utf-8")
    (moses / "corpus.en").write_text("".join(clean(p["translation"]["en"]) + "\n" for p in pairs), encoding="utf-8")
    lines = ["de\ten\tscore\tdoc_ids\n"] + [
        f"{clean(p['translation']['de'])}\t{clean(p['translation']['en'])}\t{p['score']}\t{p['de_doc']},{p['en_doc']}\n"
        for p in pairs
    ]
    (dist / "de-en.tsv").write_text("".join(lines), encoding="utf-8")


def engines_used(
    sentences: list[Sentence], translations: list[Any], alignments: list[Alignment], entities: list[SentenceEntities]
) -> dict[str, list[str]]:
    def describe(provenance: Any) -> str:
        text = f"{provenance.engine} — {provenance.model}"
        if provenance.version:
            text += f" ({provenance.version})"
        if provenance.substitute_for:
            text += f" [offline substitute for {provenance.substitute_for}]"
        return text

    return {
        "segmentation": sorted({describe(s.provenance) for s in sentences}),
        "translation": sorted({describe(t.provenance) for t in translations}),
        "alignment": sorted({describe(a.provenance) for a in alignments}),
        "tagging": sorted({describe(e.provenance) for e in entities}),
    }


def dataset_card(
    card_data: Any,
    counts: dict[str, int],
    engines: dict[str, list[str]],
    documents: list[Document],
    human_share: float,
    gloss: bool,
) -> str:
    translation_note = (
        "**The `machine_translation` column is a word-by-word dictionary gloss, not machine translation.** "
        "No argostranslate de→en model was available when this export was built; the gloss engine (de2en's "
        "word2word dictionary, names and numbers passed through) stood in, and every row names its engine."
        if gloss
        else "The `machine_translation` column comes from argostranslate (CTranslate2); the engine and model are named "
        "in every row."
    )
    sources = "\n".join(
        f"- `{d.doc_id}` ({d.lang}): {d.source or d.file} — licence: {d.licence}"
        + (f" — <{d.url}>" if d.url else "")
        + (f". {d.licence_note}" if d.licence_note else "")
        for d in documents
    )
    engine_lines = "\n".join(f"- **{stage}**: " + "; ".join(values) for stage, values in engines.items() if values)
    config_lines = "\n".join(
        f"| `{name}` | {count} |" if count else f"| `{name}` | 0 — not included (no rows in this export) |"
        for name, count in counts.items()
    )
    return f"""---
{card_data.to_yaml()}
---

# German–English relations corpus (DPRK/Cuba, Russia/Uzbekistan/Cuba–South Korea)

A small translation-aligned, annotated German–English corpus built by a DVC pipeline: one German
article on DPRK–Cuba relations and three English Wikipedia pages on Cuba–, Russia– and
Uzbekistan–South Korea relations. The documents are **comparable, not parallel**: most German
sentences have no English counterpart, and the alignment says so (`status: no_match`) instead of
forcing pairs. Entities and PLOVER events are machine pre-annotations, corrected by people in
Label Studio where `source` is `human`.

## Configs

| config | rows (split `train`) |
|---|---|
{config_lines}

- `parallel`: accepted German–English sentence pairs (`translation` is a `Translation(["de", "en"])`
  feature), with the translation the aligner used, its engine, scores and documents.
- `alignments`: every German sentence with its best English candidate, the margin score and whether
  the aligner accepted it — for mining research and threshold studies.
- `ner`: tokens with BIO `ner_tags` (`ClassLabel`) and character-offset `spans`.
- `events`: PLOVER events (`type` is a `ClassLabel`), mode, CAMEO code, trigger and role-labelled
  argument spans (`actor`, `recipient`, `time`, `place`), normalised dates, flags.
- `documents`: the ingested documents with their sections and offsets.

Offsets are Python string indices into `text`. Share of human-verified rows: {human_share:.1%}.

## How to load

```python
from datasets import load_dataset
pairs = load_dataset("path/or/repo-id", "parallel", split="train")
ner = load_dataset("path/or/repo-id", "ner", split="train")
```

Requires `datasets >= 4` (the `List` feature type).

## How it was built

Stages: ingest → segment → translate → align → tag → Label Studio review → export. Engines and
models actually used for this export:

{engine_lines}

{translation_note}

Alignment (mining mode): candidates by multilingual sentence embeddings, scored by
`w·cosine + (1−w)·chrF(translation, English)` and normalised with the ratio margin of Artetxe &
Schwenk (2019); only mutual best pairs above the threshold are accepted.

## Labels

- Entities: {", ".join(ENTITY_LABELS)} (OntoNotes types mapped as in the pipeline's
  `entity_labels.yaml`; CARDINAL/ORDINAL/PERCENT/QUANTITY are not annotated). German names are
  typed by projection from the English side; `type_source` says how (`projection:untyped` stays MISC).
- Events: the 16 PLOVER types {", ".join(EVENT_TYPES)}; `mode` is the PLOVER mode
  (keyed `TYPE-mode`); `cameo` gives finer CAMEO codes where the rules know one
  (042 visit, 043 host, 044 third-location meeting, 054 recognition, 057 sign agreement,
  071 economic aid, 161 break relations, 163 sanctions/boycott).

## Licence and attribution

The English pages are Wikipedia text under CC BY-SA 4.0; reuse must attribute the pages and their
authors and share alike. The German article's origin and licence were not recorded with the seed.

{sources}

## Known limitations

- Tiny and comparable: few or no true translation pairs; scores are calibrated on a handful of
  hand-made pairs.
- Offline substitutes (spaCy `en_core_web_sm`, HanTa, a dictionary gloss) stood in for official
  stanza and argos models where named above; predictions are rule- and model-based, not gold,
  unless `source` is `human`.
- German events come from pattern rules without a parser; English events from dependency rules.
"""


def run(
    corpus: Path = Path("corpus"),
    annotations: Path = Path("annotations"),
    dist: Path = Path("dist"),
    metrics_path: Path = Path("corpus/metrics/export.json"),
    plots_path: Path = Path("corpus/plots/alignment_scores.csv"),
    params_path: Path = Path("params.yaml"),
) -> dict[str, Any]:
    import shutil

    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCardData

    from pipelines.translate import Translation

    params = stage_params("export", params_path)
    documents = [read_json(p, Document) for p in sorted((corpus / "documents").glob("*.json"))]
    sentences = [s for p in sorted((corpus / "sentences").glob("*.jsonl")) for s in read_jsonl(p, Sentence)]
    translations = list(read_jsonl(corpus / "translations.jsonl", Translation))
    alignments = list(read_jsonl(corpus / "alignments.jsonl", Alignment))
    entity_rows = {r.sent_id: r for r in read_jsonl(corpus / "entities.jsonl", SentenceEntities)}
    event_rows = {r.sent_id: r for r in read_jsonl(corpus / "events.jsonl", SentenceEvents)}

    merged = {}
    for kind in annotate.PROJECTS:
        items, version = annotate.build_items(kind, corpus)
        predicted = {d[annotate.KEY_FIELD[kind]]: r for d, r in items}
        merged[kind] = annotate.merge(predicted, annotate.read_human(annotations / f"{kind}.human.jsonl"), version)

    parallel, all_alignments = alignment_rows(alignments, merged["alignment"])
    from tqdm import tqdm

    ner, events = [], []
    for sentence in tqdm(sentences, desc="export", unit="sent", disable=None):
        source, result = merged["tagging"][sentence.sent_id]
        human = result if source == "human" else None
        ner.append(ner_row(sentence, entity_rows[sentence.sent_id], source, human))
        found = (
            events_from_result(human, sentence.lang) if human else events_from_predictions(event_rows[sentence.sent_id])
        )
        events.append(
            {
                "sent_id": sentence.sent_id,
                "doc_id": sentence.doc_id,
                "lang": sentence.lang,
                "text": sentence.text,
                "events": found,
                "source": source,
            }
        )
    tables = {
        "parallel": parallel,
        "alignments": all_alignments,
        "ner": ner,
        "events": events,
        "documents": [document_row(d) for d in documents],
    }

    out = dist / "dataset"
    if out.exists():
        shutil.rmtree(out)
    schema = features()
    # datasets cannot load a split with no rows, so an empty config is left out (the card says so)
    written = {name: rows for name, rows in tables.items() if rows}
    infos = {name: write_config(out, name, rows, schema[name]) for name, rows in written.items()}
    licences = {d.licence for d in documents}
    card_data = DatasetCardData(
        language=["de", "en"],
        license="cc-by-sa-4.0" if licences == {"CC-BY-SA-4.0"} else "other",
        pretty_name=params.get("pretty_name", "German-English relations corpus"),
        task_categories=["translation", "token-classification"],
        size_categories=["n<1K"],
        tags=["parallel-corpus", "comparable-corpus", "named-entities", "events", "plover"],
    )
    DatasetInfosDict({name: info for name, info in infos.items()}).to_dataset_card_data(card_data)
    MetadataConfigs(
        {
            name: {
                "data_files": [{"split": SPLIT, "path": f"data/{name}/{SPLIT}-*"}],
                **({"default": True} if name == next(iter(written)) else {}),
            }
            for name in written
        }
    ).to_dataset_card_data(card_data)
    gloss = any(t.provenance.engine == "gloss" for t in translations)
    human_rows = sum(r["source"] == "human" for rows in (all_alignments, ner) for r in rows)
    human_share = human_rows / max(1, len(all_alignments) + len(ner))
    counts = {name: len(rows) for name, rows in tables.items()}
    card = dataset_card(
        card_data,
        counts,
        engines_used(sentences, translations, alignments, list(entity_rows.values())),
        documents,
        human_share,
        gloss,
    )
    (out / "README.md").write_text(card, encoding="utf-8")

    write_tmx(dist / "de-en.tmx", parallel)
    write_text_exports(dist, parallel)

    scores = np.array([r["score"] for r in all_alignments if r["score"] is not None], dtype=float)
    bins = np.linspace(
        float(params.get("histogram_min", 0.8)),
        float(params.get("histogram_max", 2.0)),
        int(params.get("histogram_bins", 12)) + 1,
    )
    histogram, edges = np.histogram(np.clip(scores, bins[0], bins[-1]), bins=bins)
    plots_path.parent.mkdir(parents=True, exist_ok=True)
    plots_path.write_text("bin,count\n" + "".join(f"{edges[k]:.2f},{int(c)}\n" for k, c in enumerate(histogram)))
    sources = Counter(r["source"].split(":")[0] for rows in (all_alignments, ner) for r in rows)
    figures = {
        "rows": {name: {SPLIT: count} for name, count in counts.items()},
        "alignment_score": {
            "mean": round(float(scores.mean()), 4) if len(scores) else None,
            "max": round(float(scores.max()), 4) if len(scores) else None,
            "accepted": len(parallel),
        },
        "human_verified_share": round(human_share, 4),
        "sources": dict(sources),
        "translation_engine": "gloss" if gloss else "argostranslate",
    }
    write_json(metrics_path, figures)
    return figures


def command(
    corpus: Path = typer.Option(Path("corpus"), help="corpus folder"),
    annotations: Path = typer.Option(Path("annotations"), help="pulled Label Studio annotations"),
    dist: Path = typer.Option(Path("dist"), help="output folder"),
    params: Path = typer.Option(Path("params.yaml"), help="parameters file"),
) -> None:
    """Write the hub-ready dataset (parquet + card), TMX, Moses and TSV exports."""
    typer.echo(json.dumps(run(corpus, annotations, dist, params_path=params)))


# --- publish -----------------------------------------------------------------------------------


def publish(folder: Path, repo_id: str, dry_run: bool = False, private: bool = False, api: Any = None) -> list[str]:
    """Upload the dataset folder to the Hugging Face Hub (token from HF_TOKEN)."""
    if not (folder / "README.md").exists():
        raise StageError(f"{folder}: no dataset card; run the export stage first (dvc repro export)")
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    if dry_run:
        return files
    token = os.environ.get("HF_TOKEN")
    if not token:
        raise StageError("HF_TOKEN is not set: create a write token on the Hub and export HF_TOKEN")
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi(token=token)
    try:
        api.create_repo(repo_id=repo_id, repo_type="dataset", private=private, exist_ok=True)
        api.upload_folder(
            folder_path=str(folder), repo_id=repo_id, repo_type="dataset", commit_message="Upload corpus export"
        )
    except Exception as error:  # huggingface_hub raises HTTP, offline-mode and connection errors alike
        raise StageError(
            f"could not publish to the Hugging Face Hub ({type(error).__name__}: {error}); "
            "check the network, HF_HUB_OFFLINE and HF_TOKEN"
        ) from None
    return files


def publish_command(
    repo_id: str = typer.Option(..., "--repo-id", help="ORG/NAME of the dataset repository"),
    folder: Path = typer.Option(Path("dist/dataset"), help="the exported dataset folder"),
    dry_run: bool = typer.Option(False, "--dry-run", help="list what would be uploaded"),
    private: bool = typer.Option(False, help="create the repository as private"),
) -> None:
    """Upload dist/dataset to the Hugging Face Hub (or list it with --dry-run)."""
    files = publish(folder, repo_id, dry_run, private)
    verb = "would upload" if dry_run else "uploaded"
    for name in files:
        size = (folder / name).stat().st_size
        typer.echo(f"{verb} {name} ({size} bytes)")
    typer.echo(f"{len(files)} files {'for' if dry_run else 'to'} https://huggingface.co/datasets/{repo_id}")


if __name__ == "__main__":
    from pipelines.cli import run_command

    run_command(command)
