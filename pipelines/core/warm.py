"""Warm engines: a local server process that keeps loaded work objects between stage runs
(its client is ``executor.WarmExecutor``).

``dvc repro`` starts one process per stage, and each used to load its engines again (stanza
and torch alone take about 4 s to import). With ``executor.kind: warm`` a stage hands its
batches to a server on a Unix socket that builds each work object once and keeps it until
it has been idle for ``executor.warm_idle_seconds``; adding one document then costs the
document, not the model loads.

What makes a warm engine safe to reuse:

- The server is keyed by the package's code, the Python executable, its installed packages
  (site-packages' modification time) and the working directory: any change starts a new
  server, which stops the folder's outdated ones (each holds its engines' memory).
- Inside it, a work object is keyed by its factory and arguments. Stages whose model files
  can change under the same settings pass what identifies them (the planned engine's
  provenance, with the model's sha256) as an argument, so a retrained model is loaded again.
- Results are the same JSON strings the local executor returns; what the engines print to
  stderr while building or working is sent back and printed by the stage.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import secrets
import sys
import sysconfig
import tempfile
import threading
import time
from multiprocessing.connection import Listener
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from pipelines.core.errors import RecordError, StageError
from pipelines.core.fingerprint import PACKAGE, files_digest
from pipelines.core.hashing import content_key


def server_key() -> str:
    """What a running server must match to be reused (see the module docstring):
    ``<project folder hash>-<code and environment hash>``."""
    code = files_digest(p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    site = os.stat(sysconfig.get_paths()["purelib"]).st_mtime_ns
    environment = content_key(code, sys.executable, site)
    folder = hashlib.sha256(os.getcwd().encode()).hexdigest()
    return f"{folder[:8]}-{environment[:16]}"


def runtime_dir() -> Path:
    """A private folder for sockets and their keys (short path: Unix sockets allow ~100 bytes)."""
    folder = Path(tempfile.gettempdir()) / f"corpus-engines-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def authkey(address: Path) -> bytes:
    key_file = address.with_suffix(".key")
    if not key_file.exists():
        staged = key_file.with_suffix(f".{os.getpid()}")
        descriptor = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(secrets.token_bytes(32))
        with contextlib.suppress(FileExistsError):
            os.link(staged, key_file)  # the first writer wins; everyone reads the same key
        staged.unlink()
    return key_file.read_bytes()


def work_key(factory: Any, args: tuple) -> str:
    """A work object's identity: its factory and arguments (settings as JSON: pickles of equal
    settings can differ between processes)."""
    plain = [a.model_dump(mode="json") if isinstance(a, BaseModel) else a for a in args]
    return content_key(f"{factory.__module__}.{factory.__qualname__}", plain)


class _Server:
    def __init__(self, address: Path, idle_seconds: int) -> None:
        self.address = address
        self.idle_seconds = idle_seconds
        self.works: dict[str, Any] = {}
        self.requests = 0
        self.busy = False  # working on a batch: never idle, however long the batch takes
        self.last_used = time.monotonic()

    def handle(self, message: tuple) -> tuple[str, Any]:
        kind = message[0]
        if kind == "status":
            return "ok", {"pid": os.getpid(), "engines": len(self.works), "requests": self.requests}
        if kind == "stop":
            return "ok", True
        _, key, work, batch = message
        self.requests += 1
        if key not in self.works:
            factory, args = pickle.loads(work)
            self.works[key] = factory(*args)
        return "ok", self.works[key](batch)

    def serve(self) -> None:
        listener = Listener(str(self.address), "AF_UNIX", authkey=authkey(self.address))
        threading.Thread(target=self._exit_when_idle, daemon=True).start()
        while True:
            with listener.accept() as connection:
                while True:
                    try:
                        message = connection.recv()
                    except EOFError:
                        break
                    self.busy = message[0] == "map"  # a status request does not keep the server alive
                    printed = io.StringIO()
                    try:
                        with contextlib.redirect_stderr(printed):
                            status, value = self.handle(message)
                    except (StageError, RecordError) as error:  # the user's problem, named as locally
                        status, value = "error", str(error)
                    except Exception as error:  # reported to the stage, which fails with it
                        status, value = "error", f"warm engine server: {type(error).__name__}: {error}"
                    if self.busy:
                        self.last_used, self.busy = time.monotonic(), False
                    try:
                        connection.send((status, value, printed.getvalue()))
                    except OSError:  # the stage went away (interrupted): wait for the next one
                        break
                    if message[0] == "stop":
                        self._exit()

    def _exit_when_idle(self) -> None:
        while self.busy or time.monotonic() - self.last_used < self.idle_seconds:
            time.sleep(min(5.0, self.idle_seconds))
        self._exit()

    def _exit(self) -> None:
        self.address.unlink(missing_ok=True)
        os._exit(0)


def serve() -> None:
    """The server process: ``serve()`` with the socket path and idle seconds in ``sys.argv``."""
    os.environ.setdefault("TQDM_DISABLE", "1")  # no one sees the server's terminal
    _Server(Path(sys.argv[1]), int(sys.argv[2])).serve()
