"""One function over many inputs, here or in worker processes: how a stage goes parallel
without knowing about executors.

A stage takes a ``Mapper`` and asks it to ``map`` a function over a batch (results in
order) or to ``stream`` jobs through it (results as they finish, a few jobs in flight).
``width`` says how many calls run at once, for a stage whose work can be cut into that many
pieces (the renderer's pages of sections). Whether the calls run in this process
(``IN_PROCESS``) or in worker processes (``pooled``), and from what size of work, is
decided here and by the spine, with the thresholds of ``thresholds``; a stage only sees
the mapper it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, Protocol, TypeVar

from digest.parallel.thresholds import INLINING_PROCESSES
from digest.parallel.workers import process_pool, worker_count

A = TypeVar("A")
K = TypeVar("K")
R = TypeVar("R")


class Mapper(Protocol):
    """Runs one function over many inputs: in this process, or in worker processes.

    A function given to a mapper must be a module-level function (it may be sent to a
    worker process), and its inputs and results plain, picklable data.
    """

    @property
    def width(self) -> int:
        """How many calls run at once (1 in this process)."""
        ...

    def map(self, fn: Callable[[A], R], items: Sequence[A]) -> list[R]:
        """``fn`` of each item, all of them at once where there are workers; in order."""
        ...

    def stream(
        self, fn: Callable[..., R], jobs: Iterable[tuple[K, tuple[Any, ...]]]
    ) -> Iterator[tuple[K, R]]:
        """``(key, fn(*args))`` for each ``(key, args)`` job, as each finishes.

        ``jobs`` is read only as calls finish (a few in flight at once), so a caller that
        reads each job's input from disk as it is asked for holds a few inputs in memory,
        never all of them.
        """
        ...


class InProcess:
    """Every call in this process, one after the other."""

    width = 1

    def map(self, fn: Callable[[A], R], items: Sequence[A]) -> list[R]:
        return [fn(item) for item in items]

    def stream(
        self, fn: Callable[..., R], jobs: Iterable[tuple[K, tuple[Any, ...]]]
    ) -> Iterator[tuple[K, R]]:
        for key, args in jobs:
            yield key, fn(*args)


IN_PROCESS = InProcess()


class PoolMapper:
    """Calls run in ``executor``'s ``width`` workers, at most ``in_flight`` of a stream's
    jobs handed to them at once."""

    def __init__(self, executor: Executor, width: int, in_flight: int) -> None:
        self.executor = executor
        self.width = max(1, width)
        self.in_flight = max(1, in_flight)

    def map(self, fn: Callable[[A], R], items: Sequence[A]) -> list[R]:
        running = [self.executor.submit(fn, item) for item in items]
        return [future.result() for future in running]

    def stream(
        self, fn: Callable[..., R], jobs: Iterable[tuple[K, tuple[Any, ...]]]
    ) -> Iterator[tuple[K, R]]:
        running: dict[Future[R], K] = {}
        # The next job is read only once there is room for it: its input is held from then.
        for key, args in jobs:
            running[self.executor.submit(fn, *args)] = key
            while len(running) >= self.in_flight:
                for future in wait(running, return_when=FIRST_COMPLETED).done:
                    yield running.pop(future), future.result()
        for future in wait(running).done:
            yield running.pop(future), future.result()


@contextmanager
def pooled(workers: int, *, in_flight: int | None = None) -> Iterator[PoolMapper]:
    """A mapper over ``workers`` worker processes (forked from the fork server, each
    started when work first needs it); a stream keeps ``in_flight`` jobs in them at once
    (default: one per worker)."""
    with process_pool(workers) as pool:
        yield PoolMapper(pool, workers, workers if in_flight is None else in_flight)


def inlining(workers_wanted: int) -> AbstractContextManager[Mapper]:
    """Where premailer runs for a send: ``INLINING_PROCESSES`` worker processes, where it
    is loaded already (the fork server's warm-up) and off the sending thread, unless
    ``[poll] workers`` (``workers_wanted``) keeps everything in this process."""
    if worker_count(workers_wanted) > 1:
        return pooled(INLINING_PROCESSES)
    return nullcontext(IN_PROCESS)
