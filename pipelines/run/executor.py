"""Run a stage's per-item work in this process, a local process pool, a warm engine server, or on Ray.

A stage describes its work as a *work class*: its constructor loads the engines (once per
process or Ray actor), and calling it maps a batch of JSON strings to one JSON string per
item. Strings in and out keep every executor's results byte-identical and make the work
cheap to ship to other processes and machines. ``kind: warm`` keeps the work objects loaded
in a local server between stage runs (``warm``). Ray is imported only when ``kind: ray``.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import Client, Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pipelines.core.errors import StageError
from pipelines.core.progress import Progress
from pipelines.run.fingerprint import PACKAGE
from pipelines.run.warm import authkey, runtime_dir, server_key, serving, work_key

if TYPE_CHECKING:
    from pipelines.core.settings import ExecutorSettings

WARM_STARTUP_SECONDS = 120


class Work(Protocol):
    """Loads its engines in ``__init__``; maps each item of a batch to one result."""

    def __call__(self, batch: list[str]) -> list[str]: ...


WorkFactory = Callable[..., Work]


def in_batches(items: Sequence[str], size: int) -> list[list[str]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def checked(batch: list[str], results: list[str]) -> list[str]:
    if len(results) != len(batch):
        raise StageError(f"work returned {len(results)} results for a batch of {len(batch)} items")
    return results


class LocalExecutor:
    """``workers: 1`` runs in this process; more start a process pool, one engine per process."""

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(1, workers)
        self.name = "local" if self.workers == 1 else f"local-pool:{self.workers}"

    def map(self, factory: WorkFactory, args: tuple, items: Sequence[str], batch_size: int, desc: str) -> Iterator[str]:
        batches = in_batches(items, batch_size)
        bar = Progress(len(items), desc)
        if self.workers == 1 or len(batches) <= 1:
            work = factory(*args) if batches else None
            for batch in batches:
                yield from checked(batch, work(batch))
                bar.update(len(batch))
        else:
            # spawn, not fork: a forked copy of a process that already runs threads (torch, a
            # server, a progress bar) can deadlock; each worker loads the engine itself anyway
            context = multiprocessing.get_context("spawn")
            pool = ProcessPoolExecutor(self.workers, context, initializer=_start_worker, initargs=(factory, args))
            with pool:
                for batch, results in zip(batches, pool.map(_run_in_worker, batches), strict=True):
                    yield from checked(batch, results)
                    bar.update(len(batch))
        bar.close()


_WORKER: dict[str, Any] = {}


def _start_worker(factory: WorkFactory, args: tuple) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core per worker process
    _WORKER["work"] = factory(*args)


def _run_in_worker(batch: list[str]) -> list[str]:
    return _WORKER["work"](batch)


class _RayWork:
    """A Ray Data actor: holds one loaded engine, maps ``{"item": [...]}`` batches."""

    def __init__(self, factory: WorkFactory, args: tuple) -> None:
        self.work = factory(*args)

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[str]]:
        items = [str(item) for item in batch["item"]]
        return {"result": checked(items, self.work(items))}


class RayExecutor:
    """Ray Data ``map_batches`` with an actor pool; joins ``address`` (or ``$RAY_ADDRESS``),
    else starts a local Ray instance with ``workers`` CPUs."""

    def __init__(self, workers: int = 1, address: str | None = None) -> None:
        self.workers = max(1, workers)
        self.address = address or os.environ.get("RAY_ADDRESS")
        self.name = f"ray:{self.address or 'local'}:{self.workers}"

    def _init(self) -> Any:
        try:
            import ray
        except ImportError:
            raise StageError("executor.kind is ray but Ray is not installed: pip install '.[ray]'") from None
        logging.getLogger("ray").setLevel(logging.WARNING)  # Ray Data logs every plan at INFO
        if not ray.is_initialized():
            options = {"log_to_driver": False, "logging_level": logging.WARNING}
            if self.address:
                ray.init(address=self.address, **options)
            else:
                ray.init(num_cpus=self.workers, include_dashboard=False, **options)
        return ray

    def map(self, factory: WorkFactory, args: tuple, items: Sequence[str], batch_size: int, desc: str) -> Iterator[str]:
        if not items:
            return
        ray = self._init()
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True  # results line up with items
        context.enable_progress_bars = sys.stderr.isatty() and os.environ.get("TQDM_DISABLE") != "1"
        dataset = ray.data.from_items([{"item": item} for item in items], override_num_blocks=self.workers * 4)
        mapped = dataset.map_batches(
            _RayWork,
            fn_constructor_args=(factory, args),
            batch_size=batch_size,
            batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=self.workers),
            num_cpus=1,
        )
        with Progress(len(items), desc) as bar:
            for row in mapped.iter_rows():
                bar.update()
                yield str(row["result"])


class WarmExecutor:
    """Sends batches to the warm engine server (``warm``) for this code and directory, starting
    it when absent."""

    def __init__(self, idle_seconds: int | Path, address: Path | None = None) -> None:
        """``idle_seconds``: or the parameters file that sets them, read by the server if it has to
        start (a client that only forwards a command need not load the settings). ``address``:
        another server's socket (default: this code's and folder's)."""
        self.idle_seconds = idle_seconds
        self.name = "warm"
        self.address = address or runtime_dir() / f"{server_key()}.sock"

    def _dial(self) -> Connection | None:
        """A connection to the running server; None when none listens at the address."""
        try:
            return Client(str(self.address), "AF_UNIX", authkey=authkey(self.address))
        except (FileNotFoundError, ConnectionRefusedError, ConnectionResetError, EOFError):  # none, or exiting
            return None

    def _connect(self) -> Connection:
        connection = self._dial()
        if connection is not None:
            return connection
        with open(self.address.with_suffix(".lock"), "w") as lock:  # one starter at a time
            fcntl.flock(lock, fcntl.LOCK_EX)
            return self._dial() or self._start()

    def _start(self) -> Connection:
        self.address.unlink(missing_ok=True)  # a socket left by a server that was killed
        self._stop_outdated()
        log = self.log
        # the server imports this very package, whatever the working directory holds
        start = f"import sys; sys.path.insert(0, {str(PACKAGE.parent)!r}); import pipelines.run.warm as w; w.serve()"
        command = [sys.executable, "-c", start, str(self.address), str(self.idle_seconds)]
        with open(log, "ab") as output:  # the server keeps its own copy of the descriptor
            server = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=output, stderr=output, start_new_session=True
            )
        deadline = time.monotonic() + WARM_STARTUP_SECONDS
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise StageError(f"the warm engine server exited at start; see {log}")
            connection = self._dial()
            if connection is not None:
                return connection
            time.sleep(0.05)
        raise StageError(f"the warm engine server did not start within {WARM_STARTUP_SECONDS} s; see {log}")

    def _request(self, connection: Connection, message: tuple) -> Any:
        """Send one request; print what the server streams back until its reply."""
        connection.send(message)
        server_pid = None
        while True:
            try:
                reply = connection.recv()
            except KeyboardInterrupt:
                if server_pid is None:
                    raise
                os.kill(server_pid, signal.SIGINT)  # the command stops there, as it would here
                server_pid = None  # a second Ctrl-C leaves at once
                continue
            if reply[0] == "pid":
                server_pid = reply[1]
            elif reply[0] == "output":
                stream = sys.stdout if reply[1] == "stdout" else sys.stderr
                stream.write(reply[2])
                stream.flush()
            elif reply[0] == "error":
                raise StageError(reply[1])
            else:
                return reply[1]

    def run(self, target: str, argv: list[str]) -> int:
        """Run a command line in the server (``target``: ``"module:function"``); its exit code."""
        connection = self._connect()
        with connection:
            try:
                return self._request(connection, ("run", target, argv, dict(os.environ)))
            except EOFError:
                raise StageError(f"the warm engine server exited while running the command; see {self.log}") from None

    @property
    def log(self) -> Path:
        return self.address.with_suffix(".log")

    def map(self, factory: Any, args: tuple, items: Sequence[str], batch_size: int, desc: str) -> Iterator[str]:
        if not items:
            return
        key = work_key(factory, args)
        server = serving()
        if server is not None:  # a command the server runs: its engines are right here
            work = server.work(key, factory, args)
            for batch in in_batches(items, batch_size):
                yield from checked(batch, work(batch))
            return
        work = pickle.dumps((factory, args))
        bar = Progress(len(items), desc)
        connection = self._connect()
        try:
            for batch in in_batches(items, batch_size):
                try:
                    results = self._request(connection, ("map", key, work, batch))
                except (EOFError, OSError):  # the server went idle and exited as we connected
                    connection.close()
                    connection = self._connect()
                    results = self._request(connection, ("map", key, work, batch))
                yield from checked(batch, results)
                bar.update(len(batch))
        finally:
            connection.close()
        bar.close()

    def _stop_outdated(self) -> None:
        """Stop this folder's servers for other code: nothing will use them again, and each holds
        its engines' memory until it goes idle."""
        folder = self.address.name.split("-")[0]
        for socket in self.address.parent.glob(f"{folder}-*.sock"):
            if socket != self.address:
                with contextlib.suppress(OSError, EOFError, StageError):
                    WarmExecutor(0, socket).stop()

    def status(self) -> dict | None:
        """The running server's pid, engines and requests served; None when none runs."""
        connection = self._dial()
        if connection is None:
            return None
        with connection:
            return self._request(connection, ("status",))

    def stop(self) -> bool:
        """Ask the server to exit; False when none was running."""
        connection = self._dial()
        if connection is None:
            return False
        with connection:
            self._request(connection, ("stop",))
        return True


Executor = LocalExecutor | RayExecutor | WarmExecutor


def make_executor(settings: ExecutorSettings) -> Executor:
    if settings.kind == "ray":
        return RayExecutor(settings.workers, settings.ray_address)
    if settings.kind == "warm":
        return WarmExecutor(settings.warm_idle_seconds)
    return LocalExecutor(settings.workers)
