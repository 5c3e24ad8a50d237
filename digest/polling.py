"""Polling: fetch every due source concurrently, then clean, dedupe, tag and store its items.

Worker threads do the waiting (HTTP, through one shared ``Fetcher`` with per-host limits) and
the parsing; a source's article pages (``full_text``) go through the same ``Fetcher``,
several at a time within its limits and the source's page budget (``sources/page.py``). The
calling thread stores each source's items in one transaction as its result arrives, so a
slow publisher never holds up the others and the store sees one writer. A source that fails
is recorded with its reason and scheduled for a later retry (exponential backoff, or the
server's ``Retry-After``); a 410 disables it. Publishers' own floors on the
next poll (``Cache-Control: max-age``, RSS ``<ttl>``) are honoured.
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
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

import httpx

from digest.clock import Clock, utc_now
from digest.config import Settings, SourceConfig
from digest.errors import ConfigError, SourceError
from digest.models import FeedItem, PreparedArticle, SourceKind
from digest.parallel.thresholds import PROCESSES_FROM_SOURCES
from digest.parallel.workers import process_pool, worker_count
from digest.sources.base import PollResult, SourceState, is_url
from digest.sources.factory import build_source
from digest.sources.feed import FeedSource, parse_raw_feed, parse_well_formed_feed
from digest.sources.fetch import Fetcher, RetryLater, SourceGone
from digest.sources.netguard import AddressPolicy
from digest.store.core import Store
from digest.store.sources import PollRecord, SourceStatus, backoff_delay

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(slots=True)
class SourceOutcome:
    """What one poll of one source did."""

    name: str
    items: int = 0
    added: int = 0
    duplicates: int = 0
    dropped: int = 0  # new items that cleaning left without a title or any text
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    not_modified: bool = False
    skipped: str | None = None


@dataclass(slots=True)
class PollReport:
    """What a poll of every source did."""

    outcomes: list[SourceOutcome] = field(default_factory=list)

    @property
    def polled(self) -> list[SourceOutcome]:
        """Sources actually polled (not skipped as not due or disabled)."""
        return [o for o in self.outcomes if o.skipped is None]

    @property
    def added(self) -> int:
        """New articles stored."""
        return sum(o.added for o in self.outcomes)

    @property
    def failed(self) -> list[SourceOutcome]:
        """Sources that could not be read."""
        return [o for o in self.outcomes if o.error]


def all_sources(settings: Settings, store: Store) -> list[SourceConfig]:
    """The configured sources followed by the ones added with ``digest sources add``."""
    store.sources.sync_configured(list(settings.sources))
    return [*settings.sources, *store.sources.added()]


def store_prepared(prepared: Sequence[PreparedArticle], store: Store, now: datetime) -> list[bool]:
    """Store prepared articles as one batch, skipping the known ones; say which were new.

    An article already stored (same GUID, canonical URL or text) is not stored again; when it
    comes from another outlet, that outlet is recorded as a further source of the article.
    """
    known = store.find_duplicates(
        [p.guid for p in prepared],
        [p.canonical_url for p in prepared if p.canonical_url],
        [p.content_hash for p in prepared],
    )
    new: list[PreparedArticle] = []
    flags: list[bool] = []
    # Items repeating an item new in this same batch: (its index in ``new``, outlet, link).
    carried: list[tuple[int, str, str | None]] = []
    for entry in prepared:
        existing = known.match(entry.guid, entry.canonical_url, entry.content_hash)
        flags.append(existing is None)
        if existing is None:
            # Later items in this batch that repeat this one match it by a placeholder id,
            # -1 for the first new article, -2 for the second, until the real ids exist.
            known.remember(-(len(new) + 1), entry.guid, entry.canonical_url, entry.content_hash)
            new.append(entry)
        elif existing < 0:
            carried.append((-existing - 1, entry.source_name, entry.url))
        elif store.add_source_to_article(existing, entry.source_name, entry.url, now):
            log.info("source %r: article %d also carried here", entry.source_name, existing)
    ids = store.add_articles(new, first_seen=now)
    for index, source_name, url in carried:
        if source_name != new[index].source_name:
            store.add_source_to_article(ids[index], source_name, url, now)
            log.info("source %r: article %d also carried here", source_name, ids[index])
    return flags


def _next_poll(
    config: SourceConfig,
    settings: Settings,
    now: datetime,
    *,
    failures: int = 0,
    floor_seconds: float | None = None,
) -> datetime | None:
    """When a source may next be polled; ``None`` (always) for local folders and files."""
    if config.kind is SourceKind.FOLDER or not is_url(config.location):
        return None
    interval = timedelta(minutes=settings.poll.interval_minutes)
    cap = timedelta(hours=settings.poll.max_backoff_hours)
    delay = backoff_delay(failures, interval, cap)
    if floor_seconds:
        delay = max(delay, timedelta(seconds=floor_seconds))
    return now + delay


class CpuRunner(Protocol):
    """Runs a CPU-bound function here or in a worker process."""

    def __call__(self, fn: Callable[..., T], /, *args: Any) -> T: ...


def _run_here(fn: Callable[..., T], /, *args: Any) -> T:
    return fn(*args)


@dataclass(frozen=True, slots=True)
class _Fetched:
    result: PollResult
    prepared: list[PreparedArticle]
    known: int  # items whose GUID is stored already
    # Stored articles whose source now delivers a different item: (article id, revision).
    revised: list[tuple[int, PreparedArticle]] = field(default_factory=list)
    dropped: int = 0  # new items that cleaning left without a title or any text


def _poll_one(
    config: SourceConfig,
    state: SourceState,
    settings: Settings,
    fetcher: Fetcher,
    store: Store,
    run_cpu: CpuRunner,
    now: datetime,
) -> _Fetched:
    """Fetch, parse and prepare one source's items (in a worker thread)."""
    # Cleaning and tagging load with the first new items: a poll of unchanged feeds (most
    # polls) never needs lxml's HTML parser or the seat matcher in this process.
    from digest.prepare.items import item_hash, prepare_items

    source = build_source(config, settings, fetcher, page_cache=store)
    if isinstance(source, FeedSource):
        raw = source.fetch(state, fetcher)
        if isinstance(raw, PollResult):
            result = raw
        else:
            # A well-formed feed parses here in well under a millisecond, less than sending
            # its items between processes would cost; only feedparser's cases go to a worker.
            limit = settings.poll.max_items_per_source
            fast = parse_well_formed_feed(raw, limit) if not raw.is_json else None
            result = fast if fast is not None else run_cpu(parse_raw_feed, raw, limit)
            result = source.with_full_text(result, fetcher, now)
    else:
        result = source.poll(state)
    if not result.items:
        return _Fetched(result, [], 0)
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
    return _Fetched(result, prepared, known_count, revised, dropped=len(fresh) - len(prepared))


def _record_successes(
    done: Sequence[tuple[SourceConfig, _Fetched, datetime]],
    settings: Settings,
    store: Store,
    clock: Clock,
) -> list[tuple[SourceOutcome, PollRecord]]:
    """Store several sources' new articles in one transaction; return outcomes and records.

    The records (with each source's new ETag) are only written after the articles, by the
    caller, so a crash in between costs a refetch, never a lost article.
    """
    prepared = [article for _, fetched, _ in done for article in fetched.prepared]
    flags = iter(store_prepared(prepared, store, clock()) if prepared else [])
    for config, fetched, _ in done:
        for article_id, revision in fetched.revised:
            from digest.prepare.items import is_material_change

            material = is_material_change(store.article_text(article_id), revision.text)
            if store.revise_article(article_id, revision, material, clock()):
                log.info(
                    "source %r: article %d revised (%s)",
                    config.name,
                    article_id,
                    "new paragraphs" if material else "minor change",
                )
    results = []
    for config, fetched, started in done:
        result = fetched.result
        outcome = SourceOutcome(name=config.name, items=len(result.items))
        outcome.warnings.extend(result.warnings)
        outcome.not_modified = result.not_modified
        for warning in result.warnings:
            log.warning("source %r: %s", config.name, warning)
        new = [next(flags) for _ in fetched.prepared]
        outcome.added = sum(new)
        outcome.duplicates = len(new) - outcome.added + fetched.known
        outcome.dropped = fetched.dropped
        record = PollRecord(
            config=config,
            at=started,
            state=result.state,
            items_seen=outcome.items,
            articles_added=outcome.added,
            next_poll_at=_next_poll(
                config, settings, started, floor_seconds=result.min_interval_seconds
            ),
        )
        log.info(
            "source %r: %s%d items, %d new, %d already known%s",
            config.name,
            "not modified, " if result.not_modified else "",
            outcome.items,
            outcome.added,
            outcome.duplicates,
            f", {outcome.dropped} with no title or text after cleaning" if outcome.dropped else "",
        )
        results.append((outcome, record))
    return results


def failure_reason(exc: Exception) -> str:
    """What to tell the operator about a source's failure.

    A ``SourceError`` says what went wrong in its own words; anything else (a parser
    exhausted by a hostile document, a bug) is named by its type so it can be reported.
    """
    if isinstance(exc, SourceError):
        return str(exc)
    return f"unexpected {type(exc).__name__} while reading this source: {exc}"


def _record_failure(
    config: SourceConfig,
    exc: Exception,
    status: SourceStatus | None,
    settings: Settings,
    store: Store,
    started: datetime,
) -> SourceOutcome:
    """Record one source's failure for ``digest status`` and schedule its retry.

    Every exception from one source's fetch, parse or preparation (worker processes
    included) lands here: it is that source's failure, and the poll goes on.
    """
    reason = failure_reason(exc)
    failures = (status.consecutive_failures if status else 0) + 1
    next_poll = _next_poll(config, settings, started, failures=failures)
    disabled = None
    if isinstance(exc, RetryLater) and exc.retry_after is not None and next_poll is not None:
        next_poll = max(next_poll, started + timedelta(seconds=exc.retry_after))
    if isinstance(exc, SourceGone):
        disabled = str(exc)
        next_poll = None
    store.sources.record(
        PollRecord(
            config=config,
            at=started,
            error=reason,
            next_poll_at=next_poll,
            disabled_reason=disabled,
        )
    )
    when = f"; next try {next_poll:%Y-%m-%d %H:%M} UTC" if next_poll else ""
    log.error(
        "source %r failed (%d in a row): %s%s",
        config.name,
        failures,
        reason,
        when,
        # The traceback only for what no source error describes: that is a bug to report.
        exc_info=None if isinstance(exc, SourceError) else exc,
    )
    return SourceOutcome(name=config.name, error=reason)


def poll_all(
    settings: Settings,
    store: Store,
    *,
    sources: Sequence[SourceConfig] | None = None,
    clock: Clock = utc_now,
    on_progress: Callable[[SourceOutcome], None] | None = None,
    transport: httpx.BaseTransport | None = None,
    force: bool = False,
    policy: AddressPolicy | None = None,
) -> PollReport:
    """Poll every enabled, due source (all of them with ``force``) concurrently.

    ``policy`` decides which addresses count as private and resolves host names (the
    system's resolver and the usual private ranges by default).
    """
    report = PollReport()
    chosen = [
        s for s in (all_sources(settings, store) if sources is None else sources) if s.enabled
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
    threads = max(1, min(settings.poll.concurrency, len(due)))
    with (
        _cpu_runner(settings, len(due)) as run_cpu,  # outlives the threads that use it
        Fetcher(settings.poll, transport, policy=policy) as fetcher,
        ThreadPoolExecutor(max_workers=threads, thread_name_prefix="poll") as pool,
    ):
        waiting = deque(due)
        window = PollWindow(threads)
        running: dict[Future[_Fetched], tuple[SourceConfig, datetime, float]] = {}
        # When each source's poll ended, not when this thread got to it (it may be storing).
        ended: dict[str, float] = {}

        def poll_one(config: SourceConfig, state: SourceState, started: datetime) -> _Fetched:
            try:
                return _poll_one(config, state, settings, fetcher, store, run_cpu, started)
            finally:
                ended[config.name] = time.monotonic()

        def start_more() -> None:
            while waiting and len(running) < window.size:
                config = waiting.popleft()
                status = statuses.get(config.name)
                state = status.state if status else SourceState()
                started = clock()
                future = pool.submit(poll_one, config, state, started)
                running[future] = (config, started, time.monotonic())

        # Successful polls are stored in batches: one transaction for many sources' articles,
        # then one for their poll records (ETags). Between batches a crash costs a refetch.
        done: list[tuple[SourceConfig, _Fetched, datetime]] = []
        done_articles = 0

        def flush() -> None:
            nonlocal done, done_articles
            if not done:
                return
            results = _record_successes(done, settings, store, clock)
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
                    config, started, began = running.pop(future)
                    window.finished(ended.pop(config.name) - began)
                    try:
                        fetched = future.result()
                    except ConfigError:
                        raise
                    except Exception as exc:
                        outcome = _record_failure(
                            config, exc, statuses.get(config.name), settings, store, started
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
    contend for the interpreter: a send polling 200 unchanged loopback feeds took 0.65 s
    with 32 threads and 0.57 s with 4. Each source that took at least ``SLOW_SECONDS``
    widens the window by one, so behind slow servers it doubles every round trip, as TCP's
    slow start does.
    """

    START = 4
    SLOW_SECONDS = 0.02

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = min(limit, self.START)

    def finished(self, seconds: float) -> None:
        """One source's poll took ``seconds``."""
        if seconds >= self.SLOW_SECONDS:
            self.size = min(self.limit, self.size + 1)


# Successful polls recorded per transaction, and new articles stored per transaction.
RECORD_BATCH = 100
ARTICLE_BATCH = 1000


@contextmanager
def _cpu_runner(settings: Settings, sources: int) -> Iterator[CpuRunner]:
    """Worker processes for parsing and preparing when the poll is big enough to gain."""
    workers = worker_count(settings.poll.workers)
    if workers <= 1 or sources < PROCESSES_FROM_SOURCES:
        yield _run_here
        return
    with ExitStack() as stack:
        pools = [stack.enter_context(process_pool(workers))]
        lock = threading.Lock()

        def run_in_process(fn: Callable[..., T], /, *args: Any) -> T:
            processes = pools[-1]
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

        yield run_in_process
