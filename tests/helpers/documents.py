"""A plain-text document record (one paragraph), for benchmarks and tests that bypass ingest."""

from __future__ import annotations

from pipelines.core.records import Document, Paragraph, Provenance


def plain_document(doc_id: str, text: str, lang: str = "en", licence: str = "MIT") -> Document:
    paragraph = Paragraph(
        para_id=f"{doc_id}-p000", index=0, kind="text", section=[], navigation=False, start=0, end=len(text),
        text=text,
    )  # fmt: skip
    provenance = Provenance(engine="benchmark", model="text")
    return Document(
        doc_id=doc_id, file="validation", sha256="-", lang=lang, lang_confidence=1.0, lang_provenance=provenance,
        title=None, text=text, paragraphs=[paragraph], infobox={}, see_also=[], licence=licence,
    )  # fmt: skip
