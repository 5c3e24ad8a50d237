"""Feed titles: read by every parser, cleaned and bounded, kept in the store (schema 9)
with a write only when a title changes, and shown as the outlet where a source's name only
repeats its location (issue 19)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from digest.compose import with_outlet_names
from digest.config import SourceConfig
from digest.models import Role, SourceKind, SourceState, Story, StorySource
from digest.pipeline import poll_configured
from digest.sources.base import is_location_name, source_for_location, with_unique_names
from digest.sources.parse import RawFeed, parse_raw_feed, parse_with_feedparser
from digest.store.core import SCHEMA_VERSION, Store
from digest.store.sources import PollRecord
from tests.conftest import LoopbackServer, Route
from tests.support import BODY, T0, Clock, make_settings, rss

ITEM = (
    "<item><title>Bus news</title><link>https://example.org/1</link><guid>g1</guid>"
    f"<description>{BODY}</description></item>"
)


def _rss(title: str, encoding: str = "UTF-8") -> bytes:
    channel_title = f"<title>{title}</title>" if title else ""
    return (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>'
        f"{channel_title}<link>https://example.org/</link>{ITEM}</channel></rss>"
    ).encode(encoding)


def _parse(content: bytes, content_type: str = "") -> str | None:
    raw = RawFeed("s", content, content_type, "https://example.org/feed", SourceState())
    return parse_raw_feed(raw, 50).title


def test_every_parser_reads_the_feed_title() -> None:
    assert _parse(_rss("BBC News - UK Politics")) == "BBC News - UK Politics"
    atom = (
        b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        b'<title type="html">Leader &lt;i&gt;Live&lt;/i&gt;</title>'
        b"<id>urn:x</id><entry><id>e1</id><title>Bus news</title>"
        b"<summary>" + BODY.encode() + b"</summary></entry></feed>"
    )
    assert _parse(atom) == "Leader Live"
    # Latin-1 goes to feedparser, not the fast parser: the same title either way.
    latin = _rss("Café Gazette", "ISO-8859-1")
    assert _parse(latin) == "Café Gazette"
    raw = RawFeed("s", latin, "", "https://example.org/feed", SourceState())
    assert parse_with_feedparser(raw, 50).title == "Café Gazette"
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Json\u0000 Chronicle\n",
        "items": [{"id": "1", "title": "Bus news", "content_text": BODY}],
    }
    assert _parse(json.dumps(document).encode(), "application/feed+json") == "Json Chronicle"


def test_a_feed_without_a_title_has_an_empty_one() -> None:
    assert _parse(_rss("")) == ""
    assert _parse(_rss("   ")) == ""


def test_a_long_title_is_cut_at_a_word() -> None:
    long = "The Daily " + "Very Long Name " * 100
    title = _parse(_rss(long))
    assert title is not None and len(title) <= 100 and title.endswith("…")
    assert long.startswith(title.removesuffix("…") + " ")  # whole words


def test_names_made_from_locations_are_told_from_chosen_names(tmp_path: Path) -> None:
    url = "https://feeds.example.org/news/politics/rss.xml"
    derived = source_for_location(url, key="URL")
    assert is_location_name(derived.name, url)
    assert not is_location_name("Example Politics", url)
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "feed.xml").write_bytes(_rss("T"))
    files = [source_for_location(str(tmp_path / f / "feed.xml"), key="--source") for f in "ab"]
    for source in with_unique_names([*files, files[0]]):  # "a/feed.xml", "b/...", "... (2)"
        assert is_location_name(source.name, source.location), source.name
    assert not is_location_name("Feed desk", files[0].location)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "s.sqlite3")
    yield opened
    opened.close()


def _title_writes(store: Store) -> list[str]:
    """Statements that write a feed title, as the store runs them."""
    writes: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("UPDATE") and "feed_title" in statement:
            writes.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", seen)
    return writes


def test_titles_are_written_only_when_they_change(
    tmp_path: Path, http_server: LoopbackServer, store: Store
) -> None:
    paths = {f"feed{n}": f"/feed{n}" for n in range(5)}
    for name, path in paths.items():
        http_server.routes[path] = Route(_rss(f"Title of {name}"), conditional=False)
    settings = make_settings(tmp_path, http_server, paths)
    clock = Clock()
    writes = _title_writes(store)
    poll_configured(settings, store, clock=clock)
    assert len(writes) == 1  # one statement for the five new titles
    assert {s.feed_title for s in store.sources.statuses().values()} == {
        f"Title of {name}" for name in paths
    }

    clock.now = T0.replace(hour=12)
    poll_configured(settings, store, clock=clock)
    assert len(writes) == 1  # same titles: nothing written

    http_server.routes["/feed3"] = Route(_rss("Renamed Gazette"), conditional=False)
    clock.now = T0.replace(hour=15)
    poll_configured(settings, store, clock=clock)
    assert len(writes) == 2
    assert store.sources.statuses()["feed3"].feed_title == "Renamed Gazette"
    assert store.sources.statuses()["feed1"].feed_title == "Title of feed1"


def test_a_not_modified_feed_keeps_its_title(
    tmp_path: Path, http_server: LoopbackServer, store: Store
) -> None:
    http_server.routes["/f"] = Route(_rss("Kept Title"), last_modified="Sat, 21 Nov 2026 GMT")
    settings = make_settings(tmp_path, http_server, {"f": "/f"})
    clock = Clock()
    poll_configured(settings, store, clock=clock)
    clock.now = T0.replace(hour=12)
    report = poll_configured(settings, store, clock=clock)
    assert report.outcomes[0].not_modified
    assert store.sources.statuses()["f"].feed_title == "Kept Title"


def test_a_source_pointed_elsewhere_forgets_its_title(store: Store) -> None:
    config = SourceConfig(name="s", kind=SourceKind.FEED, location="https://a.example/feed")
    store.sources.sync_configured([config])
    store.sources.record_successes(
        [PollRecord(config=config, at=T0, state=SourceState(), feed_title="Old Outlet")]
    )
    assert store.sources.feed_titles()["s"].title == "Old Outlet"
    moved = config.model_copy(update={"location": "https://b.example/feed"})
    store.sources.sync_configured([moved])
    assert "s" not in store.sources.feed_titles()


def test_a_store_of_schema_8_is_upgraded_keeping_its_data(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    path = tmp_path / "s.sqlite3"
    http_server.routes["/f"] = Route(rss(("1", "Bus news", BODY)), etag='"v1"')
    settings = make_settings(tmp_path, http_server, {"f": "/f"})
    store = Store.open(path)
    poll_configured(settings, store, clock=Clock())
    store.close()
    # Make it what seatwatch with schema 8 wrote: no feed_title column, version 8.
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE sources DROP COLUMN feed_title"))
        conn.execute(sa.text("UPDATE meta SET value = '8' WHERE key = 'schema_version'"))
    engine.dispose()

    store = Store.open(path)
    assert store.schema_version() == SCHEMA_VERSION == 9
    status = store.sources.statuses()["f"]
    assert status.etag == '"v1"' and status.items_seen == 1 and status.feed_title is None
    assert store.article_count() == 1
    # The next poll reads the title (rss() titles its channel "T").
    http_server.routes["/f"] = Route(rss(("1", "Bus news", BODY)), etag='"v2"')
    poll_configured(
        settings,
        store,
        clock=Clock(),
        force=True,
    )
    assert store.sources.statuses()["f"].feed_title == "T"
    store.close()


def test_two_feeds_of_one_outlet_are_one_outlet_of_a_story() -> None:
    story = Story(
        id=1,
        title="Bus news",
        summary=(),
        published=T0,
        sources=(
            StorySource("feeds.bbci.co.uk/news/politics/rss.xml", "https://bbc.example/1"),
            StorySource("feeds.bbci.co.uk/news/england/rss.xml", "https://bbc.example/2"),
            StorySource("Eastern Daily Press", "https://edp.example/1"),
        ),
        role=Role.PRIMARY,
    )
    outlets = {
        "feeds.bbci.co.uk/news/politics/rss.xml": "BBC News",
        "feeds.bbci.co.uk/news/england/rss.xml": "BBC News",
    }
    assert with_outlet_names(story, outlets).sources == (
        StorySource("BBC News", "https://bbc.example/1"),
        StorySource("Eastern Daily Press", "https://edp.example/1"),
    )
    # The outlet keeps a link a reader can follow when its first feed gave none (a feed's
    # unsafe link is dropped before this): whichever feed was stored first.
    linkless_first = Story(
        id=2,
        title="Bus news",
        summary=(),
        published=T0,
        sources=(
            StorySource("feeds.bbci.co.uk/news/england/rss.xml", None),
            StorySource("feeds.bbci.co.uk/news/politics/rss.xml", "https://bbc.example/1"),
        ),
        role=Role.PRIMARY,
    )
    assert with_outlet_names(linkless_first, outlets).sources == (
        StorySource("BBC News", "https://bbc.example/1"),
    )
