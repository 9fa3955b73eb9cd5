"""``file_cache``: a loader's cache follows the file it read (the warm server runs for hours)."""

from __future__ import annotations

import os
from pathlib import Path

from pipelines.core.memo import file_cache


def test_an_edited_file_is_read_again_and_an_unchanged_one_is_not(tmp_path: Path) -> None:
    reads = []

    @file_cache
    def load(path: Path, suffix: str) -> str:
        reads.append(path)
        return path.read_text(encoding="utf-8") + suffix

    words = tmp_path / "words.txt"
    words.write_text("alpha", encoding="utf-8")
    assert load(words, "!") == load(words, "!") == "alpha!"
    assert len(reads) == 1
    words.write_text("beta", encoding="utf-8")
    os.utime(words, ns=(1, 1))  # a different stamp even within the clock's resolution
    assert load(words, "!") == "beta!"
    assert load(words, "?") == "beta?"  # other arguments: another entry
    assert len(reads) == 3
