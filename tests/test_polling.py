"""Polling many sources: schedules, backoff, moves, endings, full text, worker processes."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from digest.config import load_config
from digest.pipeline import poll_configured
from digest.store.core import Store
from tests.conftest import LoopbackServer, Route
from tests.support import BODY, T0, Clock, make_settings, rss


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "s.sqlite3")


def test_failing_source_backs_off_while_others_poll(
    tmp_path: Path, http_server: LoopbackServer, store: Store
) -> None:
    http_server.routes["/ok"] = Route(rss(("1", "Bus news", BODY)), conditional=False)
    http_server.routes["/bad"] = Route(status=500)
    settings = make_settings(tmp_path, http_server, {"ok": "/ok", "bad": "/bad"})
    clock = Clock()
    first = poll_configured(settings, store, clock=clock)
    assert [o.error is None for o in first.outcomes] == [True, False]
    assert first.added == 1
    status = store.sources.statuses()["bad"]
    assert status.consecutive_failures == 1
    assert status.next_poll_at == T0 + timedelta(minutes=30)
    assert "HTTP 500" in (status.last_error or "")

    clock.now = T0 + timedelta(minutes=5)
    second = poll_configured(settings, store, clock=clock)
    assert all(o.skipped and "not due" in o.skipped for o in second.outcomes)
    assert http_server.hits("/bad") == 1

    clock.now = T0 + timedelta(minutes=31)
    poll_configured(settings, store, clock=clock)
    status = store.sources.statuses()["bad"]
    assert status.consecutive_failures == 2
    assert status.next_poll_at == clock.now + timedelta(minutes=60)

    http_server.routes["/bad"] = Route(rss(("2", "Recovered", BODY)))
    clock.now = T0 + timedelta(hours=3)
    poll_configured(settings, store, clock=clock)
    status = store.sources.statuses()["bad"]
    assert status.consecutive_failures == 0 and status.last_error is None
    assert store.article_count() == 2


def test_items_that_clean_to_nothing_are_dropped_and_the_rest_stored(
    tmp_path: Path, http_server: LoopbackServer, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    """An item left without a title by cleaning, or with nothing but page furniture, is not
    an article; the items around it in the same feed are stored as usual, and the log says
    what became of each (not "already known")."""
    school = (
        "North Norfolk parents asked the county council on Monday to keep the school bus, "
        "and the cabinet member said a decision would follow the consultation in March."
    )
    http_server.routes["/mixed"] = Route(
        rss(
            ("1", "Bus news", BODY),
            ("2", "&lt;b&gt;&lt;/b&gt;", BODY + " A second report."),
            ("3", "Support us", "Become a Supporter"),
            ("4", "School bus", school),
        )
    )
    settings = make_settings(tmp_path, http_server, {"mixed": "/mixed"})
    with caplog.at_level(logging.INFO, logger="digest.polling"):
        report = poll_configured(settings, store, clock=Clock())
    (outcome,) = report.outcomes
    assert outcome.error is None and outcome.items == 4
    assert report.added == 2 and outcome.dropped == 2 and outcome.duplicates == 0
    assert store.known_guids(["1", "2", "3", "4"]) == {"1", "4"}
    assert (
        "source 'mixed': 4 items, 2 new, 0 already known, 2 with no title or text after "
        "cleaning" in caplog.text
    )


def test_retry_after_is_honoured(tmp_path: Path, http_server: LoopbackServer, store: Store) -> None:
    http_server.routes["/busy"] = Route(status=429, headers={"Retry-After": "7200"})
    settings = make_settings(tmp_path, http_server, {"busy": "/busy"})
    poll_configured(settings, store, clock=Clock())
    status = store.sources.statuses()["busy"]
    assert status.next_poll_at == T0 + timedelta(seconds=7200)
    assert "Retry-After 7200s" in (status.last_error or "")


def test_gone_source_is_disabled_and_stays_so(
    tmp_path: Path, http_server: LoopbackServer, store: Store
) -> None:
    http_server.routes["/gone"] = Route(status=410)
    settings = make_settings(tmp_path, http_server, {"gone": "/gone"})
    poll_configured(settings, store, clock=Clock())
    status = store.sources.statuses()["gone"]
    assert status.disabled_reason and "410" in status.disabled_reason
    again = poll_configured(
        settings,
        store,
        clock=Clock(),
        force=True,
    )
    assert again.outcomes[0].skipped and again.outcomes[0].skipped.startswith("disabled")
    assert http_server.hits("/gone") == 1


def test_a_new_location_in_config_starts_afresh(
    tmp_path: Path, http_server: LoopbackServer, store: Store
) -> None:
    http_server.routes["/gone"] = Route(status=410)
    http_server.routes["/new"] = Route(rss(("1", "Bus news", BODY)))
    gone = make_settings(tmp_path, http_server, {"s": "/gone"})
    poll_configured(gone, store, clock=Clock())
    new = make_settings(tmp_path, http_server, {"s": "/new"})
    report = poll_configured(new, store, clock=Clock())
    assert report.added == 1
    assert store.sources.statuses()["s"].disabled_reason is None


def test_permanent_move_is_remembered(
    tmp_path: Path, http_server: LoopbackServer, store: Store
) -> None:
    http_server.routes["/old"] = Route(status=301, location="/new")
    http_server.routes["/new"] = Route(rss(("1", "Bus news", BODY)))
    settings = make_settings(tmp_path, http_server, {"moved": "/old"})
    poll_configured(settings, store, clock=Clock())
    assert store.sources.statuses()["moved"].url == http_server.url("/new")
    second = poll_configured(
        settings,
        store,
        clock=Clock(),
        force=True,
    )
    assert second.outcomes[0].not_modified
    assert http_server.hits("/old") == 1 and http_server.hits("/new") == 2


def test_ttl_is_a_floor_on_the_next_poll(
    tmp_path: Path, http_server: LoopbackServer, store: Store
) -> None:
    http_server.routes["/ttl"] = Route(rss(("1", "Bus news", BODY), ttl=120))
    settings = make_settings(tmp_path, http_server, {"ttl": "/ttl"})
    poll_configured(settings, store, clock=Clock())
    assert store.sources.statuses()["ttl"].next_poll_at == T0 + timedelta(minutes=120)


ARTICLE_PAGE = b"""<!DOCTYPE html><html><head><title>Bus campaign</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article>
<h1>Residents fight to keep Sprowston evening buses</h1>
<p>Norwich North MP Alice Macdonald has backed residents campaigning to keep two evening bus
routes that link Sprowston and Old Catton with the city centre, after the operator proposed
ending services after 7pm from the spring.</p>
<figure><img src="bus.jpg"><figcaption>A bus on Wroxham Road. Picture: Archant</figcaption></figure>
<p>The operator says passenger numbers have not recovered since 2020, but campaigners say the
late services are the only way shift workers at the hospital can get home.</p>
<p>Most Read</p>
<p>A petition started by residents in Sprowston has gathered more than 1,200 signatures in a
fortnight, and the county council will discuss the proposal at its transport committee.</p>
</article>
<footer>Copyright Example News 2026</footer>
</body></html>"""


def test_teaser_feed_gets_full_text_once(
    tmp_path: Path, http_server: LoopbackServer, store: Store
) -> None:
    page_url = http_server.url("/article/1")
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        f"<item><guid>t1</guid><title>Sprowston buses</title><link>{page_url}</link>"
        "<description>Residents fight to keep evening buses... Read more</description></item>"
        f"<item><guid>t2</guid><title>Sprowston buses, update</title><link>{page_url}</link>"
        "<description>Update: residents fight on...</description></item>"
        "</channel></rss>"
    ).encode()
    http_server.routes["/teasers"] = Route(feed)
    http_server.routes["/article/1"] = Route(ARTICLE_PAGE, content_type="text/html; charset=utf-8")
    config = tmp_path / "config.toml"
    config.write_text(
        f'[store]\npath = "{tmp_path / "s.sqlite3"}"\n[[sources]]\nname = "teasers"\n'
        f'kind = "feed"\nlocation = "{http_server.url("/teasers")}"\nfull_text = "auto"\n',
        encoding="utf-8",
    )
    settings = load_config(config)
    report = poll_configured(settings, store, clock=Clock())
    assert report.added == 1  # both entries lead to the same page text: one article
    found = store.articles_for_seats(["E14001408"], seen_since=T0)
    assert len(found) == 1
    text = found[0][0].text
    assert "petition started by residents in Sprowston" in text
    for furniture in ("Picture:", "Most Read", "Home", "Copyright"):
        assert furniture not in text
    assert http_server.hits("/article/1") == 1
    assert store.cached_page(page_url) is not None


def test_big_polls_use_worker_processes(
    tmp_path: Path, http_server: LoopbackServer, store: Store
) -> None:
    paths = {}
    for index in range(16):
        http_server.routes[f"/f{index}"] = Route(
            rss((f"g{index}", f"Story {index}", f"{BODY} Item {index} of the series."))
        )
        paths[f"feed {index}"] = f"/f{index}"
    settings = make_settings(
        tmp_path, http_server, paths, extra="workers = 2\nper_host_connections = 4\n"
    )
    report = poll_configured(settings, store, clock=Clock())
    assert report.added == 16 and not report.failed
    # The items were prepared in the two worker processes, not in this one.
    assert report.processes == 2 and report.process_runs >= 16
    again = poll_configured(
        settings,
        store,
        clock=Clock(),
        force=True,
    )
    assert all(o.not_modified for o in again.outcomes)


def test_poll_reports_progress_for_each_source(
    tmp_path: Path, http_server: LoopbackServer, store: Store
) -> None:
    http_server.routes["/a"] = Route(rss(("1", "A", BODY)))
    http_server.routes["/b"] = Route(status=404)
    seen: list[str] = []
    callback: Callable[[object], None] = lambda outcome: seen.append(outcome.name)  # type: ignore[attr-defined]  # noqa: E731
    settings = make_settings(tmp_path, http_server, {"a": "/a", "b": "/b"})
    poll_configured(settings, store, on_progress=callback)
    assert sorted(seen) == ["a", "b"]


def test_captured_real_world_feeds_poll_end_to_end(tmp_path: Path, store: Store) -> None:
    """All 63 captured feeds as sources of one poll: each stores its items or fails cleanly."""
    from tests.conftest import shared_path

    folder = shared_path("feeds")
    feeds = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix != ".md")
    lines = [f'[store]\npath = "{tmp_path / "s.sqlite3"}"\n[poll]\nworkers = 1\n']
    for index, path in enumerate(feeds):
        lines.append(
            f'[[sources]]\nname = "f{index} {path.name}"\nkind = "feed"\nlocation = "{path}"\n'
            # Their links point at the real web, which tests never reach.
            "full_text = false\n"
        )
    config = tmp_path / "config.toml"
    config.write_text("\n".join(lines), encoding="utf-8")
    settings = load_config(config)
    report = poll_configured(settings, store, clock=Clock())
    assert len(report.outcomes) == len(feeds) >= 60
    statuses = store.sources.statuses()
    for outcome in report.outcomes:
        status = statuses[outcome.name]
        if outcome.error:
            assert status.last_error and status.consecutive_failures == 1
        else:
            assert status.last_success_at == T0
    # The UK news captures are all readable and give stories.
    uk = [o for o in report.outcomes if "bbc_news" in o.name or "guardian" in o.name]
    assert uk and all(o.error is None and o.added > 0 for o in uk)
    assert store.article_count() > 400


def test_revised_items_update_their_article_and_come_back_only_when_material(
    tmp_path: Path, http_server: LoopbackServer, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    from digest.compose import DigestComposer
    from digest.config import DigestConfig
    from digest.seats.follows import resolve_seat
    from digest.seats.gazetteer import load_gazetteer

    first = BODY
    typo_fixed = BODY.replace("timetable", "time-table")
    extended = html.escape(
        f"<p>{typo_fixed}</p><p>On Thursday the operator said evening journeys on the route "
        "would be cut from January unless the county council paid for them.</p>"
    )
    http_server.routes["/feed"] = Route(rss(("g1", "Bus news", first)), conditional=False)
    settings = make_settings(tmp_path, http_server, {"feed": "/feed"})
    clock = Clock()
    poll_configured(settings, store, clock=clock)
    follow = resolve_seat(load_gazetteer(), "Norwich North")
    sent = T0 + timedelta(minutes=1)  # the first digest went out

    def section(after: datetime, policy: str = "material") -> list[tuple[str, bool]]:
        config = DigestConfig(resend_updates=policy)  # type: ignore[arg-type]
        found = DigestComposer(store, config).section(follow, after, after.date())
        return [(s.title, s.updated) for s in found.stories]

    assert section(T0 - timedelta(hours=1)) == [("Bus news", False)]

    http_server.routes["/feed"] = Route(rss(("g1", "Bus news", typo_fixed)), conditional=False)
    clock.now = T0 + timedelta(hours=1)
    with caplog.at_level("INFO", logger="digest.polling"):
        poll_configured(
            settings,
            store,
            clock=clock,
            force=True,
        )
    assert "revised (minor change)" in caplog.text
    assert store.article_count() == 1
    assert section(sent) == [], "a typo fix is not news"
    assert section(sent, "always") == [("Bus news", True)]

    http_server.routes["/feed"] = Route(rss(("g1", "Bus news", extended)), conditional=False)
    clock.now = T0 + timedelta(hours=2)
    with caplog.at_level("INFO", logger="digest.polling"):
        poll_configured(
            settings,
            store,
            clock=clock,
            force=True,
        )
    assert "revised (new paragraphs)" in caplog.text
    assert store.article_count() == 1
    assert section(sent) == [("Bus news", True)]
    assert section(sent, "never") == []
    assert "evening journeys" in store.article_text(1)


def test_slow_sources_are_polled_many_at_once_fast_ones_a_few(
    tmp_path: Path, http_server: LoopbackServer, store: Store
) -> None:
    """Publishers that keep a request waiting get up to ``concurrency`` requests in flight;
    ones that answer at once get a few (more threads would only contend for the CPU).

    "A few" is at most half of ``concurrency``: the window starts at 4, and on a busy
    machine an answer of this in-process server is now and then 20 ms late, which opens
    the window by one (bench/RESULTS.md, 2026-12-03 poll window entry); without the window
    every thread would be busy at once. 32 slow sources take the window through 4, 8 and 16.
    """
    for index in range(32):
        http_server.routes[f"/slow{index}"] = Route(rss(), delay=0.3)
        # 2 ms: long enough that all 16 threads would be busy at once without the window.
        http_server.routes[f"/fast{index}"] = Route(rss(), delay=0.002)
    extra = "concurrency = 16\nper_host_connections = 16\nworkers = 1"
    fast = make_settings(tmp_path, http_server, {f"f{i}": f"/fast{i}" for i in range(32)}, extra)
    poll_configured(fast, store, clock=Clock())  # the first polls also load code: not timed
    http_server.in_flight["max"] = 0
    poll_configured(fast, store, clock=Clock(), force=True)
    assert 1 <= http_server.in_flight["max"] <= 8
    http_server.in_flight["max"] = 0
    slow = make_settings(tmp_path, http_server, {f"s{i}": f"/slow{i}" for i in range(32)}, extra)
    report = poll_configured(slow, store, clock=Clock())
    assert len(report.polled) == 32 and not report.failed
    assert http_server.in_flight["max"] == 16


def test_poll_window_opens_one_per_slow_source_up_to_the_limit() -> None:
    from digest.polling import PollWindow

    window = PollWindow(6)
    assert window.size == 4
    for _ in range(10):
        window.finished(0.001)  # answered at once: no more threads
    assert window.size == 4
    window.finished(0.3)
    assert window.size == 5
    for _ in range(5):
        window.finished(0.3)
    assert window.size == 6  # never beyond [poll] concurrency
    assert PollWindow(2).size == 2
