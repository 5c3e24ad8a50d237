"""Worker processes for the CPU-bound steps: preparing polled items and composing sections.

Cleaning, tagging, fingerprinting, grouping and summarising are pure Python over plain data,
so a second core only helps outside the GIL. Both the poll and the composer get their
processes here, so the rules for starting them live in one place.

Workers are forked from multiprocessing's fork server, a small process started once (as
early as possible: ``start_fork_server``, called by the command line before it loads
anything else) that imports the preparing code and loads the seat matcher
(``digest.parallel.warmup``). Forking from it is safe whatever threads this process runs (the
daemon's scheduler, the poll's fetchers), and each worker starts in milliseconds with all
of that loaded, shared with its siblings; a spawned worker would import it all again and
load the matcher again before its first item, each a noticeable cost (bench/RESULTS.md).
Where there is no fork server (Windows), workers are spawned.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing.connection import wait
from multiprocessing.context import BaseContext

WARM_UP_MODULES = ["digest.parallel.warmup"]
# Added to the workers' nice value (Unix) by the warm-up: lower priority than the command.
WORKER_NICENESS = 10


def worker_count(configured: int) -> int:
    """``[poll] workers``, or one per core when it is 0."""
    return configured or os.cpu_count() or 1


def _context() -> BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(WARM_UP_MODULES)
        return context
    return multiprocessing.get_context("spawn")


def start_fork_server() -> None:
    """Start the fork server now, so that its loading overlaps this process's own start
    (a cold ``digest send`` imports for a second on one core while the other is idle)."""
    if _context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


@contextmanager
def process_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of up to ``workers`` processes, each started when work first needs it."""
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=_context(), initializer=_exit_with_parent
    ) as pool:
        yield pool


def _exit_with_parent() -> None:
    """Worker initializer: end this worker when the process that started it ends, however
    it ends. After a SIGKILL nothing shuts the pool down, and a worker waits for its next
    task forever (it holds its own task queue open); it would also keep the fork server
    alive, and with them any pipe a caller reads this command's output from."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
