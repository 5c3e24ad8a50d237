"""The database schema: SQLAlchemy Core tables, versioned by ``SCHEMA_VERSION``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from digest.errors import StoreError

SCHEMA_VERSION = 9

# What turns a store of version N-1 into version N, run in order inside one transaction on
# open (``Store.migrate``). Tables new in a version need nothing here: ``create_all`` makes
# them; only changes to existing tables do. Statements are plain SQL both SQLite and
# PostgreSQL accept.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    2: ("ALTER TABLE sources ADD COLUMN area TEXT NOT NULL DEFAULT ''",),
    3: (
        "ALTER TABLE articles ADD COLUMN item_hash TEXT",
        "ALTER TABLE articles ADD COLUMN revised_at TIMESTAMP",
        "ALTER TABLE articles ADD COLUMN updated_at TIMESTAMP",
    ),
    4: ("ALTER TABLE digests ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0",),
    5: (
        "ALTER TABLE subscribers ADD COLUMN frequency TEXT NOT NULL DEFAULT 'daily'",
        "ALTER TABLE subscribers ADD COLUMN timezone TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE subscribers ADD COLUMN status TEXT NOT NULL DEFAULT 'active'",
    ),
    7: (
        "ALTER TABLE digests ADD COLUMN lease_owner TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE digests ADD COLUMN lease_until TIMESTAMP",
        "ALTER TABLE digests ADD COLUMN unknown_count INTEGER NOT NULL DEFAULT 0",
    ),
    8: (
        "ALTER TABLE pages ADD COLUMN failures INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE pages ADD COLUMN next_try TIMESTAMP",
        "ALTER TABLE pages ADD COLUMN error TEXT",
    ),
    9: ("ALTER TABLE sources ADD COLUMN feed_title TEXT",),
}


class UtcDateTime(sa.TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, whatever the database keeps."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


metadata = sa.MetaData()

meta_table = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

sources_table = sa.Table(
    "sources",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("location", sa.Text, nullable=False),
    # "config" rows mirror config.toml; "added" rows were added with `digest sources add`.
    sa.Column("origin", sa.String(10), nullable=False, default="config"),
    sa.Column("full_text", sa.String(5), nullable=False, default="auto"),
    # The county or district an added source covers (config sources keep theirs in the file).
    sa.Column("area", sa.Text, nullable=False, default="", server_default=""),
    sa.Column("added_at", UtcDateTime),
    # The address actually polled, once a feed moved (301/308) or was discovered from a page.
    sa.Column("url", sa.Text),
    sa.Column("etag", sa.Text),
    sa.Column("last_modified", sa.Text),
    sa.Column("last_poll_at", UtcDateTime),
    sa.Column("last_success_at", UtcDateTime),
    sa.Column("last_error", sa.Text),
    sa.Column("consecutive_failures", sa.Integer, nullable=False, default=0),
    sa.Column("items_seen", sa.Integer, nullable=False, default=0),
    sa.Column("articles_added", sa.Integer, nullable=False, default=0),
    sa.Column("next_poll_at", UtcDateTime),
    sa.Column("disabled_reason", sa.Text),
    # The feed's own title as last read ("" for a feed without one, NULL before the first
    # read): the outlet a reader sees when the source's name only repeats its location.
    sa.Column("feed_title", sa.Text),
)

pages_table = sa.Table(
    "pages",
    metadata,
    sa.Column("url", sa.Text, primary_key=True),
    # When the page was last fetched (or last failed to be).
    sa.Column("fetched_at", UtcDateTime, nullable=False),
    # The extracted text ("" when the page had none, and while it has only failed).
    sa.Column("text", sa.Text, nullable=False),
    # A page that could not be fetched: failures in a row, when it may be tried again, why.
    sa.Column("failures", sa.Integer, nullable=False, default=0, server_default="0"),
    sa.Column("next_try", UtcDateTime),
    sa.Column("error", sa.Text),
)

articles_table = sa.Table(
    "articles",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source_name", sa.String(200), nullable=False),
    sa.Column("guid", sa.Text, nullable=False, unique=True),
    sa.Column("url", sa.Text),
    sa.Column("canonical_url", sa.Text, unique=True),
    sa.Column("content_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("published", UtcDateTime, nullable=False),
    sa.Column("first_seen", UtcDateTime, nullable=False, index=True),
    sa.Column("boundary_set", sa.String(4), nullable=False),
    # The item as its source last delivered it (title and body, hashed): a changed one is an
    # update of this article. NULL for articles stored before schema 3.
    sa.Column("item_hash", sa.String(64)),
    # Last change of any kind, and last material change (a new paragraph): see prepare/items.py.
    sa.Column("revised_at", UtcDateTime),
    sa.Column("updated_at", UtcDateTime),
)

article_sources_table = sa.Table(
    "article_sources",
    metadata,
    sa.Column("article_id", sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("source_name", sa.String(200), primary_key=True),
    sa.Column("url", sa.Text),
    sa.Column("first_seen", UtcDateTime, nullable=False),
)

# Each article's story fingerprint (``stories.fingerprints.print_bytes``), made when it is prepared.
# Articles stored before schema 6, or with a print of an older format, have none here and
# are fingerprinted when a digest needs them.
article_prints_table = sa.Table(
    "article_prints",
    metadata,
    sa.Column("article_id", sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("print", sa.LargeBinary, nullable=False),
)

seat_tags_table = sa.Table(
    "seat_tags",
    metadata,
    sa.Column("article_id", sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("code", sa.String(12), primary_key=True),
    sa.Column("boundary_set", sa.String(4), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("role", sa.String(12), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("evidence", sa.Text, nullable=False),
    sa.Index("ix_seat_tags_code", "code"),
)

subscribers_table = sa.Table(
    "subscribers",
    metadata,
    sa.Column("email", sa.String(320), primary_key=True),
    sa.Column("name", sa.Text, nullable=False, default=""),
    sa.Column("seats", sa.Text, nullable=False),  # JSON list, as the subscriber wrote them
    sa.Column("added_at", UtcDateTime, nullable=False),
    sa.Column("frequency", sa.String(10), nullable=False, server_default="daily"),
    sa.Column("timezone", sa.String(64), nullable=False, server_default=""),  # "": [daemon]'s
    sa.Column("status", sa.String(16), nullable=False, server_default="active"),
)

digests_table = sa.Table(
    "digests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("subscriber", sa.Text, nullable=False, index=True),
    sa.Column("period", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(12), nullable=False),  # preview | sent
    sa.Column("backend", sa.String(40), nullable=False),
    sa.Column("message_id", sa.Text, nullable=False),
    sa.Column("story_count", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("detail", sa.Text, nullable=False, default=""),
    # Previews are "done" at once; a send is "sending" before the backend sees it, then
    # "sent", "failed" (retried), "rejected" (refused for good) or "unknown" (no answer after
    # the message was handed over: resent once by a later run). A crash leaves "sending", and
    # a later run resends it with the same Message-ID once its lease has lapsed; a "sent" row
    # is never sent again.
    sa.Column("status", sa.String(10), nullable=False, default="done"),
    # Runs that tried to send this period (each may have tried several times, retry.py).
    sa.Column("attempts", sa.Integer, nullable=False, default=0, server_default="0"),
    # A "sending" row belongs to one live sender: its owner ("host:pid:nonce") renews the
    # lease while it sends; another sender skips the row until the lease runs out (or, on
    # the same host, the owner's process is gone) and only then sends it again.
    sa.Column("lease_owner", sa.Text, nullable=False, default="", server_default=""),
    sa.Column("lease_until", UtcDateTime, nullable=True),
    # Sends that ended "unknown" (handed over, never answered): resent once, never twice.
    sa.Column("unknown_count", sa.Integer, nullable=False, default=0, server_default="0"),
    sa.Index(
        "ux_digests_sent_period",
        "subscriber",
        "period",
        unique=True,
        sqlite_where=sa.text("kind = 'sent'"),
    ),
)


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """One committed transaction; database failures become ``StoreError``."""
    try:
        with engine.begin() as connection:
            yield connection
    except sa.exc.OperationalError as exc:
        raise StoreError(f"store {engine.url}: {exc.orig}") from exc


def execute_many(
    conn: Connection,
    statement: sa.Insert | sa.Update,
    rows: Sequence[Mapping[str, Any]],
) -> None:
    """Run ``statement`` once per row (rows with the same keys), in one ``executemany``.

    On SQLite the statement is compiled once and the rows go straight to the driver, each
    value converted by its parameter type's own bind processor: SQLAlchemy's per-row
    parameter handling was a large part of a cold poll's storing and of a warm poll's CPU
    (bench/RESULTS.md). Other databases take the ordinary path.
    """
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(statement, list(rows))
        return
    dialect = conn.dialect
    compiled = statement.compile(dialect=dialect, column_keys=list(rows[0]))
    names = compiled.positiontup or []
    binds = [compiled.binds[name] for name in names]
    processors = [bind.type.dialect_impl(dialect).bind_processor(dialect) for bind in binds]
    defaults = [bind.value for bind in binds]
    conn.exec_driver_sql(
        str(compiled),
        [
            tuple(
                value if process is None or value is None else process(value)
                for value, process in (
                    (row.get(name, default), process)
                    for name, default, process in zip(names, defaults, processors, strict=True)
                )
            )
            for row in rows
        ],
    )
