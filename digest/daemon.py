"""``digest run``: the long-running process that polls and sends on schedule.

APScheduler 3 runs two jobs: a poll every ``[daemon] poll_every_seconds`` (each source is
still fetched only when due, so a short tick costs little) and a send on the
``[daemon] send_cron`` schedule in ``[daemon] timezone``. Both coalesce missed runs and never
overlap themselves, so after downtime a missed send runs once, not once per missed period.

Operators get: a lock on the store (a second daemon on the same store refuses to start),
SIGTERM/SIGINT that let the running job finish and exit 0, and SIGHUP that reloads the
config after validating it (a broken file is logged and the running config kept).
"""

from __future__ import annotations

import fcntl
import logging
import os
import random
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import IO
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from digest.config import Settings, crontab, load_config
from digest.delivery.backends import create_backend
from digest.errors import ConfigError, DigestError
from digest.files import private_file
from digest.metrics import DaemonMetrics
from digest.pipeline import poll_configured, send_due
from digest.seats.follows import resolve_everyone, resolve_subscribers
from digest.seats.gazetteer import load_gazetteer
from digest.store.core import Store

log = logging.getLogger(__name__)


@contextmanager
def store_lock(store_path: Path) -> Iterator[None]:
    """Hold an exclusive lock beside the store; ``ConfigError`` if another daemon has it."""
    lock_path = store_path.with_name(store_path.name + ".lock")
    private_file(lock_path)  # owner-only, like the store it guards (files.py)
    handle: IO[str] = lock_path.open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise ConfigError(
                f"another seatwatch daemon (pid {holder}) is running on {store_path}",
                key="store.path",
                hint="stop it first, or give this daemon its own [store] path",
            ) from exc
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()


def send_trigger(expression: str, timezone: str) -> CronTrigger:
    """A cron trigger from a preset ("daily 07:00", "weekly mon 07:00"), five crontab
    fields, or six with seconds first."""
    zone = ZoneInfo(timezone)
    expression = crontab(expression)
    fields = expression.split()
    if len(fields) == 6:
        second, minute, hour, day, month, weekday = fields
        return CronTrigger(
            second=second,
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=weekday,
            timezone=zone,
        )
    return CronTrigger.from_crontab(expression, timezone=zone)


class Daemon:
    """The scheduler, its two jobs and the config they read (swapped on SIGHUP)."""

    def __init__(
        self, config_path: Path, settings: Settings, say: Callable[[str], None] | None = None
    ) -> None:
        self.config_path = config_path
        # Where the start, stop and job lines go: the command line prints them (a daemon
        # run without -v is not silent); without it they are INFO log lines.
        self.say: Callable[[str], None] = say or (lambda line: log.info("%s", line))
        self.settings = settings
        self.store_path = settings.resolve(settings.store.path)
        self.scheduler = BlockingScheduler(timezone=ZoneInfo(settings.daemon.timezone))
        self._lock = threading.Lock()
        self.metrics = DaemonMetrics(settings.daemon.poll_every_seconds)
        self.http: ThreadingHTTPServer | None = None
        self.config_error: ConfigError | None = None  # what stopped the daemon, if anything

    def start_http(self) -> None:
        """Serve /metrics and /healthz on 127.0.0.1 when ``[daemon] http_port`` is set."""
        port = self.settings.daemon.http_port
        if port and self.http is None:
            self.http = self.metrics.serve(port)
            log.info("serving /metrics and /healthz on http://127.0.0.1:%d", port)

    def poll_job(self) -> None:
        """Poll every due source; failures are per source and already logged."""
        settings = self.settings
        store = Store.open(self.store_path)
        started = time.monotonic()
        try:
            report = poll_configured(settings, store)
            self.metrics.polled(
                items=sum(o.items for o in report.outcomes),
                added=report.added,
                failed=len(report.failed),
                seconds=time.monotonic() - started,
            )
            self.say(
                f"poll: {len(report.polled)} sources polled, {report.added} new articles, "
                f"{len(report.failed)} failed"
            )
        except ConfigError as exc:
            self._config_failed(exc)
        except DigestError as exc:
            log.error("poll failed: %s", exc)
        finally:
            store.close()

    def housekeeping_job(self) -> None:
        """Drop what is older than ``[store] keep_days`` (daily)."""
        cutoff = datetime.now(UTC) - timedelta(days=self.settings.store.keep_days)
        store = Store.open(self.store_path)
        try:
            done = store.housekeep(cutoff)
            self.say(
                f"housekeeping: {done.articles_pruned} old articles pruned, "
                f"{done.pages_deleted} cached pages and {done.digests_deleted} digest records "
                f"deleted (before {cutoff:%Y-%m-%d})"
            )
        except ConfigError as exc:
            self._config_failed(exc)
        except DigestError as exc:
            log.error("housekeeping failed: %s", exc)
        finally:
            store.close()

    def send_job(self, period: str | None = None, attempt: int = 0) -> None:
        """Send each subscriber the period's digest; schedule a retry for temporary failures.

        ``period`` only labels a retry in the logs: periods are per subscriber (their day or
        ISO week, in their time zone), derived again from the moment, so a retry the same day
        (or week) finds the same periods and Message-IDs. Retries wait
        ``retry_seconds`` doubled per attempt, with jitter, up to ``max_retries`` attempts.
        """
        started = time.monotonic()
        settings = self.settings
        store = Store.open(self.store_path)
        try:
            subscribers = resolve_everyone(
                load_gazetteer(),
                list(settings.subscribers),
                store.subscribers.all(),
                path=settings.config_path,
                on_error=lambda entry, exc: log.error("send: %s skipped: %s", entry.email, exc),
            )
            backend = create_backend(
                settings.delivery.backend,
                settings.delivery.options(settings.delivery.backend),
                settings.base_dir,
            )
            now = datetime.now(ZoneInfo(settings.daemon.timezone))
            # Each subscriber's period (day or ISO week in their time zone) is derived from
            # the moment, so a retry after a failure finds the same periods and Message-IDs.
            deliveries = send_due(settings, store, subscribers, backend, now)
            failed = [d for d in deliveries if d.error]
            self.metrics.sent(
                backend.name,
                sent=len(deliveries) - len(failed),
                stories=sum(d.story_count for d in deliveries if d.error is None),
                temporary=sum(1 for d in failed if d.temporary),
                permanent=sum(1 for d in failed if not d.temporary),
                seconds=time.monotonic() - started,
            )
            self.say(
                f"send: {len(deliveries) - len(failed)} digests sent, {len(failed)} failed, "
                f"{len(subscribers) - len(deliveries)} skipped (nothing new, or already sent)"
            )
            if any(d.temporary for d in failed):
                self._schedule_retry(period, attempt + 1)
        except ConfigError as exc:
            self._config_failed(exc)
        except DigestError as exc:
            log.error("send failed: %s", exc)
            self.metrics.send_failed(str(exc))
        finally:
            store.close()

    def _schedule_retry(self, period: str | None, attempt: int) -> None:
        daemon = self.settings.daemon
        period = period or "the current periods"
        if attempt > daemon.max_retries:
            log.error(
                "send: giving up on retries for %s after %d attempts; the next send will try again",
                period,
                daemon.max_retries,
            )
            return
        delay = daemon.retry_seconds * 2 ** (attempt - 1) * random.uniform(0.8, 1.2)
        run_at = datetime.now(ZoneInfo(daemon.timezone)) + timedelta(seconds=delay)
        self.scheduler.add_job(
            self.send_job,
            DateTrigger(run_date=run_at),
            args=[None, attempt],
            id="retry-send",
            replace_existing=True,
            misfire_grace_time=None,
        )
        log.warning("send: retry %d for %s at %s", attempt, period, f"{run_at:%H:%M:%S}")

    def _config_failed(self, exc: ConfigError) -> None:
        """A job met a configuration error (a secret too short, a key file gone): no job
        can do its work, so the daemon stops, and ``run_daemon`` exits 2 with the fix."""
        log.critical("configuration error, stopping the daemon: %s", exc)
        self.config_error = self.config_error or exc
        if self.scheduler.running:
            threading.Thread(target=self.scheduler.shutdown, kwargs={"wait": False}).start()

    def reload(self) -> None:
        """Re-read the config; keep the running one if the new one is invalid."""
        try:
            settings = load_config(self.config_path)
            resolve_subscribers(load_gazetteer(), settings.subscribers, path=settings.config_path)
            # The whole config, the backend's options included, before anything is swapped.
            create_backend(
                settings.delivery.backend,
                settings.delivery.options(settings.delivery.backend),
                settings.base_dir,
            )
        except ConfigError as exc:
            log.error("reload refused, keeping the running config: %s", exc)
            return
        if settings.resolve(settings.store.path) != self.store_path:
            log.error("reload refused: [store] path cannot change while running; restart instead")
            return
        self.settings = settings
        self._schedule()
        log.info("reloaded %s", self.config_path)

    def _schedule(self) -> None:
        daemon = self.settings.daemon
        self.scheduler.add_job(
            self.poll_job,
            IntervalTrigger(seconds=daemon.poll_every_seconds),
            id="poll",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            next_run_time=datetime.now(ZoneInfo(daemon.timezone)),
        )
        self.scheduler.add_job(
            self.housekeeping_job,
            IntervalTrigger(hours=24),
            id="housekeeping",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            next_run_time=datetime.now(ZoneInfo(daemon.timezone)) + timedelta(minutes=10),
        )
        self.scheduler.add_job(
            self.send_job,
            send_trigger(daemon.send_cron, daemon.timezone),
            id="send",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=12 * 3600,
        )

    @staticmethod
    def _give_up_stopping(limit: int) -> None:
        log.error(
            "the running job did not finish within %d s of the stop signal; exiting now "
            "(interrupted sends are completed with the same Message-IDs on the next start)",
            limit,
        )
        logging.shutdown()
        os._exit(1)

    def run(self) -> None:
        """Schedule the jobs and block until SIGTERM or SIGINT."""

        def stop(signum: int, _frame: FrameType | None) -> None:
            log.info("%s: finishing the running job, then stopping", signal.Signals(signum).name)
            # shutdown(wait=True) from inside the signal handler would block the scheduler's
            # own thread; ask for it from a helper thread instead.
            threading.Thread(target=self.scheduler.shutdown, kwargs={"wait": True}).start()
            # Bounded: a send stuck on a dead server must not hold a stop forever. What is
            # cut short stays "sending" and is resent with the same Message-IDs on start.
            limit = self.settings.daemon.stop_timeout_seconds
            timer = threading.Timer(limit, self._give_up_stopping, args=[limit])
            timer.daemon = True
            timer.start()

        def hangup(_signum: int, _frame: FrameType | None) -> None:
            threading.Thread(target=self.reload).start()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGHUP, hangup)
        self._schedule()
        self.start_http()
        daemon = self.settings.daemon
        next_send = send_trigger(daemon.send_cron, daemon.timezone).get_next_fire_time(
            None, datetime.now(ZoneInfo(daemon.timezone))
        )
        self.say(
            f"seatwatch daemon started: polling every {daemon.poll_every_seconds}s (next poll "
            f"now), sending on {daemon.send_cron!r} ({daemon.timezone}; next send "
            + (f"{next_send:%Y-%m-%d %H:%M %Z}" if next_send else "never")
            + f"); store {self.store_path}; backend {self.settings.delivery.backend}"
        )
        try:
            self.scheduler.start()
        finally:
            if self.http is not None:
                self.http.shutdown()
        self.say("seatwatch daemon stopped")


def run_daemon(config_path: Path, say: Callable[[str], None] | None = None) -> None:
    """Load the config, take the store's lock and run until stopped; ``say`` receives the
    start, stop and job lines (INFO log lines without it)."""
    settings = load_config(config_path)
    resolve_subscribers(load_gazetteer(), settings.subscribers, path=settings.config_path)
    create_backend(
        settings.delivery.backend,
        settings.delivery.options(settings.delivery.backend),
        settings.base_dir,
    )
    store_path = settings.resolve(settings.store.path)
    with store_lock(store_path):
        Store.open(store_path).close()  # create or migrate before the first job
        daemon = Daemon(config_path, settings, say)
        daemon.run()
    if daemon.config_error is not None:
        raise daemon.config_error
