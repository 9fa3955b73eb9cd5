"""A stage's contract with DVC: what it writes and which parameters it reads.

Each stage module declares its ``CONTRACT`` next to its code; ``tests/test_architecture.py``
checks every contract against ``dvc.yaml`` (outs, metrics, plots, params), so the two cannot
drift apart. Paths are as ``dvc.yaml`` writes them, a ``${section.key}`` for a path taken from
``params.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StageContract:
    name: str  # the stage's name in dvc.yaml
    outs: tuple[Path | str, ...] = ()
    metrics: tuple[Path | str, ...] = ()
    plots: tuple[Path | str, ...] = ()
    params: tuple[str, ...] = ()

    def as_dvc(self) -> dict[str, list[str]]:
        """The contract in dvc.yaml's terms (paths as strings)."""
        return {
            "outs": [str(p) for p in self.outs],
            "metrics": [str(p) for p in self.metrics],
            "plots": [str(p) for p in self.plots],
            "params": list(self.params),
        }
