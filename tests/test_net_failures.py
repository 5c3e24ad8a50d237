"""One hostile source fails alone: the others in the same poll store their items (issue 16.4)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from digest.pipeline import poll_configured
from digest.store.core import Store
from tests.conftest import LoopbackServer, Route
from tests.support import BODY, Clock, make_settings, rss

# 400 KB of JSON nested 200,000 levels deep: json.loads raises RecursionError on it.
NESTED_JSON_FEED = (
    b'{"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": '
    + b"[" * 200_000
    + b"]" * 200_000
    + b"}"
)


@pytest.mark.parametrize(
    ("healthy", "workers"),
    [(1, 1), (15, 2)],  # 16 sources and 2 workers: parsing runs in worker processes
    ids=["in-process", "worker-processes"],
)
def test_deeply_nested_json_feed_fails_only_its_source(
    tmp_path: Path,
    http_server: LoopbackServer,
    caplog: pytest.LogCaptureFixture,
    healthy: int,
    workers: int,
) -> None:
    http_server.routes["/nested"] = Route(NESTED_JSON_FEED, content_type="application/feed+json")
    paths = {"nested": "/nested"}
    for index in range(healthy):
        http_server.routes[f"/ok{index}"] = Route(
            rss((f"g{index}", f"Bus story {index}", f"{BODY} Part {index}."))
        )
        paths[f"ok {index}"] = f"/ok{index}"
    settings = make_settings(
        tmp_path, http_server, paths, extra=f"workers = {workers}\nper_host_connections = 4\n"
    )
    store = Store.open(tmp_path / "s.sqlite3")
    with caplog.at_level(logging.ERROR, logger="digest.polling"):
        report = poll_configured(settings, store, clock=Clock())

    assert [o.name for o in report.failed] == ["nested"]
    assert report.added == healthy  # every healthy source stored its item
    reason = f"{http_server.url('/nested')}: JSON nested too deeply to be a feed"
    assert report.failed[0].error == reason
    # What `digest status` shows for the source, and the operator's log line.
    status = store.sources.statuses()["nested"]
    assert status.last_error == reason and status.consecutive_failures == 1
    assert f"source 'nested' failed (1 in a row): {reason}" in caplog.text
