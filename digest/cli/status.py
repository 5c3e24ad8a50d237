"""``digest status``: sources, the stored articles, the queue and the last digests."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from digest.cli.common import (
    ConfigOption,
    JsonOption,
    app,
    configured_store,
    console,
    iso,
    plural,
    reported,
    when,
)
from digest.config import Settings
from digest.polling import all_sources
from digest.sources.base import outlet_name


def _next_send(settings: Settings) -> datetime | None:
    """When the daemon's send schedule fires next, in its time zone."""
    from zoneinfo import ZoneInfo

    from digest.daemon import send_trigger  # APScheduler: only when asked

    zone = ZoneInfo(settings.daemon.timezone)
    trigger = send_trigger(settings.daemon.send_cron, settings.daemon.timezone)
    fires: datetime | None = trigger.get_next_fire_time(None, datetime.now(zone))
    return fires


# Statuses whose detail is an error an operator should read.
_PROBLEMS = ("failed", "rejected", "unknown")


@app.command()
def status(
    config: Path = ConfigOption,
    as_json: bool = JsonOption,
    show_all: bool = typer.Option(
        False, "--all", help="List every subscriber's last digest, not only the latest ones."
    ),
    limit: int = typer.Option(
        20,
        "--limit",
        min=0,
        help="How many of the latest problem-free digests to list after the problems.",
    ),
    skip: int = typer.Option(
        0, "--skip", min=0, help="Skip this many problem-free digests (the next page)."
    ),
) -> None:
    """Sources (last poll, next poll, errors), stored articles and each subscriber's last
    digest: failed, rejected and unknown ones first and always in full, then the latest
    others (a page of --limit; --all for every one)."""
    with reported(), configured_store(config) as (settings, store):
        names = [s.name for s in all_sources(settings.sources, store)]
        statuses = store.sources.statuses()
        articles = store.article_count()
        every = store.recent_digests(limit=None)
        queue = store.queue_counts()
        version = store.schema_version()
    names += [n for n in statuses if n not in names]
    next_send = _next_send(settings)
    problems = [d for d in every if d.status in _PROBLEMS]
    others = [d for d in every if d.status not in _PROBLEMS]
    page = others[skip:] if show_all else others[skip : skip + limit]
    digests = problems + page
    unlisted = len(others) - len(page)
    if as_json:
        payload = {
            "store": str(settings.resolve(settings.store.path)),
            "schema_version": version,
            "articles": articles,
            "queue": queue,
            "next_send": next_send.isoformat() if next_send else None,
            "sources": [_source_json(name, statuses.get(name), name in names) for name in names],
            "digests": [
                {
                    "subscriber": d.subscriber,
                    "period": d.period,
                    "kind": d.kind,
                    "backend": d.backend,
                    "stories": d.story_count,
                    "status": d.status,
                    "attempts": d.attempts,
                    "error": d.detail if d.status in _PROBLEMS else "",
                    "at": iso(d.created_at),
                }
                for d in digests
            ],
            "digests_total": len(every),
            "digests_not_listed": unlisted,
        }
        console.print_json(json.dumps(payload))
        return
    console.print(
        f"store: {settings.resolve(settings.store.path)} (schema {version}), "
        f"{plural(articles, 'article')}",
        highlight=False,
    )
    console.print(
        f"queue: {queue['sending']} sending (interrupted, resent next run), {queue['failed']} "
        f"failed (retried), {queue['rejected']} rejected, {queue['unknown']} unknown (no answer "
        "from the server: resent once); next scheduled send "
        + (f"{next_send:%Y-%m-%d %H:%M %Z}" if next_send else "unknown")
        + f" ({settings.daemon.send_cron!r})",
        highlight=False,
    )
    table = Table(title="Sources")
    for column in ("Source", "Last success", "Next poll", "Failures", "Items", "New", "Problem"):
        table.add_column(column)
    for name in names:
        s = statuses.get(name)
        if s is None:
            table.add_row(name, "never", "now", "0", "0", "0", "")
            continue
        problem = (s.disabled_reason and f"disabled: {s.disabled_reason}") or s.last_error or ""
        shown = outlet_name(name, s.location, s.feed_title)
        table.add_row(
            name
            + (" (added)" if s.origin == "added" else "")
            + (f"\nshown as {shown}" if shown != name else ""),
            when(s.last_success_at),
            "disabled"
            if s.disabled_reason
            else (when(s.next_poll_at) if s.next_poll_at else "now"),
            str(s.consecutive_failures),
            str(s.items_seen),
            str(s.articles_added),
            problem,
        )
    console.print(table)
    digest_table = Table(
        title="Last digest per subscriber"
        + (f" ({plural(len(problems), 'problem')} first)" if problems else "")
    )
    for column in ("Subscriber", "Period", "Kind", "Status", "Backend", "Stories", "At"):
        digest_table.add_column(column, overflow="fold")  # addresses and errors in full
    for d in digests:
        digest_table.add_row(
            d.subscriber,
            d.period,
            d.kind,
            d.status
            + (f" (run {d.attempts})" if d.attempts > 1 else "")
            + (f": {d.detail}" if d.status in _PROBLEMS and d.detail else ""),
            d.backend,
            str(d.story_count),
            when(d.created_at),
        )
    console.print(digest_table)
    if unlisted:
        console.print(
            f"{plural(unlisted, 'more digest')} not listed: --skip {skip + len(page)} for the"
            " next page, --all for every one",
            highlight=False,
        )


def _source_json(name: str, status: Any, configured: bool) -> dict[str, Any]:
    if status is None:
        return {
            "name": name,
            "origin": "config",
            "last_poll": None,
            "last_success": None,
            "next_poll": None,
            "last_error": None,
            "consecutive_failures": 0,
            "disabled": None,
            "url": None,
            "items_seen": 0,
            "articles_added": 0,
            "feed_title": None,
            "shown_as": name,
        }
    return {
        "name": name,
        "origin": status.origin,
        "url": status.url or status.location,
        "last_poll": iso(status.last_poll_at),
        "last_success": iso(status.last_success_at),
        "next_poll": iso(status.next_poll_at),
        "last_error": status.last_error,
        "consecutive_failures": status.consecutive_failures,
        "disabled": status.disabled_reason,
        "items_seen": status.items_seen,
        "articles_added": status.articles_added,
        "feed_title": status.feed_title,
        "shown_as": outlet_name(name, status.location, status.feed_title),
    }
