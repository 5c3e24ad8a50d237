"""The store: SQLAlchemy Core tables and the queries the pipeline needs.

SQLite by default (a path from config), any SQLAlchemy URL otherwise. The schema carries a
version in ``meta``; opening a store written by a newer seatwatch is refused instead of
corrupting it. Every write that a later step depends on is committed before that step runs,
so a crash at any point resumes from what is here.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from digest.errors import StoreError
from digest.files import private_file
from digest.models import (
    EvidenceKind,
)
from digest.store.articles import ArticleQueries
from digest.store.digests import DigestQueries
from digest.store.pages import PageCache, PageRecord
from digest.store.schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    article_prints_table,
    articles_table,
    digests_table,
    meta_table,
    metadata,
    pages_table,
    seat_tags_table,
)
from digest.store.sources import SourceStore
from digest.store.subscribers import SubscriberStore

log = logging.getLogger(__name__)


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


class Housekeeping(NamedTuple):
    """What one housekeeping pass removed."""

    articles_pruned: int
    pages_deleted: int
    digests_deleted: int


class Store(ArticleQueries, PageCache, DigestQueries):
    """Open connection pool and the queries over it: articles (``articles``), the page
    cache (``pages``), digests (``digests``, ``outbox``), and the source and subscriber
    tables as ``sources`` and ``subscribers``."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.sources = SourceStore(engine)
        self.subscribers = SubscriberStore(engine)

    @classmethod
    def open(cls, target: Path | str) -> Store:
        """Open (creating when needed) the store at a SQLite path or SQLAlchemy URL."""
        if isinstance(target, Path):
            try:
                # Owner-only (files.py): SQLite gives -wal and -shm the store file's mode.
                private_file(target)
            except OSError as exc:
                raise StoreError(f"cannot create {target}: {exc.strerror}") from exc
            url = sqlite_url(target)
        else:
            url = target
        engine = sa.create_engine(url)
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect", _sqlite_pragmas)
        store = cls(engine)
        store.migrate()
        return store

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()

    def migrate(self) -> None:
        """Create the schema on first use, upgrade an older one in place (one transaction:
        all of it or none), and refuse a store from a newer version."""
        with self._begin() as conn:
            fresh = not sa.inspect(conn).has_table(meta_table.name)
            row = None
            if not fresh:
                row = conn.execute(
                    sa.select(meta_table.c.value).where(meta_table.c.key == "schema_version")
                ).scalar_one_or_none()
            version = SCHEMA_VERSION if row is None else int(row)
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"store {self.engine.url} has schema version {row}, newer than this "
                    f"seatwatch understands ({SCHEMA_VERSION}); upgrade seatwatch"
                )
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS.get(step, ()):
                    conn.execute(sa.text(statement))
                log.info("store %s upgraded to schema version %d", self.engine.url, step)
            metadata.create_all(conn)
            if row is None:
                conn.execute(
                    meta_table.insert().values(key="schema_version", value=str(SCHEMA_VERSION))
                )
            elif version < SCHEMA_VERSION:
                conn.execute(
                    meta_table.update()
                    .where(meta_table.c.key == "schema_version")
                    .values(value=str(SCHEMA_VERSION))
                )

    def schema_version(self) -> int:
        """The schema version recorded in the store."""
        with self._begin() as conn:
            value = conn.execute(
                sa.select(meta_table.c.value).where(meta_table.c.key == "schema_version")
            ).scalar_one()
        return int(value)

    def get_meta(self, key: str) -> str | None:
        """A value from ``meta``."""
        with self._begin() as conn:
            value = conn.execute(
                sa.select(meta_table.c.value).where(meta_table.c.key == key)
            ).scalar_one_or_none()
        return None if value is None else str(value)

    def pop_meta(self, key: str) -> str | None:
        """Remove ``key`` from ``meta``; the value it had, or ``None``."""
        with self._begin() as conn:
            value = conn.execute(
                sa.select(meta_table.c.value).where(meta_table.c.key == key)
            ).scalar_one_or_none()
            conn.execute(meta_table.delete().where(meta_table.c.key == key))
        return None if value is None else str(value)

    def set_meta_if_absent(self, key: str, value: str) -> str:
        """Store ``value`` under ``key`` unless one is there; return the stored value."""
        with self._begin() as conn:
            current = conn.execute(
                sa.select(meta_table.c.value).where(meta_table.c.key == key)
            ).scalar_one_or_none()
            if current is not None:
                return str(current)
            conn.execute(meta_table.insert().values(key=key, value=value))
        return value

    def housekeep(self, cutoff: datetime) -> Housekeeping:
        """Drop what no digest needs any more, from before ``cutoff``, in one transaction.

        Old articles keep their row (GUID, URL and hashes) so a feed that still lists one
        does not bring it back as news; only their text and seat tags go. Cached pages go.
        Digest records go, except each subscriber's latest sent one, which dates the next
        digest's "new since".
        """
        with self._begin() as conn:
            old = sa.select(articles_table.c.id).where(
                articles_table.c.first_seen < cutoff, articles_table.c.text != ""
            )
            ids = [row.id for row in conn.execute(old)]
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                conn.execute(
                    seat_tags_table.delete().where(seat_tags_table.c.article_id.in_(chunk))
                )
                conn.execute(
                    article_prints_table.delete().where(
                        article_prints_table.c.article_id.in_(chunk)
                    )
                )
                conn.execute(
                    articles_table.update().where(articles_table.c.id.in_(chunk)).values(text="")
                )
            pages = conn.execute(pages_table.delete().where(pages_table.c.fetched_at < cutoff))
            latest_sent = (
                sa.select(sa.func.max(digests_table.c.id))
                .where(digests_table.c.kind == "sent", digests_table.c.status == "sent")
                .group_by(digests_table.c.subscriber)
            )
            digests = conn.execute(
                digests_table.delete().where(
                    digests_table.c.created_at < cutoff, digests_table.c.id.not_in(latest_sent)
                )
            )
        return Housekeeping(len(ids), pages.rowcount, digests.rowcount)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets `digest status` read while the daemon writes; foreign keys enforce cascades.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # In WAL mode NORMAL never corrupts the database and survives a crash of seatwatch; only a
    # power cut can lose the last commits, which the next poll fetches again. It saves an
    # fsync per commit, and a poll commits once per source.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


__all__ = ["SCHEMA_VERSION", "EvidenceKind", "PageRecord", "Store"]
