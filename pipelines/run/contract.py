"""A stage's contract with DVC: what it reads, what it writes and which parameters it reads.

Each stage module declares its ``CONTRACT`` next to its code; ``tests/test_architecture.py``
checks every contract against ``dvc.yaml`` (deps, outs, metrics, plots, params), so the two
cannot drift apart. ``deps`` are the data the stage reads; its code deps (``pipelines/...``)
are derived from its imports by the same test. Paths are as ``dvc.yaml`` writes them, a
``${section.key}`` for a path taken from ``params.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StageContract:
    name: str  # the stage's name in dvc.yaml
    deps: tuple[Path | str, ...] = ()  # the data it reads (not its code), in dvc.yaml's order
    outs: tuple[Path | str, ...] = ()
    metrics: tuple[Path | str, ...] = ()
    plots: tuple[Path | str, ...] = ()
    params: tuple[str, ...] = ()

    def as_dvc(self) -> dict[str, list[str]]:
        """The contract in dvc.yaml's terms (paths as strings)."""
        return {
            "deps": [str(p) for p in self.deps],
            "outs": [str(p) for p in self.outs],
            "metrics": [str(p) for p in self.metrics],
            "plots": [str(p) for p in self.plots],
            "params": list(self.params),
        }
