"""The store: created on first use, versioned, and deduplicating."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from digest.errors import StoreError
from digest.models import Evidence, EvidenceKind, PreparedArticle, Role, SeatTag
from digest.store.core import SCHEMA_VERSION, Store

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def _article(
    guid: str = "g1", url: str | None = "https://example.org/a", digest: str = "h1"
) -> PreparedArticle:
    return PreparedArticle(
        source_name="Sample",
        guid=guid,
        url=url,
        canonical_url=url,
        content_hash=digest,
        title="Title",
        text="Body text.",
        published=NOW,
        boundary_set="2024",
        tags=(
            SeatTag(
                code="E14001408",
                name="Norwich North",
                boundary_set="2024",
                role=Role.PRIMARY,
                score=0.9,
                evidence=(Evidence(0, 13, "Norwich North", EvidenceKind.SEAT),),
            ),
        ),
    )


def test_created_on_first_use_with_a_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "store.sqlite3"
    store = Store.open(path)
    assert path.is_file()
    assert store.schema_version() == SCHEMA_VERSION
    store.close()
    # Reopening keeps the data and the version.
    again = Store.open(path)
    assert again.schema_version() == SCHEMA_VERSION
    again.close()


def test_store_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    Store.open(path).close()
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE meta SET value = '999' WHERE key = 'schema_version'"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer than this seatwatch"):
        Store.open(path)


def test_unwritable_location_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError):
        Store.open(blocker / "sub" / "store.sqlite3")


def test_duplicates_found_by_guid_url_or_hash(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.sqlite3")
    article_id = store.add_article(_article(), NOW)
    assert store.find_duplicate("g1", None, "other") == article_id
    assert store.find_duplicate("other", "https://example.org/a", "other") == article_id
    assert store.find_duplicate("other", None, "h1") == article_id
    assert store.find_duplicate("other", "https://example.org/b", "other") is None
    store.close()


def test_articles_for_seats_with_sources(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.sqlite3")
    article_id = store.add_article(_article(), NOW)
    assert store.add_source_to_article(article_id, "Second outlet", "https://two.example/a", NOW)
    assert not store.add_source_to_article(
        article_id, "Second outlet", "https://two.example/a", NOW
    )
    found = store.articles_for_seats(["E14001408"], seen_since=NOW)
    assert len(found) == 1
    article, role, sources = found[0]
    assert article.title == "Title" and article.published == NOW
    assert role is Role.PRIMARY
    assert [s.name for s in sources] == ["Sample", "Second outlet"]
    assert store.articles_for_seats(["E14000863"], seen_since=NOW) == []
    assert (
        store.articles_for_seats(["E14001408"], seen_since=datetime(2027, 1, 1, tzinfo=UTC)) == []
    )
    store.close()


def test_housekeeping_drops_old_text_pages_and_records_but_not_identity(tmp_path: Path) -> None:
    from datetime import timedelta

    from digest.store.outbox import DigestRecord

    store = Store.open(tmp_path / "s.sqlite3")
    long_ago = NOW - timedelta(days=200)
    old = store.add_article(_article("old", "https://example.org/old", "h-old"), long_ago)
    new = store.add_article(_article("new", "https://example.org/new", "h-new"), NOW)
    store.cache_page("https://example.org/old-page", "page text")
    for day, period in ((long_ago, "2026-05-01"), (long_ago + timedelta(days=1), "2026-05-02")):
        record = DigestRecord("a@example.org", period, "sent", "smtp", f"<{period}@x>", 1, day, "")
        store.claim_digest(record)
        store.finish_digest("a@example.org", period, "sent", "")
    done = store.housekeep(NOW - timedelta(days=90))
    assert done.articles_pruned == 1 and done.digests_deleted == 1
    assert store.article_text(old) == "" and store.article_text(new) == "Body text."
    # The old article is still known, so a feed listing it again does not make it news.
    assert store.known_guids(["old", "new"]) == {"old", "new"}
    assert store.articles_for_seats(["E14001408"], seen_since=long_ago)[0][0].id == new
    # The latest sent digest still dates the next one.
    assert store.last_sent_times() == {"a@example.org": long_ago + timedelta(days=1)}
    assert store.housekeep(NOW - timedelta(days=90)).articles_pruned == 0


def test_story_prints_are_stored_replaced_on_revision_and_pruned(tmp_path: Path) -> None:
    from dataclasses import replace
    from datetime import timedelta

    store = Store.open(tmp_path / "s.sqlite3")
    article_id = store.add_article(replace(_article(), story_print=b"first print"), NOW)
    no_print = store.add_article(_article("g2", "https://example.org/b", "h2"), NOW)
    found = {
        a.id: a.story_print for a, _, _ in store.articles_for_seats(["E14001408"], seen_since=NOW)
    }
    assert found == {article_id: b"first print", no_print: b""}
    revision = replace(
        _article(), content_hash="h1b", text="Body text, revised.", story_print=b"second"
    )
    assert store.revise_article(article_id, revision, material=True, at=NOW)
    (article, _, _), _ = sorted(
        store.articles_for_seats(["E14001408"], seen_since=NOW), key=lambda f: f[0].id
    )
    assert article.story_print == b"second"
    store.housekeep(NOW + timedelta(days=1))
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM article_prints")).scalar() == 0
    store.close()
