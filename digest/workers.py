"""Worker processes for the CPU-bound steps: preparing polled items and composing sections.

Cleaning, tagging, fingerprinting, grouping and summarising are pure Python over plain data,
so a second core only helps outside the GIL. Both the poll and the composer use this one
way of getting processes, so the rules for starting them live in one place.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager


def worker_count(configured: int) -> int:
    """``[poll] workers``, or one per core when it is 0."""
    return configured or os.cpu_count() or 1


@contextmanager
def process_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of ``workers`` processes, started now.

    Call it before starting any thread of your own. A process with no other thread forks
    its workers: they start in milliseconds with the modules already imported, where a
    spawned worker re-imports the command line first (over a second of CPU each, a tenth of
    a cold poll of 200 feeds). With other threads running (the daemon's scheduler, a test's
    servers) a fork could copy a lock some thread holds, so those workers are spawned. The
    seat matcher is loaded by each worker when it first tags: a poll where nothing is new
    (every feed unchanged) then costs two forks, not a matcher.
    """
    forking = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    context = multiprocessing.get_context("fork" if forking else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        # With fork the first task starts every worker, now, while this is the only thread.
        pool.submit(os.getpid).result()
        yield pool
