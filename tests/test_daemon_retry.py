"""The daemon's send job: temporary failures are retried with backoff, permanent ones are not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.config import load_config
from digest.daemon import Daemon
from tests.conftest import norwich_folder_toml
from tests.smtp_server import PASSWORD, SmtpTestServer

runner = CliRunner()


@pytest.fixture
def daemon(tmp_path: Path, smtp: SmtpTestServer, monkeypatch: pytest.MonkeyPatch) -> Daemon:
    monkeypatch.setenv("RETRY_SMTP_PASSWORD", PASSWORD)
    config = tmp_path / "config.toml"
    config.write_text(
        norwich_folder_toml(tmp_path)
        + f"""
[daemon]
timezone = "UTC"
retry_seconds = 60
max_retries = 2
{smtp.delivery_toml("RETRY_SMTP_PASSWORD")}
[[subscribers]]
email = "nn@example.org"
seats = ["Norwich North"]
""",
        encoding="utf-8",
    )
    settings = load_config(config)
    worker = Daemon(config, settings)
    worker.poll_job()
    return worker


def _status(daemon: Daemon) -> str:
    result = runner.invoke(app, ["status", "--config", str(daemon.config_path), "--json"])
    return str(json.loads(result.output)["digests"][0]["status"])


def test_temporary_failure_schedules_a_retry_with_the_same_period(
    daemon: Daemon, smtp: SmtpTestServer
) -> None:
    smtp.received.refuse["nn@example.org"] = "451 4.3.0 Try again later"
    daemon.send_job()
    jobs = daemon.scheduler.get_jobs()
    assert len(jobs) == 1 and jobs[0].id.startswith("retry-")
    period, attempt = jobs[0].args
    assert attempt == 1
    assert _status(daemon) == "failed"
    # The retry, when it runs, delivers the same period's digest once.
    smtp.received.refuse.clear()
    daemon.send_job(period, attempt)
    assert len(smtp.received.messages) == 1
    assert _status(daemon) == "sent"
    daemon.send_job(period, attempt + 1)
    assert len(smtp.received.messages) == 1


def test_retries_stop_after_max_retries(daemon: Daemon, smtp: SmtpTestServer) -> None:
    smtp.received.refuse["nn@example.org"] = "451 4.3.0 Try again later"
    daemon.send_job()
    period, _ = daemon.scheduler.get_jobs()[0].args
    daemon.scheduler.remove_all_jobs()
    daemon.send_job(period, 2)  # the last allowed attempt fails too
    assert daemon.scheduler.get_jobs() == []


def test_permanent_failure_is_not_retried(daemon: Daemon, smtp: SmtpTestServer) -> None:
    smtp.received.refuse["nn@example.org"] = "550 5.1.1 No such user"
    daemon.send_job()
    assert daemon.scheduler.get_jobs() == []
    assert _status(daemon) == "rejected"
    smtp.received.refuse.clear()
    daemon.send_job()  # the period is settled: nothing is sent
    assert smtp.received.messages == []
