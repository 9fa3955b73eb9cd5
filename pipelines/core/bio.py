"""BIO/BIOES tag sequences and the name spans they mark: one reading for training, tagging and scoring."""

from __future__ import annotations

from collections.abc import Sequence


def spans(tags: Sequence[str]) -> set[tuple[int, int, str]]:
    """BIO (or BIOES) tags -> {(start, end, type)}, end exclusive; a stray I- starts a span."""
    found = set()
    start, kind = None, None
    for k, tag in enumerate([*tags, "O"]):
        prefix, _, label = tag.partition("-")
        continues = prefix in ("I", "E") and label == kind
        if start is not None and not continues:
            found.add((start, k, kind))
            start, kind = None, None
        if prefix in ("B", "S") or (prefix in ("I", "E") and start is None):
            start, kind = k, label
        if prefix in ("E", "S") and start is not None:
            found.add((start, k + 1, kind))
            start, kind = None, None
    return found


def repair(tags: Sequence[str]) -> list[str]:
    """An I- tag without a B- (or I-) of its type before it starts the name: B-."""
    repaired: list[str] = []
    for k, tag in enumerate(tags):
        if tag.startswith("I-") and (k == 0 or repaired[-1][2:] != tag[2:]):
            tag = "B-" + tag[2:]
        repaired.append(tag)
    return repaired


def bioes(length: int, ranges: Sequence[tuple[int, int, str]]) -> list[str]:
    """Entity token ranges ``[start, end)`` with labels -> stanza's BIOES tags."""
    tags = ["O"] * length
    for start, end, label in ranges:
        if end - start == 1:
            tags[start] = f"S-{label}"
            continue
        tags[start] = f"B-{label}"
        for k in range(start + 1, end - 1):
            tags[k] = f"I-{label}"
        tags[end - 1] = f"E-{label}"
    return tags
