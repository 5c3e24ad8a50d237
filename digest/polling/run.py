"""``poll_all``: fetch every due source concurrently, prepare its items, store them.

Worker threads do the waiting (HTTP, through one shared ``Fetcher`` with per-host limits)
and the parsing; a source's article pages (``full_text``) go through the same ``Fetcher``,
several at a time within its limits and the source's page budget (``sources/page.py``).
The calling thread stores each source's items and outcome in one transaction as its result
arrives, so a slow publisher never holds up the others. The worker threads write too, but
only small independent rows: the item hashes of stored articles (``set_item_hashes``) and
the page cache (texts and failures of article pages); SQLite serialises those writes with
the calling thread's (WAL, ``busy_timeout``). A source that fails is recorded with its
reason and scheduled for a later retry (``records``: exponential backoff, or the server's
``Retry-After``); a 410 disables it. Publishers' own floors on the next poll
(``Cache-Control: max-age``, RSS ``<ttl>``) are honoured.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx

from digest.clock import Clock, utc_now
from digest.config import PollConfig, SourceConfig
from digest.errors import ConfigError, SourceError
from digest.models import FeedItem
from digest.parallel.thresholds import PROCESSES_FROM_SOURCES
from digest.parallel.workers import process_pool, worker_count
from digest.polling.records import (
    Fetched,
    PollReport,
    SourceOutcome,
    all_sources,
    record_failure,
    record_successes,
)
from digest.sources.base import CpuRunner, PollContext, SourceState, run_here
from digest.sources.factory import build_source
from digest.sources.fetch import Fetcher
from digest.sources.netguard import AddressPolicy
from digest.store.core import Store

# One logger for the poll, named as before the split: operators filter on it.
log = logging.getLogger("digest.polling")

T = TypeVar("T")

# Per poll thread: how long the source it is polling waited for worker processes.
_worker_wait = threading.local()


def _poll_one(
    config: SourceConfig,
    state: SourceState,
    poll: PollConfig,
    base_dir: Path,
    fetcher: Fetcher,
    store: Store,
    run_cpu: CpuRunner,
    now: datetime,
) -> Fetched:
    """Fetch, parse and prepare one source's items (in a worker thread)."""
    # Cleaning and tagging load with the first new items: a poll of unchanged feeds (most
    # polls) never needs lxml's HTML parser or the seat matcher in this process.
    from digest.prepare.items import item_hash, prepare_items

    source = build_source(config, poll, base_dir, fetcher, page_cache=store)
    result = source.poll(state, PollContext(run_cpu, now))
    if not result.items:
        return Fetched(result, [], 0)
    # Items whose GUID is stored are the bulk of a changed feed: skip preparing them unless
    # the item itself changed (a revised article).
    known = store.known_items([item.guid for item in result.items])
    fresh = [item for item in result.items if item.guid not in known]
    changed: list[tuple[int, FeedItem]] = []
    unhashed: dict[int, str] = {}
    for item in result.items:
        if item.guid in known:
            article_id, stored_hash = known[item.guid]
            if stored_hash is None:
                unhashed[article_id] = item_hash(item)
            elif stored_hash != item_hash(item):
                changed.append((article_id, item))
    store.set_item_hashes(unhashed)
    prepared = run_cpu(prepare_items, fresh, now, config.area) if fresh else []
    revisions = (
        run_cpu(prepare_items, [item for _, item in changed], now, config.area) if changed else []
    )
    by_guid = {revision.guid: revision for revision in revisions}
    revised = [(i, by_guid[item.guid]) for i, item in changed if item.guid in by_guid]
    known_count = len(result.items) - len(fresh)
    return Fetched(result, prepared, known_count, revised, dropped=len(fresh) - len(prepared))


def poll_all(
    poll: PollConfig,
    store: Store,
    configured: Sequence[SourceConfig],
    *,
    base_dir: Path,
    sources: Sequence[SourceConfig] | None = None,
    clock: Clock = utc_now,
    on_progress: Callable[[SourceOutcome], None] | None = None,
    transport: httpx.BaseTransport | None = None,
    force: bool = False,
    policy: AddressPolicy | None = None,
) -> PollReport:
    """Poll every enabled, due source (all of them with ``force``) concurrently.

    ``configured`` is the config's ``[[sources]]``: polled with the sources added by
    ``digest sources add``, unless ``sources`` names the ones to poll. ``poll`` is the
    ``[poll]`` table and ``base_dir`` the config file's folder, which relative locations
    are read from. ``policy`` decides which addresses count as private and resolves host names (the
    system's resolver and the usual private ranges by default).
    """
    report = PollReport()
    chosen = [
        s for s in (all_sources(configured, store) if sources is None else sources) if s.enabled
    ]
    if sources is not None:
        added = {s.name for s in store.sources.added()}
        store.sources.sync_configured([s for s in chosen if s.name not in added])
    statuses = store.sources.statuses()
    now = clock()
    due: list[SourceConfig] = []
    for config in chosen:
        status = statuses.get(config.name)
        if status is not None and status.disabled_reason:
            report.outcomes.append(
                SourceOutcome(name=config.name, skipped=f"disabled: {status.disabled_reason}")
            )
        elif status is not None and not force and not status.is_due(now):
            assert status.next_poll_at is not None
            report.outcomes.append(
                SourceOutcome(
                    name=config.name, skipped=f"not due until {status.next_poll_at:%H:%M} UTC"
                )
            )
        else:
            due.append(config)
    threads = max(1, min(poll.concurrency, len(due)))
    with (
        _cpu_runner(poll.workers, len(due), report) as run_cpu,  # outlives the threads using it
        Fetcher(poll, transport, policy=policy) as fetcher,
        ThreadPoolExecutor(max_workers=threads, thread_name_prefix="poll") as pool,
    ):
        waiting = deque(due)
        window = PollWindow(threads)
        running: dict[Future[Fetched], tuple[SourceConfig, datetime]] = {}
        # How long each source's publisher kept its fetches waiting (``Fetcher.waited``): the
        # thread's own time would count this process's work and its waits for a CPU and the
        # interpreter too, which grow with the window itself and made fast publishers look slow.
        waited: dict[str, float] = {}

        def poll_one(config: SourceConfig, state: SourceState, started: datetime) -> Fetched:
            _worker_wait.seconds = 0.0
            try:
                return _poll_one(config, state, poll, base_dir, fetcher, store, run_cpu, started)
            finally:
                # Waiting for worker processes counts as well: a cold poll's sources wait
                # there for their items to be prepared, and a wider window keeps the
                # workers fed while this process fetches and parses the next sources.
                waited[config.name] = fetcher.waited(config.location) + _worker_wait.seconds

        def start_more() -> None:
            while waiting and len(running) < window.size:
                config = waiting.popleft()
                status = statuses.get(config.name)
                state = status.state if status else SourceState()
                started = clock()
                running[pool.submit(poll_one, config, state, started)] = (config, started)

        # Successful polls are stored in batches: one transaction for many sources' articles,
        # then one for their poll records (ETags). Between batches a crash costs a refetch.
        done: list[tuple[SourceConfig, Fetched, datetime]] = []
        done_articles = 0

        def flush() -> None:
            nonlocal done, done_articles
            if not done:
                return
            results = record_successes(done, poll, store, clock, statuses)
            store.sources.record_successes([record for _, record in results])
            for outcome, _ in results:
                report.outcomes.append(outcome)
                if on_progress is not None:
                    on_progress(outcome)
            done, done_articles = [], 0

        try:
            start_more()
            while running:
                for future in wait(running, return_when=FIRST_COMPLETED).done:
                    # Popped, so a stored source's items can be freed before the poll ends.
                    config, started = running.pop(future)
                    window.finished(waited.pop(config.name))
                    try:
                        fetched = future.result()
                    except ConfigError:
                        raise
                    except Exception as exc:
                        outcome = record_failure(
                            config, exc, statuses.get(config.name), poll, store, started
                        )
                        report.outcomes.append(outcome)
                        if on_progress is not None:
                            on_progress(outcome)
                        continue
                    done.append((config, fetched, started))
                    done_articles += len(fetched.prepared)
                    if len(done) >= RECORD_BATCH or done_articles >= ARTICLE_BATCH:
                        flush()
                start_more()
        finally:
            flush()
    order = {config.name: index for index, config in enumerate(chosen)}
    report.outcomes.sort(key=lambda o: order.get(o.name, len(order)))
    return report


class PollWindow:
    """How many sources are polled at once: a few, and more while they keep the threads
    waiting, up to ``[poll] concurrency``.

    Slow publishers need many requests in flight to keep a poll short; fast ones (a nearby
    mirror, unchanged feeds answered in a millisecond) need few, and more threads only
    contend for the interpreter (bench/RESULTS.md, "Figures moved out of code comments").
    Each source whose publisher kept it waiting at least ``SLOW_SECONDS`` (its requests
    sent to its answers read: ``Fetcher.waited``) widens the window by one, so behind slow
    servers it doubles every round trip, as TCP's slow start does. Time a source spends
    waiting for the poll's worker processes counts too (a cold poll widens, so the workers
    always have the next sources' items queued), but this process's own time does not: on
    a busy machine it grows with the threads, and widening for it would only add threads to
    the contention.
    """

    START = 4
    SLOW_SECONDS = 0.02

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = min(limit, self.START)

    def finished(self, seconds: float) -> None:
        """One source's publisher kept it waiting ``seconds``."""
        if seconds >= self.SLOW_SECONDS:
            self.size = min(self.limit, self.size + 1)


# Successful polls recorded per transaction, and new articles stored per transaction.
RECORD_BATCH = 100
ARTICLE_BATCH = 1000


@contextmanager
def _cpu_runner(workers_wanted: int, sources: int, report: PollReport) -> Iterator[CpuRunner]:
    """Worker processes for parsing and preparing when the poll is big enough to gain
    (counted in ``report``)."""
    workers = worker_count(workers_wanted)
    if workers <= 1 or sources < PROCESSES_FROM_SOURCES:
        yield run_here
        return
    with ExitStack() as stack:
        pools = [stack.enter_context(process_pool(workers))]
        report.processes = workers
        lock = threading.Lock()

        def run_in_process(fn: Callable[..., T], /, *args: Any) -> T:
            processes = pools[-1]
            with lock:
                report.process_runs += 1
            began = time.monotonic()
            try:
                return processes.submit(fn, *args).result()
            except BrokenProcessPool as exc:
                # A worker died (a crash in a C parser, the OOM killer): the sources it and
                # its siblings were reading fail, and later sources get a fresh pool.
                with lock:
                    if pools[-1] is processes:
                        pools.append(stack.enter_context(process_pool(workers)))
                raise SourceError(
                    "a worker process died while reading this source; retried at the next poll"
                ) from exc
            finally:
                _worker_wait.seconds = getattr(_worker_wait, "seconds", 0.0) + (
                    time.monotonic() - began
                )

        yield run_in_process
