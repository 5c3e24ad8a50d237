"""The daemon's /metrics and /healthz on loopback, fed by real poll and send jobs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from digest.config import load_config
from digest.daemon import Daemon
from digest.metrics import DaemonMetrics
from tests.conftest import norwich_folder_toml
from tests.smtp_server import PASSWORD, SmtpTestServer, free_port

NOW = [1_800_000_000.0]  # the metrics' clock, moved by the tests


@pytest.fixture
def daemon(
    tmp_path: Path, smtp: SmtpTestServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Daemon]:
    monkeypatch.setenv("HTTP_SMTP_PASSWORD", PASSWORD)
    config = tmp_path / "config.toml"
    config.write_text(
        norwich_folder_toml(tmp_path)
        + f"""
[daemon]
timezone = "UTC"
poll_every_seconds = 60
http_port = {free_port()}
{smtp.delivery_toml("HTTP_SMTP_PASSWORD")}
[[subscribers]]
email = "nn@example.org"
seats = ["Norwich North"]
""",
        encoding="utf-8",
    )
    worker = Daemon(config, load_config(config))
    worker.metrics = DaemonMetrics(60, clock=lambda: NOW[0])
    worker.start_http()
    yield worker
    assert worker.http is not None
    worker.http.shutdown()
    worker.http.server_close()


def _get(daemon: Daemon, path: str) -> httpx.Response:
    return httpx.get(f"http://127.0.0.1:{daemon.settings.daemon.http_port}{path}", timeout=5)


def _metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in /metrics")


def test_metrics_count_polls_and_sends(daemon: Daemon, smtp: SmtpTestServer) -> None:
    daemon.poll_job()
    daemon.send_job()
    answer = _get(daemon, "/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    text = answer.text
    assert _metric(text, "seatwatch_items_polled_total") >= 1
    assert _metric(text, "seatwatch_articles_added_total") >= 1
    assert 'seatwatch_digests_sent_total{backend="smtp"} 1.0' in text
    assert _metric(text, "seatwatch_poll_duration_seconds_count") == 1
    assert _metric(text, "seatwatch_send_duration_seconds_count") == 1
    assert len(smtp.received.messages) == 1


def test_healthz_is_ok_while_polling_is_fresh_and_503_when_stale(daemon: Daemon) -> None:
    starting = _get(daemon, "/healthz")
    assert starting.status_code == 200  # within three poll intervals of starting
    assert starting.json()["last_poll_success"] is None
    daemon.poll_job()
    fresh = _get(daemon, "/healthz").json()
    assert fresh["status"] == "ok" and fresh["last_poll_success"] > 0
    # Four poll intervals later without a successful poll, the daemon is stale.
    NOW[0] += 4 * 60
    stale = _get(daemon, "/healthz")
    assert stale.status_code == 503 and json.loads(stale.text)["status"] == "stale"
    assert _get(daemon, "/nothing").status_code == 404


def test_a_send_job_that_fails_as_a_whole_is_counted_and_unhealthy(
    daemon: Daemon, smtp: SmtpTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    daemon.poll_job()
    monkeypatch.setenv("HTTP_SMTP_PASSWORD", "not-the-password")
    daemon.send_job()  # the login is refused: the job stops, nothing is lost
    answer = _get(daemon, "/healthz")
    assert answer.status_code == 503
    health = answer.json()
    assert health["status"] == "send failing" and "HTTP_SMTP_PASSWORD" in health["send_error"]
    assert _metric(_get(daemon, "/metrics").text, "seatwatch_send_job_failures_total") == 1
    monkeypatch.setenv("HTTP_SMTP_PASSWORD", PASSWORD)
    daemon.send_job()
    assert _get(daemon, "/healthz").json()["status"] == "ok"
    assert len(smtp.received.messages) == 1
