"""A small persistent key-value cache (sqlite), shared by the translate and align engines.

Keys are content hashes the caller builds (model fingerprint + settings + text), so a
cache entry can never be served for a different model or input. The cache lives outside
DVC outputs (``.cache/``): deleting it only costs recomputation.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any


class KeyValueCache:
    def __init__(self, path: Path, table: str) -> None:
        if not table.isidentifier():
            raise ValueError(f"bad cache table name {table!r}")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.table = table
        self.connection = sqlite3.connect(path)
        self.connection.execute(f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, value BLOB NOT NULL)")

    def get_many(self, keys: list[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for begin in range(0, len(keys), 500):
            chunk = keys[begin : begin + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.connection.execute(f"SELECT key, value FROM {self.table} WHERE key IN ({marks})", chunk)
            found.update(rows.fetchall())
        return found

    def put_many(self, items: dict[str, Any]) -> None:
        with self.connection:
            self.connection.executemany(f"INSERT OR REPLACE INTO {self.table} VALUES (?, ?)", items.items())

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> KeyValueCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
