"""The MLP head over contextual states: trained in torch, run in numpy, stacked into the CRF."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipelines.engines.ner.token_head import LABELS, TokenHead, out_of_fold, windows
from pipelines.engines.vectors.token_vectors import word_states
from pipelines.training.tagged import read_germeval

from .conftest import ROOT

GERMEVAL = ROOT.parent / "shared" / "data" / "germeval2014" / "NER-de-test.tsv"
pytestmark = pytest.mark.skipif(not GERMEVAL.exists(), reason="no ../shared/data (GermEval)")


@pytest.fixture(scope="module")
def sentences():
    data = read_germeval(GERMEVAL)[:240]
    return data, word_states().sentences([s.tokens for s in data])


def test_numpy_forward_equals_torch_and_survives_a_save(sentences, tmp_path: Path) -> None:
    import torch

    data, states = sentences
    head = TokenHead.fit(states[:200], [s.tags for s in data[:200]], epochs=2, seed=7)
    w = head.weights
    model = torch.nn.Sequential(torch.nn.Linear(3 * 384, w["w1"].shape[1]), torch.nn.GELU(approximate="tanh"))
    with torch.no_grad():
        model[0].weight.copy_(torch.from_numpy(w["w1"].T))
        model[0].bias.copy_(torch.from_numpy(w["b1"]))
        logits = model(torch.from_numpy(windows(states[210]))).numpy() @ w["w2"] + w["b2"]
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    got = head.probabilities(states[210])
    assert got.shape == (len(data[210].tokens), len(LABELS)) and np.abs(got - expected).max() <= 0.006
    head.save(tmp_path / "head.npz")
    assert TokenHead.load(tmp_path / "head.npz").probabilities(states[210]).tobytes() == got.tobytes()


def test_the_head_learns_names_and_out_of_fold_probabilities_never_saw_their_sentence(sentences) -> None:
    data, states = sentences
    tags = [s.tags for s in data]
    head = TokenHead.fit(states[:200], tags[:200], epochs=30, seed=7)  # 200 sentences: many passes
    held = [(k, j) for k in range(200, 240) for j, t in enumerate(tags[k])]
    right = sum(LABELS[int(head.probabilities(states[k])[j].argmax())][2:] == tags[k][j][2:] for k, j in held)
    names = [(k, j) for k, j in held if tags[k][j] != "O"]
    found = sum(LABELS[int(head.probabilities(states[k])[j].argmax())] != "O" for k, j in names)
    assert right / len(held) > 0.9 and found / len(names) > 0.3  # better than "all O" on names
    folded = out_of_fold(states[:40], tags[:40], folds=2, epochs=1, seed=7)
    alone = TokenHead.fit(states[1:40:2], tags[1:40:2], epochs=1, seed=7)  # fold 0 = the odd sentences
    assert folded[0].tobytes() == alone.probabilities(states[0]).tobytes()
