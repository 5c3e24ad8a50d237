"""Everything the web throws at a poll, against a real loopback server."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from digest.config import PollConfig
from digest.errors import FeedParseError, FetchError
from digest.sources.base import SourceState
from digest.sources.feed import FeedSource
from digest.sources.fetch import Fetcher, RetryLater, SourceGone, parse_max_age
from digest.sources.parse import corrected_content_type
from digest.web import parse_retry_after
from tests.conftest import LoopbackServer, Route, TlsLoopback
from tests.support import rss_document as _rss


def _poll(
    server: LoopbackServer, path: str, state: SourceState | None = None, **poll: object
) -> object:
    config = PollConfig(**poll)  # type: ignore[arg-type]
    with Fetcher(config) as fetcher:
        return FeedSource("t", server.url(path), config, fetcher, full_text=False).poll(
            state or SourceState()
        )


def test_etag_and_last_modified_cycle(http_server: LoopbackServer) -> None:
    http_server.routes["/f"] = Route(_rss(), last_modified="Sat, 21 Nov 2026 10:00:00 GMT")
    first = _poll(http_server, "/f")
    second = _poll(http_server, "/f", first.state)  # type: ignore[attr-defined]
    assert len(first.items) == 1 and second.not_modified  # type: ignore[attr-defined]
    assert second.state.etag == first.state.etag  # type: ignore[attr-defined]
    sent = http_server.requests[-1][1]
    assert sent["if-none-match"] == first.state.etag  # type: ignore[attr-defined]
    assert sent["if-modified-since"] == "Sat, 21 Nov 2026 10:00:00 GMT"


@pytest.mark.parametrize("status", [301, 308])
def test_permanent_redirect_moves_the_source(http_server: LoopbackServer, status: int) -> None:
    http_server.routes["/old"] = Route(status=status, location="/new")
    http_server.routes["/new"] = Route(_rss())
    result = _poll(http_server, "/old")
    assert result.state.url == http_server.url("/new")  # type: ignore[attr-defined]
    assert any("moved permanently" in w for w in result.warnings)  # type: ignore[attr-defined]
    # The next poll goes straight to the new address.
    _poll(http_server, "/old", result.state)  # type: ignore[attr-defined]
    assert http_server.hits("/old") == 1


def test_temporary_redirect_keeps_the_address(http_server: LoopbackServer) -> None:
    http_server.routes["/tmp"] = Route(status=302, location="/new")
    http_server.routes["/new"] = Route(_rss())
    result = _poll(http_server, "/tmp")
    assert result.state.url is None  # type: ignore[attr-defined]


def test_gone_disables(http_server: LoopbackServer) -> None:
    http_server.routes["/gone"] = Route(status=410)
    with pytest.raises(SourceGone, match="410"):
        _poll(http_server, "/gone")


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after(http_server: LoopbackServer, status: int) -> None:
    http_server.routes["/busy"] = Route(status=status, headers={"Retry-After": "120"})
    with pytest.raises(RetryLater) as caught:
        _poll(http_server, "/busy")
    assert caught.value.retry_after == 120.0


def test_server_error(http_server: LoopbackServer) -> None:
    http_server.routes["/err"] = Route(status=500)
    with pytest.raises(FetchError, match="HTTP 500"):
        _poll(http_server, "/err")


def test_slow_headers_time_out(http_server: LoopbackServer) -> None:
    http_server.routes["/slow"] = Route(_rss(), delay=2.0)
    with pytest.raises(FetchError, match="timed out"):
        _poll(http_server, "/slow", timeout_seconds=0.5)


def test_trickling_body_hits_the_total_deadline(http_server: LoopbackServer) -> None:
    http_server.routes["/trickle"] = Route(_rss() * 4, trickle=0.2)
    with pytest.raises(FetchError, match="still downloading"):
        _poll(http_server, "/trickle", timeout_seconds=5, total_timeout_seconds=1)


def test_endless_body_is_cut_at_the_cap(http_server: LoopbackServer) -> None:
    http_server.routes["/endless"] = Route(endless=True)
    with pytest.raises(FetchError, match="byte limit; download aborted"):
        _poll(http_server, "/endless", max_bytes=1_000_000)


def test_declared_oversize_is_refused_before_download(http_server: LoopbackServer) -> None:
    http_server.routes["/big"] = Route(_rss() * 100)
    with pytest.raises(FetchError, match="exceeds"):
        _poll(http_server, "/big", max_bytes=10_000)


def test_redirect_loop(http_server: LoopbackServer) -> None:
    http_server.routes["/a"] = Route(status=302, location="/b")
    http_server.routes["/b"] = Route(status=302, location="/a")
    with pytest.raises(FetchError, match="more than 3 redirects"):
        _poll(http_server, "/a", max_redirects=3)


def test_gzip(http_server: LoopbackServer) -> None:
    http_server.routes["/gz"] = Route(_rss(), gzip=True)
    assert len(_poll(http_server, "/gz").items) == 1  # type: ignore[attr-defined]
    assert "gzip" in http_server.requests[-1][1]["accept-encoding"]


def test_brotli(http_server: LoopbackServer) -> None:
    http_server.routes["/br"] = Route(_rss(), brotli=True)
    assert len(_poll(http_server, "/br").items) == 1  # type: ignore[attr-defined]
    assert "br" in http_server.requests[-1][1]["accept-encoding"]


def test_utf8_served_as_latin1_is_read_as_utf8(http_server: LoopbackServer) -> None:
    http_server.routes["/wrong"] = Route(
        _rss(), content_type="application/rss+xml; charset=iso-8859-1"
    )
    item = _poll(http_server, "/wrong").items[0]  # type: ignore[attr-defined]
    assert item.title == "Café culture in Norwich North"


def test_latin1_without_charset_uses_the_declaration(http_server: LoopbackServer) -> None:
    http_server.routes["/latin"] = Route(_rss("ISO-8859-1"), content_type="application/xml")
    item = _poll(http_server, "/latin").items[0]  # type: ignore[attr-defined]
    assert item.title == "Café culture in Norwich North"


def test_corrected_content_type_leaves_real_latin1_alone() -> None:
    latin = "Café".encode("latin-1")
    assert (
        corrected_content_type(latin, "text/xml; charset=iso-8859-1")
        == "text/xml; charset=iso-8859-1"
    )
    assert (
        corrected_content_type("Café".encode(), "text/xml; charset=ISO-8859-1")
        == "text/xml; charset=utf-8"
    )
    assert corrected_content_type(b"plain", "text/xml") == "text/xml"


def test_html_page_leads_to_its_feed(http_server: LoopbackServer) -> None:
    page = (
        b"<!DOCTYPE html><html><head><title>News</title>"
        b'<link rel="alternate" type="application/rss+xml" title="RSS" href="/news/rss">'
        b"</head><body>Latest news</body></html>"
    )
    http_server.routes["/news"] = Route(page, content_type="text/html; charset=utf-8")
    http_server.routes["/news/rss"] = Route(_rss())
    result = _poll(http_server, "/news")
    assert len(result.items) == 1  # type: ignore[attr-defined]
    expected = (
        f"{http_server.url('/news')} is a web page; using its feed {http_server.url('/news/rss')}"
    )
    assert expected in result.warnings  # type: ignore[attr-defined]
    assert result.state.url == http_server.url("/news/rss")  # type: ignore[attr-defined]


def test_html_page_without_a_feed(http_server: LoopbackServer) -> None:
    http_server.routes["/page"] = Route(b"<html><body>hi</body></html>", content_type="text/html")
    with pytest.raises(FeedParseError, match="names no RSS, Atom or JSON feed"):
        _poll(http_server, "/page")


def test_json_feed(http_server: LoopbackServer) -> None:
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "J",
        "home_page_url": "https://example.org/",
        "items": [
            {
                "id": "1",
                "url": "/a",
                "title": "One",
                "content_html": "<p>Norwich North</p>",
                "date_published": "2026-11-01T10:00:00Z",
            },
            {"id": "2", "content_text": "Untitled text item about Colchester."},
            {"title": ""},
        ],
    }
    http_server.routes["/feed.json"] = Route(
        json.dumps(document).encode(), content_type="application/feed+json"
    )
    items = _poll(http_server, "/feed.json").items  # type: ignore[attr-defined]
    assert [i.guid for i in items] == ["1", "2"]
    assert items[0].url == "https://example.org/a" and items[0].body_is_html
    assert items[0].published.isoformat() == "2026-11-01T10:00:00+00:00"
    assert items[1].title == "Untitled text item about Colchester"


def test_ttl_and_max_age_set_a_floor(http_server: LoopbackServer) -> None:
    http_server.routes["/ttl"] = Route(_rss())
    assert _poll(http_server, "/ttl").min_interval_seconds == 90 * 60  # type: ignore[attr-defined]
    http_server.routes["/cc"] = Route(_rss(), headers={"Cache-Control": "public, max-age=7200"})
    assert _poll(http_server, "/cc").min_interval_seconds == 7200  # type: ignore[attr-defined]


def test_header_parsers() -> None:
    assert parse_retry_after("30") == 30.0
    assert parse_retry_after("garbage") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_max_age("max-age=60, must-revalidate") == 60
    assert parse_max_age("no-store, max-age=60") is None
    assert parse_max_age(None) is None


def test_entries_without_ids_keep_their_identity(http_server: LoopbackServer) -> None:
    body = b"""<rss version="2.0"><channel><title>x</title>
<item><title>No id or link</title><description>Some text here.</description></item>
<item><description>Neither title nor id nor link, only text.</description></item>
</channel></rss>"""
    http_server.routes["/noid"] = Route(body, conditional=False)
    first = _poll(http_server, "/noid").items  # type: ignore[attr-defined]
    second = _poll(http_server, "/noid").items  # type: ignore[attr-defined]
    assert [i.guid for i in first] == [i.guid for i in second]
    assert all(i.guid.startswith("urn:seatwatch:") for i in first)
    assert first[1].title == "Neither title nor id nor link, only text"
    assert all(i.published is None and i.url is None for i in first)


def test_relative_links_are_resolved(http_server: LoopbackServer) -> None:
    body = b"""<rss version="2.0"><channel><title>x</title><link>/</link>
<item><title>Rel</title><link>/news/1</link><description>Text.</description></item>
</channel></rss>"""
    http_server.routes["/rel"] = Route(body)
    item = _poll(http_server, "/rel").items[0]  # type: ignore[attr-defined]
    assert item.url == http_server.url("/news/1")


@pytest.mark.parametrize("per_host", [1, 3])
def test_per_host_connections_are_bounded(http_server: LoopbackServer, per_host: int) -> None:
    http_server.routes["/s"] = Route(_rss(), delay=0.3, conditional=False)
    config = PollConfig(per_host_connections=per_host, concurrency=8)
    with Fetcher(config) as fetcher, ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda _: fetcher.fetch(http_server.url("/s")), range(6)))
    assert http_server.in_flight["max"] == per_host


def test_https_certificates_are_checked(https_server: TlsLoopback) -> None:
    """A feed over TLS whose certificate no trusted authority signed is refused, saying why."""
    https_server.server.routes["/f"] = Route(_rss())
    with pytest.raises(FetchError, match="CERTIFICATE_VERIFY_FAILED"):
        _poll(https_server.server, "/f")


def test_https_and_http_feeds_in_one_poll(
    https_server: TlsLoopback, http_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the server's authority trusted (``SSL_CERT_FILE``), one fetcher reads feeds over
    https and plain http alike (two connection pools; the TLS one made on first need)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(https_server.ca_file))
    https_server.server.routes["/f"] = Route(_rss())
    http_server.routes["/f"] = Route(_rss())
    config = PollConfig()
    with Fetcher(config) as fetcher:
        for server in (http_server, https_server.server, http_server):
            result = FeedSource("t", server.url("/f"), config, fetcher, full_text=False).poll(
                SourceState()
            )
            assert [item.title for item in result.items] == ["Café culture in Norwich North"]
    assert https_server.server.hits("/f") == 1 and http_server.hits("/f") == 2


def test_the_time_a_publisher_keeps_a_source_waiting_is_counted(
    http_server: LoopbackServer,
) -> None:
    """What the poll window is told (``Fetcher.waited``): from the request sent to the answer
    read, every redirect hop included, counted for the source's configured address, and
    forgotten once read."""
    http_server.routes["/old"] = Route(status=302, location="/new", delay=0.2)
    http_server.routes["/new"] = Route(_rss(), delay=0.2)
    source = http_server.url("/old")
    with Fetcher(PollConfig()) as fetcher:
        assert fetcher.fetch(source, origin=source).status == 200
        assert fetcher.waited(source) >= 0.4  # the server slept 0.2 s before each answer
        assert fetcher.waited(source) == 0.0
        assert fetcher.waited(http_server.url("/new")) == 0.0  # counted for the source
