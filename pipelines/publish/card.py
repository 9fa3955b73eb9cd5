"""The dataset card: ``huggingface_hub.DatasetCard`` from ``templates/dataset_card.md``.

The YAML header carries ``configs`` and ``dataset_info`` for every written config (so
``datasets.load_dataset(folder, config)`` works offline); the body is the Jinja2 template.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipelines.core.records import Document, Provenance
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
        size_categories=["n<1K"],
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
    gloss: bool,
) -> str:
    from huggingface_hub import DatasetCard

    card = DatasetCard.from_template(
        data,
        template_path=str(TEMPLATES / "dataset_card.md"),
        counts=counts,
        engines=engines,
        documents=documents,
        human_share=human_share,
        gloss=gloss,
        entity_labels=labels.entity_labels(),
        event_types=labels.event_types(),
    )
    return str(card) + "\n"  # Jinja drops the template's final newline
