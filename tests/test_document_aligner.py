"""Document-mode DP on small hand-made documents: every link type, skips, banded search.

The embedder here is a bag-of-words over the test's own tokens: a sentence's vector is the
normalised count of its tokens, so a block of sentences matches exactly the block on the other
side that holds the same tokens. That makes the right alignment known by construction.
"""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.core.settings import AlignSettings
from pipelines.engines.document_aligner import align_document, moves
from pipelines.engines.embedders import normalise


class BagOfWords:
    name = "bag-of-words (test)"

    def __init__(self) -> None:
        self.vocabulary: dict[str, int] = {}

    def embed(self, texts: list[str]) -> np.ndarray:
        for text in texts:
            for token in text.split():
                self.vocabulary.setdefault(token, len(self.vocabulary))
        matrix = np.zeros((len(texts), 4096), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in text.split():
                matrix[row, self.vocabulary[token]] += 1
        return normalise(matrix)


def filler(prefix: str, count: int) -> list[str]:
    """One-token sentences shared by both sides: 1-1 links that anchor the path."""
    return [f"{prefix}{k}" for k in range(count)]


SETTINGS = AlignSettings(length_weight=0.0, cache_path=None)


def links_of(src: list[str], tgt: list[str], **overrides) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    settings = SETTINGS.model_copy(update=overrides)
    return [(link.src, link.tgt) for link in align_document(src, tgt, None, BagOfWords(), settings)]


@pytest.mark.parametrize(
    ("src_block", "tgt_block", "shape"),
    [
        (["p q"], ["p", "q"], (1, 2)),
        (["p", "q"], ["p q"], (2, 1)),
        (["p q r"], ["p", "q", "r"], (1, 3)),
        (["p", "q", "r"], ["p q r"], (3, 1)),
        (["p q", "r s"], ["p", "q r s"], (2, 2)),
    ],
)
def test_each_link_type_is_found(src_block, tgt_block, shape) -> None:
    head, tail = filler("h", 6), filler("t", 6)
    links = links_of(head + src_block + tail, head + tgt_block + tail)
    a, b = shape
    expected = (tuple(range(6, 6 + a)), tuple(range(6, 6 + b)))
    assert expected in links
    # everything else stays 1-1
    assert all(len(s) == len(t) == 1 for s, t in links if (s, t) != expected)


def test_unmatched_sentences_are_skipped_on_either_side() -> None:
    """A sentence whose content nothing on the other side shares is skipped, not merged."""
    head, tail = filler("h", 6), filler("t", 6)
    links = links_of([*head, "x1 x2 x3 x4 x5 x6", *tail], head + tail)
    assert ((6,), ()) in links
    links = links_of(head + tail, [*head, "y1 y2 y3 y4 y5 y6", *tail])
    assert ((), (6,)) in links
    assert sum(1 for s, t in links if not s or not t) == 1  # insertions only where real


def test_one_to_one_documents_have_no_skips_or_merges() -> None:
    sentences = [f"w{k} v{k}" for k in range(20)]
    links = links_of(sentences, sentences)
    assert links == [((k,), (k,)) for k in range(20)]


def test_empty_side_gives_only_skips() -> None:
    assert links_of(["a", "b"], []) == [((0,), ()), ((1,), ())]


def test_banded_search_matches_the_full_grid() -> None:
    """Coarse-to-fine (documents larger than max_full_dp) finds the same path as the full DP."""
    rng = np.random.default_rng(1)
    src, tgt = [], []
    for k in range(180):
        kind = rng.integers(0, 6)
        if kind == 0:
            src.append(f"m{k}a m{k}b"), tgt.extend([f"m{k}a", f"m{k}b"])
        elif kind == 1:
            src.append(" ".join(f"s{k}x{n}" for n in range(6)))  # deletion
        else:
            src.append(f"m{k}"), tgt.append(f"m{k}")
    banded = links_of(src, tgt, max_full_dp=40, band=8)
    full = links_of(src, tgt, max_full_dp=1000)
    assert banded == full
    assert sum(1 for s, t in full if not t) == sum(1 for s in src if s.startswith("s"))


def test_move_set_follows_max_link() -> None:
    assert moves(4) == [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (3, 1)]
    assert (2, 3) in moves(5) and (1, 4) in moves(5) and (3, 3) not in moves(5)
