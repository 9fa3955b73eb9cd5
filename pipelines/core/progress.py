"""Progress anyone can see: a tqdm bar on a terminal, a log line at a steady interval elsewhere.

tqdm draws nothing when output is not a terminal (``disable=None``), so a long stage under
``dvc repro`` in CI, ``nohup`` or a notebook looked like a hang. Off a terminal this prints
``desc: done/total unit (pct), rate, ETA`` every ``CORPUS_PROGRESS_SECONDS`` (default 30) and a
last line when the work took longer than that. ``corpus --quiet`` (``TQDM_DISABLE``) silences both.
"""

from __future__ import annotations

import os
import sys
import time

from tqdm import tqdm

DEFAULT_INTERVAL = 30.0


def interval_seconds() -> float:
    return float(os.environ.get("CORPUS_PROGRESS_SECONDS") or DEFAULT_INTERVAL)


class Progress:
    def __init__(self, total: int, desc: str, unit: str = "item") -> None:
        self.total, self.desc, self.unit = total, desc, unit
        self.done = 0
        self.quiet = bool(os.environ.get("TQDM_DISABLE"))
        self.bar = tqdm(total=total, desc=desc, unit=unit, disable=None) if sys.stderr.isatty() else None
        self.started = self.last = time.monotonic()
        self.printed = False

    def update(self, count: int = 1) -> None:
        self.done += count
        if self.bar is not None:
            self.bar.update(count)
            return
        now = time.monotonic()
        if not self.quiet and now - self.last >= interval_seconds():
            self.last = now
            self._print(now)

    def line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        share = f" ({100 * self.done / self.total:.0f}%)" if self.total else ""
        eta = f", ETA {_clock((self.total - self.done) / rate)}" if rate > 0 and self.done < self.total else ""
        return f"{self.desc}: {self.done}/{self.total} {self.unit}{share}, {rate:.2f} {self.unit}/s{eta}"

    def _print(self, now: float) -> None:
        print(self.line(now), file=sys.stderr, flush=True)
        self.printed = True

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            return
        now = time.monotonic()
        if not self.quiet and (self.printed or now - self.started >= interval_seconds()):
            print(f"{self.line(now)}, done in {_clock(now - self.started)}", file=sys.stderr, flush=True)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"
