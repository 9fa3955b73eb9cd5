"""Run a stage's per-item work in this process, a local process pool, or on Ray.

A stage describes its work as a *work class*: its constructor loads the engines (once per
process or Ray actor), and calling it maps a batch of JSON strings to one JSON string per
item. Strings in and out keep every executor's results byte-identical and make the work
cheap to ship to other processes and machines. In a command the warm server runs
(``executor.warm``), the one-process executor takes its work objects from the server, which
keeps them loaded between runs. Ray is imported only when ``kind: ray``.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol

from pipelines.core.errors import StageError
from pipelines.core.progress import Progress
from pipelines.run.warm import serving, work_key

if TYPE_CHECKING:
    from pipelines.core.settings import ExecutorSettings


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
            work = engine(factory, args) if batches else None
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


def engine(factory: WorkFactory, args: tuple) -> Work:
    """The work object: kept by the warm server this code runs in (built there on first use), else new."""
    server = serving()
    return server.work(work_key(factory, args), factory, args) if server is not None else factory(*args)


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


Executor = LocalExecutor | RayExecutor


def make_executor(settings: ExecutorSettings) -> Executor:
    if settings.kind == "ray":
        return RayExecutor(settings.workers, settings.ray_address)
    return LocalExecutor(settings.workers)
