"""The seed reader: strict text decoding and the wiki-style page parser.

Seeds are wiki-style text: ``= Title =``, ``==Section==``, ``=== Sub ===``, an ``Infobox``
block of ``- key: value`` lines, ``- `` list items and a ``See also`` section. Every
paragraph keeps its section path; every offset indexes the decoded file text.
"""

from __future__ import annotations

import re

from pipelines.core.records import Paragraph

HEADING = re.compile(r"(=+)\s*(.*?)\s*\1")
INFOBOX_ITEM = re.compile(r"-\s*([^:]+?)\s*:\s*(.*)")


def parse_wiki(
    text: str, doc_id: str, navigation: list[str]
) -> tuple[str | None, list[Paragraph], dict[str, str], list[str]]:
    """Split a wiki-style page into paragraphs with section paths; one line, one paragraph."""
    nav = {name.casefold() for name in navigation}
    title: str | None = None
    section: list[str] = []
    in_infobox = False
    paragraphs: list[Paragraph] = []
    infobox: dict[str, str] = {}
    see_also: list[str] = []
    offset = 0
    for line in text.split("\n"):
        line_start = offset
        offset += len(line) + 1
        stripped = line.strip()
        if not stripped:
            in_infobox = False
            continue
        start = line_start + len(line) - len(line.lstrip())
        kind: str
        heading = HEADING.fullmatch(stripped)
        span_text = stripped
        if heading:
            level, name = len(heading.group(1)), heading.group(2)
            in_infobox = False
            if level == 1:
                title, kind, section = name, "title", []
            else:
                section = [*section[: level - 2], name]
                kind = "heading"
            start += stripped.index(name) if name else 0
            span_text = name
        elif stripped == "Infobox":
            in_infobox, kind = True, "infobox"
        elif in_infobox and (item := INFOBOX_ITEM.fullmatch(stripped)):
            infobox[item.group(1)] = item.group(2)
            kind = "infobox"
        elif stripped.startswith("- "):
            span_text = stripped[2:].strip()
            start += stripped.index(span_text)
            kind = "list_item"
        else:
            kind = "text"
        is_nav = any(name.casefold() in nav for name in section)
        if kind == "list_item" and section and section[-1].casefold() == "see also":
            see_also.append(span_text)
        index = len(paragraphs)
        paragraphs.append(
            Paragraph(
                para_id=f"{doc_id}-p{index:03d}",
                index=index,
                kind=kind,
                section=list(section),
                navigation=is_nav,
                start=start,
                end=start + len(span_text),
                text=span_text,
            )
        )
    return title, paragraphs, infobox, see_also
