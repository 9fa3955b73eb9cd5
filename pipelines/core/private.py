"""Private run-time files: a per-user folder under the temp dir, and locks that never follow links.

A predictable name in a shared ``/tmp`` is a target: another local user could plant it first
(as a folder they own, or as a symlink to a file of ours that ``open(..., "w")`` would then
truncate). So the folder must be a real directory owned by us with mode 0700, and a lock file is
opened with ``O_NOFOLLOW`` and never truncated.
"""

from __future__ import annotations

import fcntl
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from pipelines.core.errors import StageError


def private_dir(prefix: str) -> Path:
    """``$TMPDIR/<prefix>-<uid>``: created 0700, or refused when it is not ours alone."""
    folder = Path(tempfile.gettempdir()) / f"{prefix}-{os.getuid()}"
    with suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077:
        raise StageError(
            f"{folder}: not a private folder of this user (a symlink, another owner, or readable by others); "
            "remove it or set TMPDIR to a folder of your own"
        )
    return folder


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created 0600, never truncated, links refused)."""
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as error:
        raise StageError(f"{path}: cannot open the lock file ({error.strerror}); is it a symlink?") from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
