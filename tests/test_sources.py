"""Sources: folders of article files and RSS/Atom feeds from files and over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.config import PollConfig
from digest.errors import FeedParseError, FetchError
from digest.sources.base import SourceState
from digest.sources.feed import FeedSource
from digest.sources.fetch import Fetcher
from digest.sources.folder import FolderSource
from digest.sources.parse import (
    RawFeed,
    parse_raw_feed,
    parse_well_formed_feed,
    parse_with_feedparser,
)
from tests.conftest import ROOT, LoopbackServer, Route, shared_path

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>T</title><link>https://example.org/</link>
<item><title>One &amp; only</title><link>https://example.org/1?utm_source=x</link>
<guid isPermaLink="false">id-1</guid><pubDate>Sat, 21 Nov 2026 09:30:00 +0000</pubDate>
<description>&lt;p&gt;Norwich North news.&lt;/p&gt;</description></item>
<item><title>No guid</title><link>https://example.org/2</link>
<description>Text two.</description></item>
</channel></rss>"""


def test_folder_source_reads_title_and_body(seeds_dir: Path) -> None:
    result = FolderSource("seeds", seeds_dir).poll(SourceState())
    assert len(result.items) == 2
    titles = sorted(item.title for item in result.items)
    assert titles[0].startswith("Jeremy Corbyn accused")
    assert all(item.body and item.published for item in result.items)
    # The identity is stable across polls.
    again = FolderSource("seeds", seeds_dir).poll(SourceState())
    assert [i.guid for i in again.items] == [i.guid for i in result.items]


def test_folder_source_skips_bad_files_and_keeps_good_ones(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("Title\n\nBody text here.", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9\n\nbody".encode("latin-1"))
    (tmp_path / "notes.md").write_text("# not an article", encoding="utf-8")
    result = FolderSource("f", tmp_path).poll(SourceState())
    assert [i.title for i in result.items] == ["Title"]
    assert len(result.warnings) == 2
    assert any("empty.txt" in w for w in result.warnings)


def test_missing_folder_is_a_fetch_error(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="is not a folder"):
        FolderSource("f", tmp_path / "absent").poll(SourceState())


def test_feed_from_local_files_rss_and_atom() -> None:
    rss = FeedSource("rss", str(ROOT / "feeds" / "eastern-sample.rss"), PollConfig()).poll(
        SourceState()
    )
    atom = FeedSource("atom", str(ROOT / "feeds" / "westminster-sample.atom"), PollConfig()).poll(
        SourceState()
    )
    assert len(rss.items) == 3 and len(atom.items) == 2
    assert not rss.warnings and not atom.warnings
    assert rss.items[0].body_is_html and rss.items[0].published is not None
    assert atom.items[1].body_is_html is False  # summary type="text"


def test_feed_over_http_with_conditional_get(http_server: LoopbackServer) -> None:
    http_server.routes["/feed.xml"] = Route(RSS, last_modified="Sat, 21 Nov 2026 10:00:00 GMT")
    config = PollConfig()
    with Fetcher(config) as fetcher:
        source = FeedSource("loop", http_server.url("/feed.xml"), config, fetcher)
        first = source.poll(SourceState())
        assert [i.guid for i in first.items] == ["id-1", "https://example.org/2"]
        assert first.items[0].title == "One & only"
        assert first.state.etag and first.state.last_modified
        second = source.poll(first.state)
    assert second.not_modified and second.items == ()
    headers = http_server.requests[-1][1]
    assert headers["if-none-match"] == first.state.etag
    assert headers["if-modified-since"] == "Sat, 21 Nov 2026 10:00:00 GMT"
    assert headers["user-agent"].startswith("seatwatch/")


def test_unchanged_feeds_reuse_one_connection(http_server: LoopbackServer) -> None:
    """Publishers see one kept-alive connection, not a new one per unchanged feed."""
    http_server.routes["/feed.xml"] = Route(RSS)
    config = PollConfig()
    with Fetcher(config) as fetcher:
        source = FeedSource("loop", http_server.url("/feed.xml"), config, fetcher)
        state = source.poll(SourceState()).state
        results = [source.poll(state) for _ in range(5)]
    assert all(r.not_modified for r in results)
    assert http_server.hits("/feed.xml") == 6
    assert http_server.connections == 1


def test_cookies_set_by_one_feed_are_not_sent_anywhere(http_server: LoopbackServer) -> None:
    http_server.routes["/a.xml"] = Route(RSS, headers={"Set-Cookie": "session=abc; Path=/"})
    http_server.routes["/b.xml"] = Route(RSS)
    config = PollConfig()
    with Fetcher(config) as fetcher:
        FeedSource("a", http_server.url("/a.xml"), config, fetcher).poll(SourceState())
        FeedSource("b", http_server.url("/b.xml"), config, fetcher).poll(SourceState())
    assert all("cookie" not in headers for _, headers in http_server.requests)


def test_gzip_feed(http_server: LoopbackServer) -> None:
    http_server.routes["/gz.xml"] = Route(RSS, gzip=True)
    result = FeedSource("gz", http_server.url("/gz.xml"), PollConfig()).poll(SourceState())
    assert len(result.items) == 2


def test_http_error_is_a_fetch_error(http_server: LoopbackServer) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        FeedSource("x", http_server.url("/missing.xml"), PollConfig()).poll(SourceState())


def test_oversized_body_is_aborted(http_server: LoopbackServer) -> None:
    http_server.routes["/big.xml"] = Route(RSS * 50)
    with pytest.raises(FetchError, match="limit"):
        FeedSource("x", http_server.url("/big.xml"), PollConfig(max_bytes=1000)).poll(SourceState())


def test_unreachable_server_is_a_fetch_error() -> None:
    with pytest.raises(FetchError):
        FeedSource("x", "http://127.0.0.1:9/feed.xml", PollConfig(timeout_seconds=2)).poll(
            SourceState()
        )


def test_not_a_feed_is_a_parse_error(http_server: LoopbackServer) -> None:
    http_server.routes["/page"] = Route(
        b"<html><body>hello</body></html>", content_type="text/html"
    )
    with pytest.raises(FeedParseError):
        FeedSource("x", http_server.url("/page"), PollConfig()).poll(SourceState())


def test_missing_feed_file(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="cannot read feed file"):
        FeedSource("x", str(tmp_path / "none.xml"), PollConfig()).poll(SourceState())


def test_item_cap(http_server: LoopbackServer) -> None:
    http_server.routes["/feed.xml"] = Route(RSS)
    result = FeedSource("x", http_server.url("/feed.xml"), PollConfig(max_items_per_source=1)).poll(
        SourceState()
    )
    assert len(result.items) == 1


def _captured_feeds() -> list[Path]:
    folder = Path(__file__).resolve().parent.parent.parent / "shared" / "feeds"
    return (
        sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix != ".md")
        if folder.is_dir()
        else []
    )


@pytest.mark.parametrize("path", _captured_feeds(), ids=lambda p: p.name)
def test_captured_real_world_feeds_parse_or_fail_cleanly(path: Path) -> None:
    """Every captured feed gives items or a clear FeedParseError, never a crash."""
    shared_path("feeds")
    source = FeedSource(path.name, str(path), PollConfig())
    try:
        result = source.poll(SourceState())
    except FeedParseError as exc:
        assert path.name in str(exc) or str(path) in str(exc)
        return
    for item in result.items:
        assert item.guid and isinstance(item.title, str)


def test_uk_news_feeds_give_entries() -> None:
    folder = shared_path("feeds", "uk-news")
    counts = {
        p.name: len(FeedSource(p.name, str(p), PollConfig()).poll(SourceState()).items)
        for p in sorted(folder.glob("*.xml"))
    }
    assert counts["bbc_news_uk-politics_2018-12-19.xml"] == 33
    assert counts["guardian_uk-news_2013-11-09.xml"] == 25


def _raw(path: Path) -> RawFeed:
    return RawFeed(path.name, path.read_bytes(), "", str(path), SourceState())


def test_both_parsers_are_used_on_the_captured_feeds() -> None:
    shared_path("feeds")
    fast = [p for p in _captured_feeds() if parse_well_formed_feed(_raw(p), 100) is not None]
    assert 20 <= len(fast) < len(_captured_feeds())


@pytest.mark.parametrize("path", _captured_feeds(), ids=lambda p: p.name)
def test_fast_parser_agrees_with_feedparser_on_identity(path: Path) -> None:
    """Where the fast parser reads a feed, its entries keep feedparser's identity.

    A feed that is well-formed on one poll and broken on the next switches parser, so the
    two must give the same ids, titles and dates or every entry would come back as new.
    Feeds the fast parser declines are feedparser's alone: nothing to compare.
    """
    shared_path("feeds")
    raw = _raw(path)
    fast = parse_well_formed_feed(raw, 100)
    slow = parse_with_feedparser(raw, 100) if fast is not None else None
    if fast is None or slow is None:
        return
    assert [i.guid for i in fast.items] == [i.guid for i in slow.items]
    assert [i.title for i in fast.items] == [i.title for i in slow.items]
    assert [i.published for i in fast.items] == [i.published for i in slow.items]
    assert [bool(i.body.strip()) for i in fast.items] == [bool(i.body.strip()) for i in slow.items]


def test_broken_feed_goes_to_feedparser_and_says_so(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_bytes(RSS.replace(b"</channel></rss>", b"</channel>"))
    raw = RawFeed("broken", broken.read_bytes(), "", str(broken), SourceState())
    assert parse_well_formed_feed(raw, 100) is None
    result = parse_raw_feed(raw, 100)
    assert result.items and any("feed has errors" in w for w in result.warnings)


def test_latin1_feed_is_not_read_by_the_fast_parser() -> None:
    body = '<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel>'
    body += "<item><guid>a</guid><title>Caf\u00e9 opens</title></item></channel></rss>"
    raw = RawFeed("latin", body.encode("latin-1"), "", "x.xml", SourceState())
    assert parse_well_formed_feed(raw, 100) is None
    assert parse_raw_feed(raw, 100).items[0].title == "Caf\u00e9 opens"


def test_uk_news_feeds_take_the_fast_parser() -> None:
    """The feeds seatwatch is for are well-formed UTF-8: they must not pay feedparser's cost."""
    folder = shared_path("feeds", "uk-news")
    slow = [
        p.name
        for p in sorted(folder.glob("*.xml"))
        if parse_well_formed_feed(RawFeed(p.name, p.read_bytes(), "", str(p), SourceState()), 100)
        is None
    ]
    assert slow == []
