"""What a poll leaves in the store and reports: each source's outcome, its items stored,
its next poll (backoff after failures, the publisher's own floor after successes)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from digest.clock import Clock
from digest.config import PollConfig, SourceConfig
from digest.errors import SourceError
from digest.models import PreparedArticle, SourceKind
from digest.sources.base import PollResult, is_url
from digest.sources.fetch import RetryLater, SourceGone
from digest.store.core import Store
from digest.store.sources import PollRecord, SourceStatus, backoff_delay

# One logger for the poll, named as before the split: operators filter on it.
log = logging.getLogger("digest.polling")


@dataclass(frozen=True, slots=True)
class Fetched:
    """One source's fetched and prepared items, waiting to be stored."""

    result: PollResult
    prepared: list[PreparedArticle]
    known: int  # items whose GUID is stored already
    # Stored articles whose source now delivers a different item: (article id, revision).
    revised: list[tuple[int, PreparedArticle]] = field(default_factory=list)
    dropped: int = 0  # new items that cleaning left without a title or any text


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
    # Worker processes the poll parsed and prepared in (0: all in this process), and how
    # many pieces of work they were given.
    processes: int = 0
    process_runs: int = 0

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


def all_sources(configured: Sequence[SourceConfig], store: Store) -> list[SourceConfig]:
    """The configured sources (``[[sources]]``) followed by the ones added with
    ``digest sources add``."""
    store.sources.sync_configured(list(configured))
    return [*configured, *store.sources.added()]


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


def when_next(
    config: SourceConfig,
    poll: PollConfig,
    now: datetime,
    *,
    failures: int = 0,
    floor_seconds: float | None = None,
) -> datetime | None:
    """When a source may next be polled; ``None`` (always) for local folders and files."""
    if config.kind is SourceKind.FOLDER or not is_url(config.location):
        return None
    interval = timedelta(minutes=poll.interval_minutes)
    cap = timedelta(hours=poll.max_backoff_hours)
    delay = backoff_delay(failures, interval, cap)
    if floor_seconds:
        delay = max(delay, timedelta(seconds=floor_seconds))
    return now + delay


def record_successes(
    done: Sequence[tuple[SourceConfig, Fetched, datetime]],
    poll: PollConfig,
    store: Store,
    clock: Clock,
    statuses: Mapping[str, SourceStatus],
) -> list[tuple[SourceOutcome, PollRecord]]:
    """Store several sources' new articles in one transaction; return outcomes and records.

    The records (with each source's new ETag) are only written after the articles, by the
    caller, so a crash in between costs a refetch, never a lost article. A record carries
    the feed's title only when it differs from the one in ``statuses`` (the rows read when
    the poll began): titles rarely change, and a poll of 10,000 feeds writes none of them.
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
        status = statuses.get(config.name)
        stored_title = status.feed_title if status is not None else None
        record = PollRecord(
            config=config,
            at=started,
            state=result.state,
            items_seen=outcome.items,
            articles_added=outcome.added,
            next_poll_at=when_next(
                config, poll, started, floor_seconds=result.min_interval_seconds
            ),
            feed_title=None if result.title == stored_title else result.title,
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


def record_failure(
    config: SourceConfig,
    exc: Exception,
    status: SourceStatus | None,
    poll: PollConfig,
    store: Store,
    started: datetime,
) -> SourceOutcome:
    """Record one source's failure for ``digest status`` and schedule its retry.

    Every exception from one source's fetch, parse or preparation (worker processes
    included) lands here: it is that source's failure, and the poll goes on.
    """
    reason = failure_reason(exc)
    failures = (status.consecutive_failures if status else 0) + 1
    next_poll = when_next(config, poll, started, failures=failures)
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
