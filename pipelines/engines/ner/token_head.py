"""A small tagger over the frozen contextual word states, whose label probabilities the CRF reads.

An MLP (one hidden layer) on each word's e5-small state and its neighbours' predicts the BIO
label; it trains in torch in a minute or two and runs in numpy (no torch when tagging). Its
probabilities become CRF features (stacking): for the CRF's own training sentences they come
from heads trained on the other folds, so the CRF learns how far to trust the head on text the
head has not seen, as the gazetteer is built in folds. Probabilities are rounded to 2
decimals where they become features, so float noise does not decide a label.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

LABELS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-OTH", "I-OTH")
HIDDEN = 512
TORCH_THREADS = 2


def windows(states: np.ndarray) -> np.ndarray:
    """Each word's state joined with its neighbours' (zeros beyond the sentence)."""
    states = np.asarray(states, dtype=np.float32)
    pad = np.zeros((1, states.shape[1]), dtype=np.float32)
    padded = np.concatenate([pad, states, pad])
    return np.concatenate([padded[:-2], padded[1:-1], padded[2:]], axis=1)


def _gelu(x: np.ndarray) -> np.ndarray:  # torch's GELU(approximate="tanh")
    return 0.5 * x * (1.0 + np.tanh(0.7978845608028654 * (x + 0.044715 * x**3)))


class TokenHead:
    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.weights = weights

    @classmethod
    def fit(cls, states: Sequence[np.ndarray], tags: Sequence[Sequence[str]], epochs: int, seed: int) -> TokenHead:
        import torch

        torch.set_num_threads(TORCH_THREADS)  # a fixed split of the work: the same weights on any machine
        torch.manual_seed(seed)
        inputs = torch.from_numpy(np.concatenate([windows(s) for s in states if len(s)]))
        targets = torch.tensor([LABELS.index(t) if t in LABELS else 0 for tt in tags for t in tt])
        model = torch.nn.Sequential(
            torch.nn.Linear(inputs.shape[1], HIDDEN),
            torch.nn.GELU(approximate="tanh"),
            torch.nn.Dropout(0.2),
            torch.nn.Linear(HIDDEN, len(LABELS)),
        )
        optimiser = torch.optim.Adam(model.parameters(), 1e-3)
        order = torch.Generator().manual_seed(seed)
        for _ in range(epochs):
            model.train()
            permutation = torch.randperm(len(inputs), generator=order)
            for start in range(0, len(inputs), 256):
                batch = permutation[start : start + 256]
                optimiser.zero_grad()
                torch.nn.functional.cross_entropy(model(inputs[batch]), targets[batch]).backward()
                optimiser.step()
        first, last = model[0], model[3]
        return cls(
            {
                "w1": first.weight.detach().numpy().T.copy(),
                "b1": first.bias.detach().numpy().copy(),
                "w2": last.weight.detach().numpy().T.copy(),
                "b2": last.bias.detach().numpy().copy(),
            }
        )

    def probabilities(self, states: np.ndarray) -> np.ndarray:
        """words x labels, rounded to 2 decimals."""
        if not len(states):
            return np.zeros((0, len(LABELS)), dtype=np.float32)
        w = self.weights
        logits = _gelu(windows(states) @ w["w1"] + w["b1"]) @ w["w2"] + w["b2"]
        logits = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.round(exp / exp.sum(axis=1, keepdims=True), 2)

    def save(self, path: Path) -> None:
        np.savez(path, **self.weights)

    @classmethod
    def load(cls, path: Path) -> TokenHead:
        data = np.load(path)
        return cls({name: data[name] for name in ("w1", "b1", "w2", "b2")})


def out_of_fold(
    states: Sequence[np.ndarray],
    tags: Sequence[Sequence[str]],
    folds: int,
    epochs: int,
    seed: int,
    progress: Callable[[], None] | None = None,
) -> list[np.ndarray]:
    """Each sentence's probabilities from a head trained on the other folds."""
    found: list[np.ndarray | None] = [None] * len(states)
    for fold in range(folds):
        inside = [k for k in range(len(states)) if k % folds != fold]
        head = TokenHead.fit([states[k] for k in inside], [tags[k] for k in inside], epochs, seed + fold)
        for k in range(fold, len(states), folds):
            found[k] = head.probabilities(states[k])
        if progress:
            progress()
    return found  # type: ignore[return-value]
