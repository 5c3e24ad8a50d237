"""Articles: storing prepared ones, their sources, revisions and seat tags, and reading
them back for digests."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from digest.errors import StoreError
from digest.models import (
    Article,
    Evidence,
    PreparedArticle,
    Role,
    SeatTag,
    StorySource,
)
from digest.store.base import StoreBase
from digest.store.schema import (
    article_prints_table,
    article_sources_table,
    articles_table,
    execute_many,
    seat_tags_table,
)

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
    are plain text and integers, with nothing to convert), far cheaper than building the
    statement with an expanding ``IN`` each time.
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


class ArticleQueries(StoreBase):
    """``Store``'s article queries."""

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
        per row on SQLite, a large part of a cold poll.
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
