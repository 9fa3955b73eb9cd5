"""What an incremental stage processed last time, so a re-run touches only what changed.

DVC re-runs a corpus-level stage when any input changes; the stage itself then compares,
per document, the key of its inputs (content sha256) with the key it saved, under a
fingerprint of everything else that shapes the output (code, settings, engine). Only
documents whose key changed (or whose output file is gone) are processed again; outputs of
documents that left the manifest are deleted, so the folder describes exactly the listed ones.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from pipelines.core.errors import StageError, warn
from pipelines.core.hashing import content_key
from pipelines.core.io import write_json, write_text
from pipelines.run.executor import Executor, WorkFactory

STATE_FILE = ".stage.json"


class StageState:
    """Per output folder: ``{"fingerprint": ..., "items": {doc_id: {"key": input key, **counts}}}``."""

    def __init__(self, folder: Path, output: Callable[[str], Path], *fingerprint_parts: object) -> None:
        self.folder = Path(folder)
        self.path = self.folder / STATE_FILE
        self.output = output
        self.fingerprint = content_key(*fingerprint_parts)
        saved = self._read()
        self.previous: dict[str, dict] = saved.get("items", {}) if saved.get("fingerprint") == self.fingerprint else {}

    def _read(self) -> dict:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # no state (first run, or lost): everything is processed

    def stale(self, keys: dict[str, str]) -> list[str]:
        """Items to (re)process: new, changed, or whose output went missing."""
        return [
            item
            for item, key in keys.items()
            if self.previous.get(item, {}).get("key") != key or not self.output(item).exists()
        ]

    def remove_others(self, keep: set[str], pattern: str) -> list[str]:
        """Delete outputs (``pattern`` in the folder) of items not in ``keep``; returns their ids."""
        gone = sorted(p for p in self.folder.glob(pattern) if p.stem not in keep and p.name != STATE_FILE)
        for path in gone:
            path.unlink()
        return [p.stem for p in gone]

    def save(self, items: dict[str, dict]) -> None:
        write_json(self.path, {"fingerprint": self.fingerprint, "items": dict(sorted(items.items()))})
        self.previous = items


def outcome(item: str, output: str | None = None, error: str | None = None, **extra: object) -> str:
    """What a work class returns per item: the output file's text, or the error that stopped it,
    plus ``warnings`` for the driver to print (workers' own stderr may be far away) and
    ``counts`` kept in the state for the stage's metrics."""
    return json.dumps({"item": item, "output": output, "error": error, **extra}, ensure_ascii=False)


def process_changed(
    state: StageState,
    items: dict[str, tuple[str, str]],
    executor: Executor,
    work: tuple[WorkFactory, tuple],
    batch_size: int,
    desc: str,
) -> list[dict]:
    """Run ``work`` on the stale items (``{id: (input key, payload)}``) and write their outputs.

    All or nothing: when any item fails, every error is reported (file and problem) and no
    output is written, so the previous outputs stay as they were.
    """
    keys = {item: key for item, (key, _) in items.items()}
    todo = state.stale(keys)
    results = [json.loads(r) for r in executor.map(*work, [items[i][1] for i in todo], batch_size, desc)]
    errors = [r["error"] for r in results if r["error"]]
    for result in results:
        for message in result.get("warnings", []):
            warn(message)
    if errors:
        more = f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""
        raise StageError("; ".join(errors[:10]) + more)
    saved = {item: state.previous[item] for item in keys if item not in todo}
    for result in results:
        write_text(state.output(result["item"]), result["output"])
        saved[result["item"]] = {"key": keys[result["item"]], **result.get("counts", {})}
    state.save(saved)
    return results
