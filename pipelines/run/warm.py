"""Warm engines: a local server process that runs stage commands and keeps their loaded
engines between runs (its client is ``warm_client.WarmClient``).

``dvc repro`` starts one process per stage, and each used to import and load its engines
again (stanza and torch alone take about 4 s to import). With ``executor.warm: true`` the
``corpus`` command hands its command line to a server on a Unix socket (one protocol: ``run``,
plus ``status`` and ``stop``). The server runs it in process with the client's arguments and
environment, one command at a time, streaming its output back; the stage's Python start,
imports and libraries (datasets, the embedder, the gloss table) are paid once per server.
With the one-process executor a stage's work objects are built once in the server and kept
until it has been idle for ``executor.warm_idle_seconds``: adding one document then costs the
document, not the model loads.

What makes a warm engine safe to reuse:

- The server is keyed by the package's code, the Python executable, its installed packages
  (site-packages' modification time) and the working directory: any change starts a new
  server, which stops the folder's outdated ones (each holds its engines' memory).
- Inside it, a work object is keyed by its factory and arguments. Stages whose model files
  can change under the same settings pass what identifies them (the planned engine's
  provenance, with the model's sha256) as an argument, so a retrained model is loaded again.
- Loaders that cache what a file holds key the cache on the file's stamp (``core.memo``), so
  an edited file is read again.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import queue
import secrets
import signal
import sys
import sysconfig
import threading
import time
import traceback
from importlib import import_module
from multiprocessing import AuthenticationError
from multiprocessing.connection import Connection, Listener
from pathlib import Path
from typing import Any

from pipelines.core.errors import RecordError, StageError
from pipelines.core.hashing import content_key
from pipelines.core.private import private_dir
from pipelines.run.fingerprint import PACKAGE, files_digest


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
    return private_dir("corpus-engines")


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
    plain = [a.model_dump(mode="json") if hasattr(a, "model_dump") else a for a in args]  # pydantic settings
    return content_key(f"{factory.__module__}.{factory.__qualname__}", plain)


class _Stream(io.TextIOBase):
    """``sys.stdout``/``sys.stderr`` of the server: what is written while a client is served goes
    to that client, the rest to the server's log. Handlers that kept a reference to the stream
    (logging's, made at import) follow the current client too."""

    encoding = "utf-8"  # what click asks before it writes (without one it writes bytes)
    errors = "strict"

    def __init__(self, server: _Server, name: str, log: Any) -> None:
        self.server, self.name, self.log = server, name, log

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if isinstance(text, bytes | bytearray):
            text = bytes(text).decode(self.encoding)
        connection = self.server.client
        if connection is None:
            return self.log.write(text)
        with contextlib.suppress(OSError):  # the client went away: nothing left to tell it
            connection.send(("output", self.name, text))
        return len(text)

    def flush(self) -> None:
        if self.server.client is None:
            self.log.flush()


def exit_code(value: object) -> int:
    """``SystemExit.code`` as a process would exit with it."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    print(value, file=sys.stderr)
    return 1


class _Server:
    def __init__(self, address: Path, idle_seconds: int) -> None:
        self.address = address
        self.idle_seconds = idle_seconds
        self.works: dict[str, Any] = {}
        self.requests = 0
        self.busy = False  # running a command: never idle, however long the command takes
        self.running = False  # running a command: SIGINT from its client interrupts it
        self.jobs: queue.Queue = queue.Queue()  # (connection, request, reply queue) for the main thread
        self.client: Connection | None = None
        self.last_used = time.monotonic()

    def work(self, key: str, factory: Any, args: tuple) -> Any:
        """The work object for ``key``, built on first use (also by commands running in here)."""
        if key not in self.works:
            self.works[key] = factory(*args)
        return self.works[key]

    def handle(self, message: tuple) -> Any:
        """A ``run`` request (in the main thread, where SIGINT interrupts it)."""
        kind, *arguments = message
        if kind != "run":
            raise StageError(f"the warm engine server runs commands; it got a {kind!r} request")
        self.requests += 1
        return self.run(*arguments)

    def run(self, target: str, argv: list[str], environ: dict[str, str]) -> int:
        """Call ``target`` (``"module:function"``) with a command line, in the client's environment;
        returns its exit code. Errors print as they would in a stage process."""
        assert self.client is not None
        self.client.send(("pid", os.getpid()))  # whom the client signals when interrupted
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(environ)
        self.running = True
        try:
            module, _, name = target.partition(":")
            return exit_code(getattr(import_module(module), name)(argv))
        except SystemExit as stop:
            return exit_code(stop.code)
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130
        except Exception:  # a bug: the traceback a stage process would print
            traceback.print_exc()
            return 1
        finally:
            self.running = False
            os.environ.clear()
            os.environ.update(saved)

    def _interrupt(self, signum: int, frame: object) -> None:
        if self.running:
            raise KeyboardInterrupt

    def serve(self) -> None:
        """Accept clients on a thread each; run their work one request at a time in this (main)
        thread. ``status`` and ``stop`` are answered at once, even while a command runs."""
        global _SERVING
        _SERVING = self
        signal.signal(signal.SIGINT, self._interrupt)
        sys.stdout = _Stream(self, "stdout", sys.stdout)
        sys.stderr = _Stream(self, "stderr", sys.stderr)
        listener = Listener(str(self.address), "AF_UNIX", authkey=authkey(self.address))
        threading.Thread(target=self._exit_when_idle, daemon=True).start()
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        while True:
            connection, message, replied = self.jobs.get()
            replied.put(self.answer(connection, message))

    def _accept(self, listener: Listener) -> None:
        while True:
            try:
                connection = listener.accept()
            except (OSError, AuthenticationError):  # a client without the key, or gone at once
                continue
            threading.Thread(target=self.serve_client, args=(connection,), daemon=True).start()

    def serve_client(self, connection: Connection) -> None:
        with connection:
            while True:
                try:
                    message = connection.recv()
                except (EOFError, OSError):
                    return
                if message[0] == "status":
                    reply = ("ok", {"pid": os.getpid(), "engines": len(self.works), "requests": self.requests,
                                    "running": self.running})  # fmt: skip
                elif message[0] == "stop":
                    self.address.unlink(missing_ok=True)  # no new client reaches a server about to exit
                    reply = ("ok", True)
                else:
                    replied: queue.Queue = queue.Queue(maxsize=1)
                    self.jobs.put((connection, message, replied))
                    reply = replied.get()
                try:
                    connection.send(reply)
                except OSError:  # the stage went away (interrupted): wait for the next one
                    return
                if message[0] == "stop":
                    self._exit()

    def answer(self, connection: Connection, message: tuple) -> tuple[str, Any]:
        self.busy, self.client = True, connection
        try:
            return "ok", self.handle(message)
        except (StageError, RecordError) as error:  # the user's problem, named as locally
            return "error", str(error)
        except Exception as error:  # reported to the stage, which fails with it
            return "error", f"warm engine server: {type(error).__name__}: {error}"
        finally:
            self.client = None
            self.last_used, self.busy = time.monotonic(), False

    def _exit_when_idle(self) -> None:
        while self.busy or time.monotonic() - self.last_used < self.idle_seconds:
            time.sleep(min(5.0, self.idle_seconds))
        self._exit()

    def _exit(self) -> None:
        self.address.unlink(missing_ok=True)
        os._exit(0)


_SERVING: _Server | None = None


def serving() -> _Server | None:
    """The server this code runs in (a command run by it), else None."""
    return _SERVING


def serve() -> None:
    """The server process: ``serve()`` with the socket path and the idle seconds (or the
    parameters file that sets them) in ``sys.argv``."""
    os.environ.setdefault("TQDM_DISABLE", "1")  # no one sees the server's terminal
    idle = sys.argv[2]
    if not idle.isdigit():
        from pipelines.core.settings import load_settings

        idle = load_settings(Path(idle)).executor.warm_idle_seconds
    _Server(Path(sys.argv[1]), int(idle)).serve()
