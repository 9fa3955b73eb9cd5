"""Document-mode DP on small hand-made documents: every link type, skips, banded search.

The embedder here is a bag-of-words over the test's own tokens: a sentence's vector is the
normalised count of its tokens, so a block of sentences matches exactly the block on the other
side that holds the same tokens. That makes the right alignment known by construction. Tokens
have three or more letters (fewer makes a line "wordless"), and the structural tests turn the
anchor charge off: their tokens' digits are not numbers a translation would carry.
"""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.core.settings import AlignSettings
from pipelines.engines.align.document_aligner import align_document, moves
from pipelines.engines.vectors.embedders import normalise


class BagOfWords:
    name = "bag-of-words (test)"

    def __init__(self, blind_to_names: bool = False) -> None:
        self.vocabulary: dict[str, int] = {}
        self.blind_to_names = blind_to_names  # an encoder that does not see names and numbers

    def tokens(self, text: str) -> list[str]:
        words = text.split()
        return [w for w in words if w.islower() and w.isalpha()] if self.blind_to_names else words

    def embed(self, texts: list[str]) -> np.ndarray:
        for text in texts:
            for token in self.tokens(text):
                self.vocabulary.setdefault(token, len(self.vocabulary))
        matrix = np.zeros((len(texts), 4096), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in self.tokens(text):
                matrix[row, self.vocabulary[token]] += 1
        return normalise(matrix)


def filler(prefix: str, count: int) -> list[str]:
    """One-token sentences shared by both sides: 1-1 links that anchor the path."""
    return [f"{prefix}{k}" for k in range(count)]


# every block encoded as text, so the bag-of-words makes the right alignment known by construction
SETTINGS = AlignSettings(length_weight=0.0, anchor_weight=0.0, cache_path=None, encoded_block_size=5)


def links_of(
    src: list[str], tgt: list[str], embedder: BagOfWords | None = None, **overrides
) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    settings = SETTINGS.model_copy(update=overrides)
    embedder = embedder or BagOfWords()
    return [(link.src, link.tgt) for link in align_document(src, tgt, None, embedder, settings)]


@pytest.mark.parametrize(
    ("src_block", "tgt_block", "shape"),
    [
        (["pear quince"], ["pear", "quince"], (1, 2)),
        (["pear", "quince"], ["pear quince"], (2, 1)),
        (["pear quince rowan"], ["pear", "quince", "rowan"], (1, 3)),
        (["pear", "quince", "rowan"], ["pear quince rowan"], (3, 1)),
        (["pear quince", "rowan sloe"], ["pear", "quince rowan sloe"], (2, 2)),
    ],
)
def test_each_link_type_is_found(src_block, tgt_block, shape) -> None:
    head, tail = filler("head", 6), filler("tail", 6)
    links = links_of(head + src_block + tail, head + tgt_block + tail)
    a, b = shape
    expected = (tuple(range(6, 6 + a)), tuple(range(6, 6 + b)))
    assert expected in links
    # everything else stays 1-1
    assert all(len(s) == len(t) == 1 for s, t in links if (s, t) != expected)


def test_unmatched_sentences_are_skipped_on_either_side() -> None:
    """A sentence whose content nothing on the other side shares is skipped, not merged."""
    head, tail = filler("head", 6), filler("tail", 6)
    links = links_of([*head, "xen1 xen2 xen3 xen4 xen5 xen6", *tail], head + tail)
    assert ((6,), ()) in links
    links = links_of(head + tail, [*head, "yew1 yew2 yew3 yew4 yew5 yew6", *tail])
    assert ((), (6,)) in links
    assert sum(1 for s, t in links if not s or not t) == 1  # insertions only where real


def test_one_to_one_documents_have_no_skips_or_merges() -> None:
    sentences = [f"word{k} verb{k}" for k in range(20)]
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
            src.append(f"mid{k}a mid{k}b"), tgt.extend([f"mid{k}a", f"mid{k}b"])
        elif kind == 1:
            src.append(" ".join(f"skip{k}x{n}" for n in range(6)))  # deletion
        else:
            src.append(f"mid{k}"), tgt.append(f"mid{k}")
    banded = links_of(src, tgt, max_full_dp=40, band=8)
    full = links_of(src, tgt, max_full_dp=1000)
    assert banded == full
    assert sum(1 for s, t in full if not t) == sum(1 for s in src if s.startswith("skip"))


def test_long_blocks_are_the_weighted_mean_of_encoded_pieces() -> None:
    """Blocks longer than ``encoded_block_size`` are not encoded: their vector sums the encoded
    pieces (5 = 2 + 2 + 1), each weighted by the square root of its sentences, which for
    one-token sentences is exactly what encoding the joined text gives."""
    from pipelines.engines.align.document_aligner import Side

    texts = ["pear", "quince", "rowan", "sloe", "medlar"]
    encoded, pieced = Side(texts, BagOfWords(), 5, encoded=5), Side(texts, BagOfWords(), 5, encoded=2)
    for k in range(1, 6):
        assert np.allclose(encoded.vectors[k], pieced.vectors[k], atol=1e-6)
    counting = Counting(BagOfWords())
    Side(texts, counting, 5, encoded=2)
    assert counting.texts == 5 + 4  # sentences and pairs only


class Counting:
    def __init__(self, inner: BagOfWords) -> None:
        self.inner, self.texts = inner, 0

    def embed(self, texts: list[str]) -> np.ndarray:
        self.texts += len(texts)
        return self.inner.embed(texts)


def test_move_set_follows_max_link() -> None:
    assert moves(4) == [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (3, 1)]
    assert (2, 3) in moves(5) and (1, 4) in moves(5) and (3, 3) not in moves(5)


def test_a_wordless_line_is_skipped_not_merged() -> None:
    """OCR debris (".....", "- _-") next to a good link stays unaligned instead of joining it."""
    head, tail = filler("head", 6), filler("tail", 6)
    links = links_of([*head, "pear quince", *tail], [*head, "pear quince", ".....", *tail])
    assert ((6,), (6,)) in links and ((), (7,)) in links


def test_anchors_decide_where_a_crossing_boundary_falls() -> None:
    """Two sides split a passage differently: the number and the name say it is one 2-2 link.

    To an encoder that does not see names and numbers the two 1-1 links look perfect; the
    anchor charge makes each pay for the number or name whose counterpart sits across the line.
    """
    head, tail = ["alder", "birch", "cedar", "elm", "fir", "hazel"], ["larch", "maple", "oak", "pine", "yew"]
    src = [*head, "pear quince 1933", "rowan Abalakow sloe", *tail]
    tgt = [*head, "pear quince Abalakow", "1933 rowan sloe", *tail]
    blind = BagOfWords(blind_to_names=True)
    assert ((6,), (6,)) in links_of(src, tgt, blind) and ((7,), (7,)) in links_of(src, tgt, blind)
    assert ((6, 7), (6, 7)) in links_of(src, tgt, blind, anchor_weight=0.5)


def test_a_path_along_the_band_edge_is_searched_again_wider() -> None:
    """20 target-only sentences at the start move the true path 20 rows off a straight coarse
    path. A fixed band of 2 around it can only reach the pairs through skips on both sides; the
    path then runs along the band's edge, so the search is repeated with a wider band, which
    finds the true path: 20 skips, then 40 exact 1-1 links."""
    from pipelines.engines.align.document_aligner import _banded_dp, _straight

    n, m = 40, 60

    def costs(i: int, a: int, js: np.ndarray, b: int) -> np.ndarray:
        return np.where(js == i + 20, 0.0, 1.0) if (a, b) == (1, 1) else np.full(len(js), 9.0)

    skips = (np.full(n, 0.3), np.full(m, 0.3))
    coarse = _straight([(0, 0), (n, m)])
    links = _banded_dp(n, m, [(1, 1)], skips, coarse, 2, costs)
    assert [(j, b) for i, a, j, b in links if not a] == [(k, 1) for k in range(20)]
    assert [(i, j) for i, a, j, b in links if a and b] == [(k, k + 20) for k in range(40)]
