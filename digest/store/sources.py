"""Source state in the store: validators, schedule, failures, and sources added from the CLI.

Sources come from two places: ``config.toml`` (the operator's file) and ``digest sources
add``/``import`` (rows with origin ``added``). Both share one table so ``digest status`` and the
scheduler see one list. When a configured source's location changes in the file, its learned
state (moved URL, validators, failures, disabled flag) is forgotten: the operator has pointed
it somewhere new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from digest.config import SourceConfig
from digest.errors import ConfigError, StoreError
from digest.models import SourceKind, SourceState
from digest.store.schema import execute_many, sources_table, transaction


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """A source's row: what ``digest status`` shows and the scheduler reads."""

    name: str
    kind: str
    location: str
    origin: str
    url: str | None
    etag: str | None
    last_modified: str | None
    last_poll_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    items_seen: int
    articles_added: int
    next_poll_at: datetime | None
    disabled_reason: str | None
    feed_title: str | None = None  # as last read; None before the first read

    @property
    def state(self) -> SourceState:
        """The validators and address for the next conditional GET."""
        return SourceState(etag=self.etag, last_modified=self.last_modified, url=self.url)

    def is_due(self, now: datetime) -> bool:
        """True when the source may be polled at ``now``."""
        if self.disabled_reason:
            return False
        return self.next_poll_at is None or self.next_poll_at <= now


@dataclass(frozen=True, slots=True)
class PollRecord:
    """The outcome of one poll of one source, as the store keeps it."""

    config: SourceConfig
    at: datetime
    error: str | None = None
    state: SourceState | None = None
    items_seen: int = 0
    articles_added: int = 0
    next_poll_at: datetime | None = None
    disabled_reason: str | None = None
    # The feed's title when it differs from the stored one; None leaves the stored one.
    feed_title: str | None = None


class FeedTitle(NamedTuple):
    """A source whose feed has a title: where it is, and the title."""

    location: str
    title: str


def _full_text_text(value: Any) -> str:
    return "auto" if value == "auto" else ("true" if value else "false")


def _full_text_value(text: str) -> Any:
    return "auto" if text == "auto" else text == "true"


class SourceStore:
    """Queries over the ``sources`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def statuses(self) -> dict[str, SourceStatus]:
        """Every known source by name."""
        with transaction(self.engine) as conn:
            rows = conn.execute(sa.select(sources_table).order_by(sources_table.c.name)).all()
        return {
            r.name: SourceStatus(
                name=r.name,
                kind=r.kind,
                location=r.location,
                origin=r.origin,
                url=r.url,
                etag=r.etag,
                last_modified=r.last_modified,
                last_poll_at=r.last_poll_at,
                last_success_at=r.last_success_at,
                last_error=r.last_error,
                consecutive_failures=r.consecutive_failures,
                items_seen=r.items_seen,
                articles_added=r.articles_added,
                next_poll_at=r.next_poll_at,
                disabled_reason=r.disabled_reason,
                feed_title=r.feed_title,
            )
            for r in rows
        }

    def feed_titles(self) -> dict[str, FeedTitle]:
        """Every source whose feed has a title, by name (one small query per digest run)."""
        with transaction(self.engine) as conn:
            rows = conn.execute(
                sa.select(
                    sources_table.c.name, sources_table.c.location, sources_table.c.feed_title
                ).where(sources_table.c.feed_title != "")
            ).all()
        return {r.name: FeedTitle(r.location, r.feed_title) for r in rows}

    def sync_configured(self, configs: list[SourceConfig]) -> None:
        """Make a row for every configured source; forget learned state when it moved."""
        with transaction(self.engine) as conn:
            existing = {r.name: r for r in conn.execute(sa.select(sources_table)).all()}
            for config in configs:
                row = existing.get(config.name)
                values = {
                    "kind": config.kind.value,
                    "location": config.location,
                    "full_text": _full_text_text(config.full_text),
                }
                if row is None:
                    conn.execute(
                        sources_table.insert().values(
                            name=config.name,
                            origin="config",
                            consecutive_failures=0,
                            items_seen=0,
                            articles_added=0,
                            **values,
                        )
                    )
                elif row.origin == "added":
                    raise ConfigError(
                        f"source name {config.name!r} is in config.toml and was also added "
                        "with `digest sources add`",
                        key="sources.name",
                        hint=f"rename one, or `digest sources remove {config.name!r}`",
                    )
                elif row.location != config.location or row.kind != config.kind.value:
                    conn.execute(
                        sources_table.update()
                        .where(sources_table.c.name == config.name)
                        .values(
                            url=None,
                            etag=None,
                            last_modified=None,
                            consecutive_failures=0,
                            next_poll_at=None,
                            disabled_reason=None,
                            last_error=None,
                            feed_title=None,
                            **values,
                        )
                    )

    def added(self) -> list[SourceConfig]:
        """Sources added from the command line, as configs."""
        with transaction(self.engine) as conn:
            rows = conn.execute(
                sa.select(sources_table)
                .where(sources_table.c.origin == "added")
                .order_by(sources_table.c.name)
            ).all()
        return [
            SourceConfig(
                name=r.name,
                kind=SourceKind(r.kind),
                location=r.location,
                full_text=_full_text_value(r.full_text),
                area=r.area,
            )
            for r in rows
        ]

    def add(self, config: SourceConfig, at: datetime) -> None:
        """Add a source (``ConfigError`` when the name or address is taken)."""
        with transaction(self.engine) as conn:
            clash = conn.execute(
                sa.select(sources_table.c.name).where(
                    sa.or_(
                        sources_table.c.name == config.name,
                        sources_table.c.location == config.location,
                    )
                )
            ).first()
            if clash is not None:
                raise ConfigError(
                    f"a source {clash.name!r} already has this name or address",
                    key="sources",
                    hint="choose another --name, or remove the existing source first",
                )
            conn.execute(
                sources_table.insert().values(
                    name=config.name,
                    kind=config.kind.value,
                    location=config.location,
                    origin="added",
                    full_text=_full_text_text(config.full_text),
                    area=config.area,
                    added_at=at,
                    consecutive_failures=0,
                    items_seen=0,
                    articles_added=0,
                )
            )

    def remove(self, name: str) -> None:
        """Remove an added source; configured ones are removed by editing the file."""
        with transaction(self.engine) as conn:
            row = conn.execute(sa.select(sources_table).where(sources_table.c.name == name)).first()
            if row is None:
                raise ConfigError(
                    f"no source called {name!r}", key="NAME", hint="see `digest sources list`"
                )
            if row.origin != "added":
                raise ConfigError(
                    f"{name!r} comes from config.toml",
                    key="NAME",
                    hint="delete its [[sources]] entry from the config file instead",
                )
            conn.execute(sources_table.delete().where(sources_table.c.name == name))

    def record_successes(self, records: list[PollRecord]) -> None:
        """Store many successful polls in one transaction with one compiled statement, and
        the feed titles that changed with a second (none, in most polls)."""
        if not records:
            return
        statement = (
            sources_table.update()
            .where(sources_table.c.name == sa.bindparam("b_name"))
            .values(
                last_poll_at=sa.bindparam("b_at"),
                last_success_at=sa.bindparam("b_at"),
                next_poll_at=sa.bindparam("b_next"),
                items_seen=sources_table.c.items_seen + sa.bindparam("b_seen"),
                articles_added=sources_table.c.articles_added + sa.bindparam("b_added"),
                last_error=None,
                consecutive_failures=0,
                etag=sa.bindparam("b_etag"),
                last_modified=sa.bindparam("b_modified"),
                url=sa.bindparam("b_url"),
            )
        )
        rows = []
        for record in records:
            if record.error is not None or record.state is None or record.disabled_reason:
                raise ValueError("record_successes takes successful polls with their state")
            rows.append(
                {
                    "b_name": record.config.name,
                    "b_at": record.at,
                    "b_next": record.next_poll_at,
                    "b_seen": record.items_seen,
                    "b_added": record.articles_added,
                    "b_etag": record.state.etag,
                    "b_modified": record.state.last_modified,
                    "b_url": record.state.url,
                }
            )
        titles = [
            {"b_name": record.config.name, "b_title": record.feed_title}
            for record in records
            if record.feed_title is not None
        ]
        retitle = (
            sources_table.update()
            .where(sources_table.c.name == sa.bindparam("b_name"))
            .values(feed_title=sa.bindparam("b_title"))
        )
        with transaction(self.engine) as conn:
            execute_many(conn, statement, rows)
            execute_many(conn, retitle, titles)

    def record(self, record: PollRecord) -> None:
        """Store the outcome of one poll: one UPDATE of the source's row."""
        config = record.config
        values: dict[str, Any] = {
            "last_poll_at": record.at,
            "next_poll_at": record.next_poll_at,
            "items_seen": sources_table.c.items_seen + record.items_seen,
            "articles_added": sources_table.c.articles_added + record.articles_added,
        }
        if record.disabled_reason:
            values["disabled_reason"] = record.disabled_reason
        if record.error is None:
            values.update(last_success_at=record.at, last_error=None, consecutive_failures=0)
            if record.state is not None:
                values.update(
                    etag=record.state.etag,
                    last_modified=record.state.last_modified,
                    url=record.state.url,
                )
        else:
            values.update(
                last_error=record.error,
                consecutive_failures=sources_table.c.consecutive_failures + 1,
            )
        with transaction(self.engine) as conn:
            updated = conn.execute(
                sources_table.update().where(sources_table.c.name == config.name).values(**values)
            )
            if updated.rowcount == 0:
                raise StoreError(
                    f"source {config.name!r} has no row in the store; sync sources before polling"
                )


def backoff_delay(failures: int, interval: timedelta, cap: timedelta) -> timedelta:
    """Exponential backoff: the interval, doubled per consecutive failure, capped."""
    if failures <= 0:
        return interval
    multiplier: int = 2 ** min(failures - 1, 30)
    return min(interval * multiplier, cap)
