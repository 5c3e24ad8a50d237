"""Article pages of teaser feeds: fetched together, within a budget, failures remembered
(issue 16.9).

A loopback publisher serves one teaser feed and its article pages. Its pages can wait for
company (to see how many are fetched at once, counted on the server), hang until the test
lets them go (a slow publisher), or fail; every request is counted, so "not fetched again"
is what the server saw. The feed is on loopback, so the source is local and may fetch its
own pages.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from digest.config import Settings, load_config
from digest.pipeline import poll_configured
from digest.polling import PollReport
from digest.store import Store
from tests.support import T0, Clock

# How long a page waiting for company (or to be let go) waits at most: only reached when
# the pages are fetched one at a time, which is the failure under test.
PATIENCE_SECONDS = 3.0


@dataclass
class Publisher:
    """A loopback feed with ``pages`` teaser items, and their article pages."""

    base_url: str
    pages: int
    mode: str = "ok"  # ok | together | hang | fail
    hits: Counter[str] = field(default_factory=Counter)
    in_flight: int = 0
    max_in_flight: int = 0
    changed: threading.Condition = field(default_factory=threading.Condition)
    released: threading.Event = field(default_factory=threading.Event)

    def page_path(self, index: int) -> str:
        return f"/page/{index}"

    def feed(self) -> bytes:
        items = "".join(
            f"<item><guid>story-{i}</guid><title>Sprowston buses, part {i}</title>"
            f"<link>{self.base_url}{self.page_path(i)}</link>"
            f"<description>Residents fight to keep evening buses, part {i}... Read more"
            "</description></item>"
            for i in range(self.pages)
        )
        return (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Teasers</title>'
            f"{items}</channel></rss>"
        ).encode()

    def wait_for_turn(self) -> None:
        """Hold a page request as the mode says, counting how many are held at once."""
        with self.changed:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.changed.notify_all()
            if self.mode == "together":
                self.changed.wait_for(lambda: self.max_in_flight >= 2, PATIENCE_SECONDS)
        if self.mode == "hang":
            self.released.wait(PATIENCE_SECONDS * 10)
        with self.changed:
            self.in_flight -= 1


def article_page(index: int) -> bytes:
    paragraphs = "".join(
        f"<p>Paragraph {n} of the full report number {index}: residents in Sprowston met "
        f"the bus operator on Tuesday evening, and the county council promised to look at "
        f"passenger figures for route {index} before any change to the timetable is made.</p>"
        for n in range(4)
    )
    return (
        f"<html><head><title>Buses {index}</title></head><body><article>"
        f"<h1>Sprowston buses, part {index}</h1>{paragraphs}</article></body></html>"
    ).encode()


@pytest.fixture
def publisher() -> Iterator[Publisher]:
    state: list[Publisher] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            site = state[0]
            site.hits[self.path] += 1
            if self.path == "/feed":
                self._send(200, site.feed(), "application/rss+xml")
                return
            index = int(self.path.rsplit("/", 1)[1])
            site.wait_for_turn()
            if site.mode == "fail":
                self._send(500, b"broken", "text/plain")
            else:
                self._send(200, article_page(index), "text/html; charset=utf-8")

        def _send(self, status: int, body: bytes, kind: str) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the poller gave up on this page: that is what some tests want

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.append(Publisher(f"http://127.0.0.1:{server.server_address[1]}", pages=0))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state[0]
    finally:
        state[0].released.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "s.sqlite3")
    yield opened
    opened.close()


def settings_for(tmp_path: Path, site: Publisher, poll: str = "") -> Settings:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[store]\npath = "{tmp_path / "s.sqlite3"}"\n[poll]\n{poll}\n'
        f'[[sources]]\nname = "teasers"\nkind = "feed"\n'
        f'location = "{site.base_url}/feed"\nfull_text = "auto"\n',
        encoding="utf-8",
    )
    return load_config(config)


def full_texts(tmp_path: Path) -> int:
    """How many stored articles carry their page's full text (not the feed's teaser)."""
    with sqlite3.connect(tmp_path / "s.sqlite3") as conn:
        texts = [row[0] for row in conn.execute("select text from articles")]
    return sum("Paragraph 3 of the full report" in text for text in texts)


def page_hits(site: Publisher) -> int:
    return sum(n for path, n in site.hits.items() if path.startswith("/page/"))


def test_pages_of_one_source_are_fetched_several_at_a_time(
    tmp_path: Path, publisher: Publisher, store: Store
) -> None:
    publisher.pages, publisher.mode = 3, "together"
    settings = settings_for(tmp_path, publisher)
    report = poll_configured(settings, store, clock=Clock())
    assert report.added == 3 and not report.failed
    # Two at once: per_host_connections = 2, and every page is on the feed's host.
    assert publisher.max_in_flight == 2
    assert full_texts(tmp_path) == 3


def test_page_budget_stops_a_source_with_slow_pages(
    tmp_path: Path, publisher: Publisher, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    publisher.pages, publisher.mode = 6, "hang"
    settings = settings_for(
        tmp_path,
        publisher,
        "page_budget_seconds = 1\ntimeout_seconds = 2\ntotal_timeout_seconds = 2",
    )
    clock = Clock()
    with caplog.at_level(logging.WARNING, logger="digest.sources.page"):
        report = poll_configured(settings, store, clock=clock)
    # Every item is stored, with its teaser: the story is there, just shorter.
    assert report.added == 6 and not report.failed
    assert full_texts(tmp_path) == 0
    # Two pages (the host's two connections) took the whole budget; the rest never started.
    assert page_hits(publisher) == 2
    assert (
        "source 'teasers': page budget of 1s ([poll] page_budget_seconds) used up; "
        "4 article pages keep their teaser until the next poll"
    ) in caplog.text
    assert "still downloading after 1s, half of the page budget" in caplog.text

    # At the next poll the publisher is quick again: the four pages not reached are fetched
    # (and their articles get the full text); the two slow ones wait for their next try.
    slow = {path for path, n in publisher.hits.items() if path.startswith("/page/")}
    publisher.mode = "ok"
    publisher.released.set()
    clock.now += timedelta(minutes=30)
    poll_configured(settings, store, clock=clock, force=True)
    assert page_hits(publisher) == 6
    assert all(publisher.hits[path] == 1 for path in slow)
    assert full_texts(tmp_path) == 4


def poll_at(settings: Settings, store: Store, clock: Clock, after: timedelta) -> PollReport:
    clock.now = T0 + after
    return poll_configured(settings, store, clock=clock, force=True)


def test_a_failed_page_waits_for_its_next_try(
    tmp_path: Path, publisher: Publisher, store: Store
) -> None:
    publisher.pages, publisher.mode = 1, "fail"
    settings = settings_for(tmp_path, publisher)
    page = publisher.page_path(0)
    clock = Clock()

    assert poll_at(settings, store, clock, timedelta(0)).added == 1  # stored with its teaser
    assert publisher.hits[page] == 1
    # The feed lists the stored item again on every poll; its failed page is not asked for.
    for minutes in (30, 59):
        poll_at(settings, store, clock, timedelta(minutes=minutes))
    assert publisher.hits["/feed"] == 3 and publisher.hits[page] == 1

    # An hour after the failure it is tried again, fails again, and waits two hours.
    poll_at(settings, store, clock, timedelta(minutes=61))
    assert publisher.hits[page] == 2
    poll_at(settings, store, clock, timedelta(minutes=61 + 119))
    assert publisher.hits[page] == 2
    assert full_texts(tmp_path) == 0

    # Two hours on the publisher has mended it: the article gets its full text.
    publisher.mode = "ok"
    poll_at(settings, store, clock, timedelta(minutes=61 + 121))
    assert publisher.hits[page] == 3
    assert full_texts(tmp_path) == 1
    assert store.cached_page(publisher.base_url + page)
