"""The store: SQLAlchemy Core tables and the queries the pipeline needs.

SQLite by default (a path from config), any SQLAlchemy URL otherwise. The schema carries a
version in ``meta``; opening a store written by a newer seatwatch is refused instead of
corrupting it. Every write that a later step depends on is committed before that step runs,
so a crash at any point resumes from what is here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from digest.errors import StoreError
from digest.files import private_file
from digest.models import (
    Article,
    Evidence,
    EvidenceKind,
    PreparedArticle,
    Role,
    SeatTag,
    StorySource,
)
from digest.store import outbox
from digest.store.outbox import (
    SETTLED,
    UNKNOWN_LIMIT,
    Claim,
    DigestRecord,
    DigestStatus,
    Lease,
    Settlement,
)
from digest.store.schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    article_prints_table,
    article_sources_table,
    articles_table,
    digests_table,
    execute_many,
    meta_table,
    metadata,
    pages_table,
    seat_tags_table,
    transaction,
)
from digest.store.sources import SourceStore
from digest.store.subscribers import SubscriberStore

log = logging.getLogger(__name__)

# Values per ``IN (...)`` list: SQLite allows at most 32,766 parameters per statement.
IN_CHUNK = 5000


def _ids_by(conn: Connection, column: sa.Column[Any], values: Sequence[str]) -> dict[str, int]:
    """Article ids by the value of a unique column, for the values that are stored."""
    rows = _rows_where_in(conn, (column, articles_table.c.id), column, values)
    return {str(value): int(ident) for value, ident in rows}


def _rows_where_in(
    conn: Connection,
    selected: Sequence[sa.Column[Any]],
    column: sa.Column[Any],
    values: Sequence[str],
) -> list[tuple[Any, ...]]:
    """The ``selected`` columns of the articles whose ``column`` is one of ``values``.

    Asked for every source of a poll: on SQLite straight through the driver (the columns
    are plain text and integers, with nothing to convert), which costs a tenth of building
    the statement with an expanding ``IN`` each time.
    """
    wanted = sorted(set(values))
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(wanted), IN_CHUNK):
        chunk = wanted[start : start + IN_CHUNK]
        if conn.dialect.name == "sqlite":
            quote = conn.dialect.identifier_preparer.quote
            names = ", ".join(quote(c.name) for c in selected)
            sql = (
                f"SELECT {names} FROM {quote(articles_table.name)} "
                f"WHERE {quote(column.name)} IN ({', '.join('?' * len(chunk))})"
            )
            found.extend(tuple(row) for row in conn.exec_driver_sql(sql, tuple(chunk)))
        else:
            query = sa.select(*selected).where(column.in_(chunk))
            found.extend(tuple(row) for row in conn.execute(query))
    return found


@dataclass(slots=True)
class KnownArticles:
    """Stored article ids by GUID, canonical URL and text hash, for batch deduplication."""

    by_guid: dict[str, int] = field(default_factory=dict)
    by_url: dict[str, int] = field(default_factory=dict)
    by_hash: dict[str, int] = field(default_factory=dict)

    def match(self, guid: str, url: str | None, content_hash: str) -> int | None:
        """The id of the article these identifiers belong to, if any."""
        found = self.by_guid.get(guid) or self.by_hash.get(content_hash)
        if found is None and url:
            found = self.by_url.get(url)
        return found

    def remember(self, article_id: int, guid: str, url: str | None, content_hash: str) -> None:
        """Note a newly stored article so later items in the same batch match it."""
        self.by_guid[guid] = article_id
        self.by_hash[content_hash] = article_id
        if url:
            self.by_url[url] = article_id


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


class PageRecord(NamedTuple):
    """What the page cache keeps for one article page."""

    text: str | None  # the extracted text ("" if the page had none); None while it fails
    failures: int = 0  # failed fetches in a row
    next_try: datetime | None = None  # a failed page is not fetched again before this
    error: str | None = None  # why the last fetch failed


class Housekeeping(NamedTuple):
    """What one housekeeping pass removed."""

    articles_pruned: int
    pages_deleted: int
    digests_deleted: int


class Store:
    """Open connection pool and the queries over it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
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

    def _begin(self) -> AbstractContextManager[Connection]:
        return transaction(self.engine)

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

    # Pages (full-text cache) -----------------------------------------------------------------

    def cached_page(self, url: str) -> str | None:
        """The text extracted from ``url`` before; ``""`` if it had none; ``None`` if never
        (or if every fetch so far failed)."""
        record = self.page_records([url]).get(url)
        return None if record is None else record.text

    def page_records(self, urls: Sequence[str]) -> dict[str, PageRecord]:
        """What is kept for each of ``urls`` that has a row: its text or its failures."""
        wanted = sorted(set(urls))
        columns = (
            pages_table.c.url,
            pages_table.c.text,
            pages_table.c.failures,
            pages_table.c.next_try,
            pages_table.c.error,
        )
        found: dict[str, PageRecord] = {}
        with self._begin() as conn:
            for start in range(0, len(wanted), IN_CHUNK):
                chunk = wanted[start : start + IN_CHUNK]
                for row in conn.execute(sa.select(*columns).where(pages_table.c.url.in_(chunk))):
                    failures = int(row.failures or 0)
                    found[str(row.url)] = PageRecord(
                        text=None if failures else str(row.text),
                        failures=failures,
                        next_try=row.next_try,
                        error=row.error,
                    )
        return found

    def cache_page(self, url: str, text: str) -> None:
        """Keep the text extracted from ``url`` (empty when the page had none)."""
        with self._begin() as conn:
            conn.execute(pages_table.delete().where(pages_table.c.url == url))
            conn.execute(
                pages_table.insert().values(url=url, text=text, fetched_at=datetime.now(UTC))
            )

    def page_failed(
        self, url: str, *, error: str, failures: int, next_try: datetime, at: datetime
    ) -> None:
        """Remember that fetching ``url`` failed (``failures`` times in a row) and when it
        may be tried again."""
        with self._begin() as conn:
            conn.execute(pages_table.delete().where(pages_table.c.url == url))
            conn.execute(
                pages_table.insert().values(
                    url=url,
                    text="",
                    fetched_at=at,
                    failures=failures,
                    next_try=next_try,
                    error=error,
                )
            )

    # Articles ------------------------------------------------------------------------------

    def find_duplicates(
        self, guids: Sequence[str], urls: Sequence[str], hashes: Sequence[str]
    ) -> KnownArticles:
        """Stored articles matching any of these GUIDs, canonical URLs or text hashes."""
        known = KnownArticles()
        columns = (
            (articles_table.c.guid, guids, known.by_guid),
            (articles_table.c.canonical_url, urls, known.by_url),
            (articles_table.c.content_hash, hashes, known.by_hash),
        )
        with self._begin() as conn:
            for column, values, target in columns:
                target.update(_ids_by(conn, column, values))
        return known

    def known_guids(self, guids: Sequence[str]) -> set[str]:
        """The GUIDs among ``guids`` that belong to stored articles."""
        return set(self.find_duplicates(guids, [], []).by_guid)

    def known_items(self, guids: Sequence[str]) -> dict[str, tuple[int, str | None]]:
        """For the GUIDs among ``guids`` that are stored: the article's id and the hash of
        the item as last delivered (``None`` for articles stored before schema 3)."""
        columns = (articles_table.c.guid, articles_table.c.id, articles_table.c.item_hash)
        with self._begin() as conn:
            rows = _rows_where_in(conn, columns, articles_table.c.guid, guids)
        return {str(guid): (int(ident), item_hash) for guid, ident, item_hash in rows}

    def set_item_hashes(self, hashes: dict[int, str]) -> None:
        """Record the delivered items' hashes of articles stored before schema 3."""
        if not hashes:
            return
        with self._begin() as conn:
            conn.execute(
                articles_table.update()
                .where(articles_table.c.id == sa.bindparam("article_id"))
                .values(item_hash=sa.bindparam("new_hash")),
                [{"article_id": i, "new_hash": h} for i, h in hashes.items()],
            )

    def article_text(self, article_id: int) -> str:
        """The stored text of one article."""
        with self._begin() as conn:
            return str(
                conn.execute(
                    sa.select(articles_table.c.text).where(articles_table.c.id == article_id)
                ).scalar_one()
            )

    def revise_article(
        self, article_id: int, article: PreparedArticle, material: bool, at: datetime
    ) -> bool:
        """Replace an article's title, text and tags with its source's revision.

        ``material`` (a new paragraph, not a typo) also sets ``updated_at``, which may put
        the story in the next digest again. False, with only the item hash recorded, when
        the revision's text is another stored article's.
        """
        with self._begin() as conn:
            clash = conn.execute(
                sa.select(articles_table.c.id).where(
                    articles_table.c.content_hash == article.content_hash,
                    articles_table.c.id != article_id,
                )
            ).first()
            if clash is not None:
                conn.execute(
                    articles_table.update()
                    .where(articles_table.c.id == article_id)
                    .values(item_hash=article.item_hash)
                )
                return False
            values: dict[str, Any] = {
                "title": article.title,
                "text": article.text,
                "content_hash": article.content_hash,
                "item_hash": article.item_hash,
                "boundary_set": article.boundary_set,
                "revised_at": at,
            }
            if material:
                values["updated_at"] = at
            conn.execute(
                articles_table.update().where(articles_table.c.id == article_id).values(**values)
            )
            conn.execute(seat_tags_table.delete().where(seat_tags_table.c.article_id == article_id))
            if article.tags:
                conn.execute(seat_tags_table.insert(), _tag_rows(article_id, article.tags))
            conn.execute(
                article_prints_table.delete().where(article_prints_table.c.article_id == article_id)
            )
            if article.story_print:
                conn.execute(
                    article_prints_table.insert().values(
                        article_id=article_id, print=article.story_print
                    )
                )
        return True

    def find_duplicate(self, guid: str, canonical: str | None, digest: str) -> int | None:
        """The id of a stored article with this GUID, canonical URL or text hash."""
        return self.find_duplicates([guid], [canonical] if canonical else [], [digest]).match(
            guid, canonical, digest
        )

    def add_articles(self, articles: Sequence[PreparedArticle], first_seen: datetime) -> list[int]:
        """Insert articles with their first source and tags, all in one transaction.

        One multi-row insert per table, then the new ids read back in one query: asking the
        insert itself to return them in order makes SQLAlchemy fall back to one statement
        per row on SQLite, which cost a cold poll of 4,000 items 0.6 s.
        """
        if not articles:
            return []
        with self._begin() as conn:
            before = conn.execute(sa.select(sa.func.max(articles_table.c.id))).scalar() or 0
            execute_many(
                conn,
                articles_table.insert(),
                [
                    {
                        "source_name": a.source_name,
                        "guid": a.guid,
                        "url": a.url,
                        "canonical_url": a.canonical_url,
                        "content_hash": a.content_hash,
                        "title": a.title,
                        "text": a.text,
                        "published": a.published or first_seen,
                        "first_seen": first_seen,
                        "boundary_set": a.boundary_set,
                        "item_hash": a.item_hash or None,
                    }
                    for a in articles
                ],
            )
            # New rows get ids above the largest before the insert (SQLite, and sequences
            # elsewhere); rows of any concurrent writer are told apart by their GUIDs.
            rows = conn.execute(
                sa.select(articles_table.c.guid, articles_table.c.id).where(
                    articles_table.c.id > before
                )
            )
            by_guid = {str(guid): int(ident) for guid, ident in rows}
            if any(a.guid not in by_guid for a in articles):
                raise StoreError("the database did not report every new article's id")
            ids = [by_guid[a.guid] for a in articles]
            execute_many(
                conn,
                article_sources_table.insert(),
                [
                    {
                        "article_id": article_id,
                        "source_name": a.source_name,
                        "url": a.url,
                        "first_seen": first_seen,
                    }
                    for article_id, a in zip(ids, articles, strict=True)
                ],
            )
            tags = [
                row
                for article_id, a in zip(ids, articles, strict=True)
                for row in _tag_rows(article_id, a.tags)
            ]
            execute_many(conn, seat_tags_table.insert(), tags)
            prints = [
                {"article_id": article_id, "print": a.story_print}
                for article_id, a in zip(ids, articles, strict=True)
                if a.story_print
            ]
            execute_many(conn, article_prints_table.insert(), prints)
        return ids

    def add_article(self, article: PreparedArticle, first_seen: datetime) -> int:
        """Insert one article, its first source and its tags."""
        return self.add_articles([article], first_seen)[0]

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
        """Articles tagged with any of ``codes`` and first seen (or revised) since
        ``seen_since``.

        Each comes with its strongest role among those codes and every outlet that carried it.
        """
        if not codes:
            return []
        with self._begin() as conn:
            rows = conn.execute(
                sa.select(articles_table, seat_tags_table.c.role, article_prints_table.c.print)
                .join(seat_tags_table, seat_tags_table.c.article_id == articles_table.c.id)
                .outerjoin(
                    article_prints_table, article_prints_table.c.article_id == articles_table.c.id
                )
                .where(
                    seat_tags_table.c.code.in_(list(codes)),
                    (articles_table.c.first_seen >= seen_since)
                    | (articles_table.c.revised_at >= seen_since),
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
            if r.id in best and best[r.id][1].rank <= role.rank:
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

    def claim_digest(
        self,
        record: DigestRecord,
        settle: Sequence[Settlement] = (),
        lease: Lease | None = None,
        now: datetime | None = None,
    ) -> Claim:
        """Reserve a send of ``record``'s period for ``lease``'s owner (``outbox.claim``).

        ``settle`` holds the outcomes of sends finished since the last claim, written in the
        same transaction: one commit per message instead of two. Without a lease the claim
        is nobody's, as before leases existed: any later sender may take it over.
        """
        with self._begin() as conn:
            outbox.settle(conn, settle)
            return outbox.claim(conn, record, lease, now or datetime.now(UTC))

    def renew_leases(self, owner: str, now: datetime | None = None) -> None:
        """Keep ``owner``'s claims its own while it is still sending them."""
        with self._begin() as conn:
            outbox.renew(conn, owner, now or datetime.now(UTC))

    def finish_digest(self, subscriber: str, period: str, status: str, detail: str) -> None:
        """Mark a claimed send as "sent", "failed", "rejected" or "unknown"."""
        self.finish_digests([Settlement(subscriber, period, status, detail)])

    def finish_digests(self, outcomes: Sequence[Settlement]) -> None:
        """Store several sends' outcomes in one transaction."""
        if outcomes:
            with self._begin() as conn:
                outbox.settle(conn, outcomes)

    def sent_subscribers(self, period: str) -> set[str]:
        """Subscribers whose digest for ``period`` is settled: sent, or refused for good."""
        with self._begin() as conn:
            rows = conn.execute(
                sa.select(digests_table.c.subscriber).where(
                    digests_table.c.period == period,
                    digests_table.c.kind == "sent",
                    digests_table.c.status.in_(SETTLED)
                    | (
                        (digests_table.c.status == DigestStatus.UNKNOWN)
                        & (digests_table.c.unknown_count >= UNKNOWN_LIMIT)
                    ),
                )
            ).all()
        return {str(r.subscriber) for r in rows}

    def last_sent_times(self) -> dict[str, datetime]:
        """When each subscriber was last sent a digest, in one query (a send asks for all)."""
        with self._begin() as conn:
            rows = conn.execute(
                sa.select(digests_table.c.subscriber, sa.func.max(digests_table.c.created_at))
                .where(digests_table.c.kind == "sent", digests_table.c.status == "sent")
                .group_by(digests_table.c.subscriber)
            ).all()
        return {
            str(subscriber): at if isinstance(at, datetime) and at.tzinfo else _as_utc(at)
            for subscriber, at in rows
            if at is not None
        }

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

    def queue_counts(self) -> dict[str, int]:
        """Sends not settled for good, by status: "sending" (in progress, or interrupted and
        resent once its lease lapses), "failed" (temporary, retried), "rejected" (refused for
        good) and "unknown" (no answer after handing over: resent once)."""
        with self._begin() as conn:
            return outbox.queue_counts(conn)

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
                status=r.status,
                attempts=r.attempts,
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


def _tag_rows(article_id: int, tags: Sequence[SeatTag]) -> list[dict[str, Any]]:
    return [
        {
            "article_id": article_id,
            "code": tag.code,
            "boundary_set": tag.boundary_set,
            "name": tag.name,
            "role": tag.role.value,
            "score": tag.score,
            "evidence": json.dumps([_evidence_json(e) for e in tag.evidence]),
        }
        for tag in tags
    ]


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
        revised_at=row.revised_at,
        updated_at=row.updated_at,
        story_print=row.print or b"",
    )


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
