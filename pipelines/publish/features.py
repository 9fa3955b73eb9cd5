"""The Hugging Face ``Features`` of every exported config (labels come from the tagging data files)."""

from __future__ import annotations

from typing import Any

from pipelines.tagging import labels

SPLIT = "train"


def features() -> dict[str, Any]:
    from datasets import ClassLabel, Features, List, Translation, Value

    entity_labels, event_types = labels.entity_labels(), labels.event_types()
    bio_names = ["O"] + [f"{prefix}-{label}" for label in entity_labels for prefix in ("B", "I")]

    span = {"start": Value("int32"), "end": Value("int32"), "text": Value("string")}
    candidate = {
        "en": Value("string"),
        "en_doc": Value("string"),
        "en_ids": List(Value("string")),
        "score": Value("float32"),
    }
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
                "annotation_source": Value("string"),
                "verdict": Value("string"),
                "human_pick": Value("int32"),
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
                "annotation_source": Value("string"),
                "verdict": Value("string"),
                "human_pick": Value("int32"),
                "candidates": List(candidate),
            }
        ),
        "ner": Features(
            {
                "sent_id": Value("string"),
                "doc_id": Value("string"),
                "lang": Value("string"),
                "text": Value("string"),
                "tokens": List(Value("string")),
                "ner_tags": List(ClassLabel(names=bio_names)),
                "spans": List({**span, "label": ClassLabel(names=entity_labels), "type_source": Value("string")}),
                "annotation_source": Value("string"),
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
                        "type": ClassLabel(names=event_types),
                        "mode": Value("string"),
                        "cameo": Value("string"),
                        "trigger": span,
                        "arguments": List({**span, "role": Value("string"), "code": Value("string")}),
                        "date": {"text": Value("string"), "iso": Value("string"), "granularity": Value("string")},
                        "negated": Value("bool"),
                        "historical": Value("bool"),
                    }
                ),
                "annotation_source": Value("string"),
            }
        ),
        "translations": Features(
            {
                "sent_id": Value("string"),
                "doc_id": Value("string"),
                "de": Value("string"),
                "en": Value("string"),
                "translation_source": Value("string"),
                "machine_translation": Value("string"),
                "rejected": Value("string"),
                "engine": Value("string"),
                "model": Value("string"),
                "model_sha256": Value("string"),
                "prompt": Value("string"),
                "substitute_for": Value("string"),
                "quality": Value("float32"),
                "flagged": Value("bool"),
                "flags": List(Value("string")),
                "attempts": Value("int32"),
            }
        ),
        "documents": Features(
            {
                "doc_id": Value("string"),
                "lang": Value("string"),
                "title": Value("string"),
                "text": Value("string"),
                "sections": List({"section": List(Value("string")), "kind": Value("string"), **span}),
                "publisher": Value("string"),
                "url": Value("string"),
                "licence": Value("string"),
            }
        ),
    }
