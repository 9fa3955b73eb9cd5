"""The dataset card: ``huggingface_hub.DatasetCard`` from ``templates/dataset_card.md``.

The YAML header carries ``configs`` and ``dataset_info`` for every written config (so
``datasets.load_dataset(folder, config)`` works offline); the body is the Jinja2 template.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from pipelines.core.manifest import licence_missing
from pipelines.core.records import Alignment, Document, Provenance, Sentence
from pipelines.publish.features import SPLIT
from pipelines.tagging import labels

TEMPLATES = Path(__file__).parent / "templates"


def describe_engine(provenance: Provenance) -> str:
    text = f"{provenance.engine} — {provenance.model}"
    if provenance.version:
        text += f" ({provenance.version})"
    if provenance.substitute_for:
        text += f" [offline substitute for {provenance.substitute_for}]"
    return text


def engines_used(provenances: dict[str, list[Provenance]]) -> dict[str, list[str]]:
    """Per stage, the distinct engines and models that produced its rows."""
    return {stage: sorted({describe_engine(p) for p in values}) for stage, values in provenances.items()}


SIZE_CATEGORIES = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")]


def size_category(rows: int) -> str:
    """The Hub's ``size_categories`` bucket for a number of rows."""
    return next((name for limit, name in SIZE_CATEGORIES if rows < limit), "1M<n<10M")


def corpus_summary(
    documents: list[Document], sentences: list[Sentence], alignments: list[Alignment], parallel: list[dict]
) -> dict[str, Any]:
    """What the card says about this corpus, computed from it (nothing written for particular seeds).

    Accepted pairs are the ``parallel`` config's rows: the aligner's matches and what reviewers accepted.
    """
    pairs = Counter((row["de_doc"], row["en_doc"]) for row in parallel)
    licences: dict[str, list[str]] = defaultdict(list)
    for document in documents:
        licences[document.licence].append(document.doc_id)
    return {
        "documents": dict(sorted(Counter(d.lang for d in documents).items())),
        "sentences": dict(sorted(Counter(s.lang for s in sentences).items())),
        "source_sentences": len({i for a in alignments for i in a.src_ids}),
        "matched": len({i for row in parallel for i in row["de_ids"]}),
        "methods": sorted({a.method for a in alignments}),
        "document_pairs": [(src, tgt, n) for (src, tgt), n in pairs.most_common(20)],
        "more_pairs": max(0, len(pairs) - 20),
        "licences": dict(sorted(licences.items())),
        "unlicensed": sorted(d.doc_id for d in documents if licence_missing(d.licence)),
    }


def card_data(pretty_name: str, documents: list[Document], infos: dict[str, Any]) -> Any:
    """Hub metadata: languages, licence, size, and ``configs``/``dataset_info`` per written config."""
    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCardData

    licences = {d.licence for d in documents}
    data = DatasetCardData(
        language=["de", "en"],
        license="cc-by-sa-4.0" if licences == {"CC-BY-SA-4.0"} else "other",
        pretty_name=pretty_name,
        task_categories=["translation", "token-classification"],
        size_categories=[size_category(max((info.splits[SPLIT].num_examples for info in infos.values()), default=0))],
        tags=["parallel-corpus", "comparable-corpus", "named-entities", "events", "plover"],
    )
    DatasetInfosDict(dict(infos)).to_dataset_card_data(data)
    written = list(infos)
    MetadataConfigs(
        {
            name: {
                "data_files": [{"split": SPLIT, "path": f"data/{name}/{SPLIT}-*"}],
                **({"default": True} if name == written[0] else {}),
            }
            for name in written
        }
    ).to_dataset_card_data(data)
    return data


def render_card(
    data: Any,
    counts: dict[str, int],
    engines: dict[str, list[str]],
    documents: list[Document],
    human_share: float,
    translation_engines: list[str],
    summary: dict[str, Any],
    discards: Path | None = None,
    post_editing: list[dict[str, Any]] | None = None,
    ner_model: dict[str, Any] | None = None,
    additions: Path | None = None,
    amendments: Path | None = None,
) -> str:
    """``ner_model``: train-ner's summary (held-out scores, training data and licences), or None."""
    from huggingface_hub import DatasetCard

    card = DatasetCard.from_template(
        data,
        template_path=str(TEMPLATES / "dataset_card.md"),
        counts=counts,
        engines=engines,
        documents=documents,
        human_share=human_share,
        translation_engines=translation_engines,
        summary=summary,
        discards=discards.name if discards else None,
        additions=additions.name if additions else None,
        amendments=amendments.name if amendments else None,
        listed_documents=documents[:50],
        entity_labels=labels.entity_labels(),
        trained_ner=ner_model,
        event_types=labels.event_types(),
        post_editing=post_editing or [],
    )
    return str(card) + "\n"  # Jinja drops the template's final newline
