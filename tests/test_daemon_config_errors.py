"""Configuration errors are outside the runtime error tree: a job loop that carries on past
a failed source or message never carries on past a bad configuration."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from digest.config import load_config
from digest.daemon import Daemon
from digest.errors import ConfigError, DigestError, SeatwatchError
from tests.conftest import norwich_folder_toml
from tests.smtp_server import PASSWORD, SmtpTestServer


def _daemon(tmp_path: Path, smtp: SmtpTestServer) -> Daemon:
    config = tmp_path / "config.toml"
    config.write_text(
        norwich_folder_toml(tmp_path)
        + '[daemon]\ntimezone = "UTC"\n'
        + smtp.delivery_toml("CFG_SMTP_PASSWORD")
        + '[[subscribers]]\nemail = "nn@example.org"\nseats = ["Norwich North"]\n',
        encoding="utf-8",
    )
    return Daemon(config, load_config(config))


def test_config_errors_are_not_runtime_errors() -> None:
    error = ConfigError("bad", key="digest.secret_env", hint="set it")
    assert isinstance(error, SeatwatchError) and not isinstance(error, DigestError)


def test_a_config_error_in_a_job_stops_the_daemon_instead_of_being_logged_and_skipped(
    tmp_path: Path, smtp: SmtpTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CFG_SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("SEATWATCH_SECRET", "too-short")  # a ConfigError when a send signs
    daemon = _daemon(tmp_path, smtp)
    daemon.poll_job()
    daemon.send_job()
    assert daemon.config_error is not None
    assert "SEATWATCH_SECRET" in str(daemon.config_error)
    assert smtp.received.copies == 0


def test_sighup_with_an_unknown_backend_keeps_the_running_config(
    tmp_path: Path, smtp: SmtpTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    daemon = _daemon(tmp_path, smtp)
    config = daemon.config_path
    config.write_text(
        config.read_text(encoding="utf-8").replace('backend = "smtp"', 'backend = "smtpp"'),
        encoding="utf-8",
    )
    with caplog.at_level(logging.ERROR):
        daemon.reload()
    assert daemon.settings.delivery.backend == "smtp"
    assert "reload refused" in caplog.text and "unknown mail backend 'smtpp'" in caplog.text
