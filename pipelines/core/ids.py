"""Document ids become file names (``corpus/documents/<doc_id>.json``): only safe names are ids.

An id from ``corpus add --id``, a seed's file name, a manifest key or a collection line's
``id`` is checked where it enters, and again where it becomes a path, so no id can write
outside its folder (``../evil``, ``a/b``, ``.hidden``).
"""

from __future__ import annotations

import re
from pathlib import Path

from pipelines.core.errors import InputError

SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


def check_doc_id(value: object, where: str | Path) -> str:
    """``value`` when it is a safe id, else an error naming ``where`` (a file, ``file:line``)."""
    if not isinstance(value, str) or not SAFE_ID.fullmatch(value) or ".." in value:
        raise InputError(
            where,
            f"id {value!r} is not a safe name: use letters, digits, '.', '_' and '-' "
            "(at most 200, starting with a letter or digit; no '/', no '..')",
        )
    return value


def id_path(folder: Path, doc_id: str, suffix: str) -> Path:
    """``folder/<doc_id><suffix>``, refusing any id that is not a safe name."""
    return folder / f"{check_doc_id(doc_id, folder)}{suffix}"
