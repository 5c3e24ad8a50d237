"""The store: SQLAlchemy Core tables and the queries the pipeline needs.

SQLite by default (a path from config), any SQLAlchemy URL otherwise. The schema carries a
version in ``meta``; opening a store written by a newer seatwatch is refused instead of
corrupting it. Every write that a later step depends on is committed before that step runs,
so a crash at any point resumes from what is here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from digest.errors import StoreError
from digest.models import Article, Evidence, EvidenceKind, Role, SeatTag, StorySource
from digest.sources.base import SourceState

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1


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
    sa.Column("etag", sa.Text),
    sa.Column("last_modified", sa.Text),
    sa.Column("last_poll_at", UtcDateTime),
    sa.Column("last_success_at", UtcDateTime),
    sa.Column("last_error", sa.Text),
    sa.Column("consecutive_failures", sa.Integer, nullable=False, default=0),
    sa.Column("items_seen", sa.Integer, nullable=False, default=0),
    sa.Column("articles_added", sa.Integer, nullable=False, default=0),
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
    sa.Column("summary", sa.Text, nullable=False),
)

article_sources_table = sa.Table(
    "article_sources",
    metadata,
    sa.Column("article_id", sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("source_name", sa.String(200), primary_key=True),
    sa.Column("url", sa.Text),
    sa.Column("first_seen", UtcDateTime, nullable=False),
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
)


@dataclass(frozen=True, slots=True)
class NewArticle:
    """An article about to be stored, with everything computed from it."""

    source_name: str
    guid: str
    url: str | None
    canonical_url: str | None
    content_hash: str
    title: str
    text: str
    published: datetime
    first_seen: datetime
    boundary_set: str
    summary: tuple[str, ...]
    tags: tuple[SeatTag, ...]


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """A source's row, for ``digest status``."""

    name: str
    kind: str
    location: str
    last_poll_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    items_seen: int
    articles_added: int


@dataclass(frozen=True, slots=True)
class DigestRecord:
    """One digest that was previewed or sent."""

    subscriber: str
    period: str
    kind: str
    backend: str
    message_id: str
    story_count: int
    created_at: datetime
    detail: str


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


class Store:
    """Open connection pool and the queries over it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, target: Path | str) -> Store:
        """Open (creating when needed) the store at a SQLite path or SQLAlchemy URL."""
        if isinstance(target, Path):
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create {target.parent}: {exc.strerror}") from exc
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

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as connection:
                yield connection
        except sa.exc.OperationalError as exc:
            raise StoreError(f"store {self.engine.url}: {exc.orig}") from exc

    def migrate(self) -> None:
        """Create the schema on first use; refuse a store from a newer version."""
        with self._begin() as conn:
            metadata.create_all(conn)
            row = conn.execute(
                sa.select(meta_table.c.value).where(meta_table.c.key == "schema_version")
            ).scalar_one_or_none()
            if row is None:
                conn.execute(
                    meta_table.insert().values(key="schema_version", value=str(SCHEMA_VERSION))
                )
            elif int(row) > SCHEMA_VERSION:
                raise StoreError(
                    f"store {self.engine.url} has schema version {row}, newer than this "
                    f"seatwatch understands ({SCHEMA_VERSION}); upgrade seatwatch"
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

    # Sources -------------------------------------------------------------------------------

    def source_state(self, name: str) -> SourceState:
        """The validators kept from the last poll of ``name``."""
        with self._begin() as conn:
            row = conn.execute(
                sa.select(sources_table.c.etag, sources_table.c.last_modified).where(
                    sources_table.c.name == name
                )
            ).first()
        return (
            SourceState()
            if row is None
            else SourceState(etag=row.etag, last_modified=row.last_modified)
        )

    def record_poll(
        self,
        *,
        name: str,
        kind: str,
        location: str,
        at: datetime,
        error: str | None,
        state: SourceState | None = None,
        items_seen: int = 0,
        articles_added: int = 0,
    ) -> None:
        """Record the outcome of one poll of one source."""
        with self._begin() as conn:
            row = conn.execute(sa.select(sources_table).where(sources_table.c.name == name)).first()
            values: dict[str, Any] = {"kind": kind, "location": location, "last_poll_at": at}
            if error is None:
                values.update(last_success_at=at, last_error=None, consecutive_failures=0)
                if state is not None:
                    values.update(etag=state.etag, last_modified=state.last_modified)
            else:
                failures = (row.consecutive_failures if row is not None else 0) + 1
                values.update(last_error=error, consecutive_failures=failures)
            if row is None:
                values.update(name=name, items_seen=items_seen, articles_added=articles_added)
                values.setdefault("consecutive_failures", 0)
                conn.execute(sources_table.insert().values(**values))
            else:
                values.update(
                    items_seen=row.items_seen + items_seen,
                    articles_added=row.articles_added + articles_added,
                )
                conn.execute(
                    sources_table.update().where(sources_table.c.name == name).values(**values)
                )

    def source_statuses(self) -> list[SourceStatus]:
        """Every source that has been polled, by name."""
        with self._begin() as conn:
            rows = conn.execute(sa.select(sources_table).order_by(sources_table.c.name)).all()
        return [
            SourceStatus(
                name=r.name,
                kind=r.kind,
                location=r.location,
                last_poll_at=r.last_poll_at,
                last_success_at=r.last_success_at,
                last_error=r.last_error,
                consecutive_failures=r.consecutive_failures,
                items_seen=r.items_seen,
                articles_added=r.articles_added,
            )
            for r in rows
        ]

    # Articles ------------------------------------------------------------------------------

    def find_duplicate(self, guid: str, canonical: str | None, digest: str) -> int | None:
        """The id of a stored article with this GUID, canonical URL or text hash."""
        condition = sa.or_(
            articles_table.c.guid == guid,
            articles_table.c.content_hash == digest,
            *([articles_table.c.canonical_url == canonical] if canonical else []),
        )
        with self._begin() as conn:
            found = conn.execute(
                sa.select(articles_table.c.id).where(condition).limit(1)
            ).scalar_one_or_none()
        return None if found is None else int(found)

    def add_article(self, article: NewArticle) -> int:
        """Insert an article, its first source and its tags in one transaction."""
        with self._begin() as conn:
            inserted = conn.execute(
                articles_table.insert().values(
                    source_name=article.source_name,
                    guid=article.guid,
                    url=article.url,
                    canonical_url=article.canonical_url,
                    content_hash=article.content_hash,
                    title=article.title,
                    text=article.text,
                    published=article.published,
                    first_seen=article.first_seen,
                    boundary_set=article.boundary_set,
                    summary=json.dumps(list(article.summary)),
                )
            )
            key = inserted.inserted_primary_key
            if key is None:
                raise StoreError("the database did not report the new article's id")
            article_id = key[0]
            conn.execute(
                article_sources_table.insert().values(
                    article_id=article_id,
                    source_name=article.source_name,
                    url=article.url,
                    first_seen=article.first_seen,
                )
            )
            if article.tags:
                conn.execute(
                    seat_tags_table.insert(),
                    [
                        {
                            "article_id": article_id,
                            "code": tag.code,
                            "boundary_set": tag.boundary_set,
                            "name": tag.name,
                            "role": tag.role.value,
                            "score": tag.score,
                            "evidence": json.dumps([_evidence_json(e) for e in tag.evidence]),
                        }
                        for tag in article.tags
                    ],
                )
        return int(article_id)

    def add_source_to_article(
        self, article_id: int, source_name: str, url: str | None, at: datetime
    ) -> bool:
        """Record that another outlet carried a stored article; False if already known."""
        with self._begin() as conn:
            exists = conn.execute(
                sa.select(article_sources_table.c.article_id).where(
                    article_sources_table.c.article_id == article_id,
                    article_sources_table.c.source_name == source_name,
                )
            ).first()
            if exists is not None:
                return False
            conn.execute(
                article_sources_table.insert().values(
                    article_id=article_id, source_name=source_name, url=url, first_seen=at
                )
            )
        return True

    def article_count(self) -> int:
        """How many distinct articles are stored."""
        with self._begin() as conn:
            return int(
                conn.execute(sa.select(sa.func.count()).select_from(articles_table)).scalar_one()
            )

    def articles_for_seats(
        self, codes: Sequence[str], *, seen_since: datetime
    ) -> list[tuple[Article, Role, tuple[StorySource, ...]]]:
        """Articles tagged with any of ``codes`` and first seen since ``seen_since``.

        Each comes with its strongest role among those codes and every outlet that carried it.
        """
        if not codes:
            return []
        with self._begin() as conn:
            rows = conn.execute(
                sa.select(articles_table, seat_tags_table.c.role)
                .join(seat_tags_table, seat_tags_table.c.article_id == articles_table.c.id)
                .where(
                    seat_tags_table.c.code.in_(list(codes)),
                    articles_table.c.first_seen >= seen_since,
                )
            ).all()
            ids = sorted({r.id for r in rows})
            source_rows = conn.execute(
                sa.select(article_sources_table)
                .where(article_sources_table.c.article_id.in_(ids))
                .order_by(article_sources_table.c.first_seen, article_sources_table.c.source_name)
            ).all()
        sources: dict[int, list[StorySource]] = {}
        for s in source_rows:
            sources.setdefault(s.article_id, []).append(StorySource(s.source_name, s.url))
        best: dict[int, tuple[Article, Role]] = {}
        for r in rows:
            role = Role(r.role)
            if r.id in best and best[r.id][1] is Role.PRIMARY:
                continue
            best[r.id] = (_article_from_row(r), role)
        return [(a, role, tuple(sources.get(a.id, ()))) for a, role in best.values()]

    # Digests -------------------------------------------------------------------------------

    def record_digest(self, record: DigestRecord) -> None:
        """Log a digest that was previewed or sent."""
        with self._begin() as conn:
            conn.execute(
                digests_table.insert().values(
                    subscriber=record.subscriber,
                    period=record.period,
                    kind=record.kind,
                    backend=record.backend,
                    message_id=record.message_id,
                    story_count=record.story_count,
                    created_at=record.created_at,
                    detail=record.detail,
                )
            )

    def last_sent_at(self, subscriber: str) -> datetime | None:
        """When ``subscriber`` was last sent a digest (previews do not count)."""
        with self._begin() as conn:
            value = conn.execute(
                sa.select(sa.func.max(digests_table.c.created_at)).where(
                    digests_table.c.subscriber == subscriber, digests_table.c.kind == "sent"
                )
            ).scalar_one_or_none()
        if value is None:
            return None
        return value if isinstance(value, datetime) and value.tzinfo else _as_utc(value)

    def recent_digests(self, limit: int = 20) -> list[DigestRecord]:
        """The latest digest per subscriber, newest first."""
        with self._begin() as conn:
            latest = (
                sa.select(sa.func.max(digests_table.c.id).label("id"))
                .group_by(digests_table.c.subscriber)
                .subquery()
            )
            rows = conn.execute(
                sa.select(digests_table)
                .join(latest, latest.c.id == digests_table.c.id)
                .order_by(digests_table.c.created_at.desc())
                .limit(limit)
            ).all()
        return [
            DigestRecord(
                subscriber=r.subscriber,
                period=r.period,
                kind=r.kind,
                backend=r.backend,
                message_id=r.message_id,
                story_count=r.story_count,
                created_at=r.created_at,
                detail=r.detail,
            )
            for r in rows
        ]


def _as_utc(value: Any) -> datetime:
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _evidence_json(evidence: Evidence) -> dict[str, Any]:
    return {
        "start": evidence.start,
        "end": evidence.end,
        "text": evidence.text,
        "kind": evidence.kind.value,
    }


def _article_from_row(row: Any) -> Article:
    return Article(
        id=row.id,
        source_name=row.source_name,
        guid=row.guid,
        url=row.url,
        title=row.title,
        text=row.text,
        published=row.published,
        first_seen=row.first_seen,
        summary=tuple(json.loads(row.summary)),
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets `digest status` read while the daemon writes; foreign keys enforce cascades.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


__all__ = ["SCHEMA_VERSION", "EvidenceKind", "NewArticle", "Store"]
