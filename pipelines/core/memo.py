"""``file_cache``: ``functools.cache`` for loaders that read files named by their arguments.

A stage process used to read a dictionary once and exit. The warm engine server
(``run.warm``) runs stage after stage in one process, so a cache keyed on the path alone
would keep serving a file's old contents after the user edits it. Keying on each path
argument's modification time and size as well reads an edited file again.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache, wraps
from pathlib import Path
from typing import Any, TypeVar

Loaded = TypeVar("Loaded")


def stamp(value: Any) -> tuple[int, int] | None:
    """A path argument's (mtime, size); None for other arguments and missing files."""
    if not isinstance(value, Path):
        return None
    try:
        status = os.stat(value)
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


def file_cache(loader: Callable[..., Loaded]) -> Callable[..., Loaded]:
    """Cache ``loader`` per positional arguments and the stamps of its ``Path`` arguments."""

    @cache
    def loaded(stamps: tuple, *args: Any) -> Loaded:
        return loader(*args)

    @wraps(loader)
    def cached(*args: Any) -> Loaded:
        return loaded(tuple(stamp(a) for a in args), *args)

    cached.cache_clear = loaded.cache_clear  # type: ignore[attr-defined]
    return cached
