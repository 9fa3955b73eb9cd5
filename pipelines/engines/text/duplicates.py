"""Repeated content in seed documents: pasted-twice pages and near-duplicate documents.

Neither is an error (a corpus may quote itself), but both distort alignment and the dataset,
so the pipeline says so. Documents are compared by a sample of their word 8-gram shingles
(those whose hash is 0 mod ``SAMPLE``), through an inverted index: linear in corpus size.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

SHINGLE = 8
SAMPLE = 4


def repeated_share(paragraphs: Iterable[str], min_chars: int = 20) -> float:
    """Share of a document's (substantial) paragraphs that repeat an earlier one."""
    texts = [" ".join(p.split()) for p in paragraphs if len(p.strip()) >= min_chars]
    return (len(texts) - len(set(texts))) / len(texts) if texts else 0.0


def shingles(text: str) -> set[int]:
    words = re.findall(r"\w+", text.lower())
    found = set()
    for k in range(max(1, len(words) - SHINGLE + 1)):
        digest = int.from_bytes(hashlib.blake2b(" ".join(words[k : k + SHINGLE]).encode(), digest_size=8).digest())
        if digest % SAMPLE == 0:
            found.add(digest)
    return found


def near_duplicates(texts: dict[str, str], threshold: float = 0.8) -> list[tuple[str, str, float]]:
    """Pairs of documents sharing at least ``threshold`` of the smaller one's sampled shingles."""
    sets = {name: shingles(text) for name, text in texts.items()}
    index: dict[int, list[str]] = defaultdict(list)
    for name, found in sets.items():
        for shingle in found:
            index[shingle].append(name)
    shared: Counter = Counter()
    for names in index.values():
        if 1 < len(names) <= 50:  # boilerplate shared by many documents says nothing about a pair
            for a in range(len(names)):
                for b in range(a + 1, len(names)):
                    shared[(names[a], names[b])] += 1
    pairs = []
    for (a, b), count in shared.items():
        overlap = count / max(1, min(len(sets[a]), len(sets[b])))
        if overlap >= threshold:
            pairs.append((a, b, round(overlap, 3)))
    return sorted(pairs)
