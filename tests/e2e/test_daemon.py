"""``digest run`` as a real subprocess: sends on schedule, one daemon per store, signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.conftest import ARTICLE_NORWICH
from tests.smtp_server import PASSWORD, SmtpTestServer


def _config_text(tmp_path: Path, smtp: SmtpTestServer) -> str:
    return f"""
[store]
path = "state.sqlite3"
[[sources]]
name = "Local"
kind = "folder"
location = "articles"
[daemon]
poll_every_seconds = 1
send_cron = "*/2 * * * * *"
timezone = "UTC"
{smtp.delivery_toml("DAEMON_SMTP_PASSWORD")}
[[subscribers]]
email = "nn@example.org"
seats = ["Norwich North"]
"""


def _wait_for(condition: Callable[[], bool], seconds: float = 30.0) -> bool:
    """Poll ``condition`` until it holds; the test fails if it never does."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def _ticks(log: Path) -> int:
    """Send jobs the daemon has finished (one ``send:`` line each)."""
    return log.read_text().count(" digests sent, ")


def _start(config: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DAEMON_SMTP_PASSWORD": PASSWORD, "COLUMNS": "200"}
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "digest", "-v", "run", "--config", str(config)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=config.parent,
        )


def test_daemon_sends_on_schedule_and_handles_signals(tmp_path: Path, smtp: SmtpTestServer) -> None:
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "bus.txt").write_text(ARTICLE_NORWICH, encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(_config_text(tmp_path, smtp), encoding="utf-8")
    log = tmp_path / "daemon.log"
    daemon = _start(config, log)
    try:
        assert _wait_for(lambda: len(smtp.received.messages) == 1), log.read_text()
        assert smtp.received.parsed()["To"] == "nn@example.org"

        # A second daemon on the same store refuses to start, naming the first.
        second = subprocess.run(
            [sys.executable, "-m", "digest", "run", "--config", str(config)],
            capture_output=True,
            text=True,
            env={**os.environ, "DAEMON_SMTP_PASSWORD": PASSWORD},
            timeout=60,
            check=False,
        )
        assert second.returncode == 2
        assert f"another seatwatch daemon (pid {daemon.pid})" in " ".join(second.stderr.split())

        # SIGHUP with a broken config keeps the daemon running on the old one.
        good = config.read_text()
        config.write_text(good.replace("poll_every_seconds = 1", 'poll_every_seconds = "x"'))
        daemon.send_signal(signal.SIGHUP)
        assert _wait_for(lambda: "reload refused" in log.read_text()), log.read_text()
        assert daemon.poll() is None
        config.write_text(good)

        # The period was sent: later ticks send nothing more.
        ticks = _ticks(log)
        assert _wait_for(lambda: _ticks(log) >= ticks + 2), log.read_text()
        assert len(smtp.received.messages) == 1

        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
        assert "seatwatch daemon stopped" in log.read_text()

        # Killed outright and restarted: the lock is free again and nothing is sent twice.
        def sends() -> int:
            return log.read_text().count("send:")

        before = sends()
        daemon = _start(config, log)
        assert _wait_for(lambda: sends() > before), log.read_text()
        daemon.kill()
        daemon.wait()
        before = sends()
        daemon = _start(config, log)
        assert _wait_for(lambda: sends() >= before + 2), log.read_text()
        assert len(smtp.received.messages) == 1
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()


def test_sigterm_mid_send_finishes_the_batch_and_exits_cleanly(
    tmp_path: Path, smtp: SmtpTestServer
) -> None:
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "bus.txt").write_text(ARTICLE_NORWICH, encoding="utf-8")
    readers = "".join(
        f'[[subscribers]]\nemail = "reader{n:02d}@example.org"\nseats = ["Norwich North"]\n'
        for n in range(30)
    )
    config = tmp_path / "config.toml"
    config.write_text(_config_text(tmp_path, smtp) + readers, encoding="utf-8")
    smtp.received.delay_seconds = 0.1  # a slow server: the batch takes about a second
    log = tmp_path / "daemon.log"
    daemon = _start(config, log)
    try:
        assert _wait_for(lambda: len(smtp.received.messages) >= 5), log.read_text()
        daemon.send_signal(signal.SIGTERM)
        assert len(smtp.received.messages) < 31, "the signal must land mid-send"
        assert daemon.wait(timeout=60) == 0, log.read_text()
        text = log.read_text()
        assert "SIGTERM: finishing the running job" in text and "daemon stopped" in text
        # Nothing lost, nothing twice: every reader got exactly one digest.
        recipients = sorted(r for _, rs, _ in smtp.received.messages for r in rs)
        assert recipients == sorted(
            ["nn@example.org"] + [f"reader{n:02d}@example.org" for n in range(30)]
        )
        status = subprocess.run(
            [sys.executable, "-m", "digest", "status", "--config", str(config), "--json"],
            capture_output=True,
            text=True,
            env={**os.environ, "DAEMON_SMTP_PASSWORD": PASSWORD},
            timeout=60,
            check=True,
        )
        assert '"sending": 0' in status.stdout and '"failed": 0' in status.stdout
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()


def test_a_stop_that_outlasts_stop_timeout_exits_1_and_the_restart_completes_it(
    tmp_path: Path, smtp: SmtpTestServer
) -> None:
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "bus.txt").write_text(ARTICLE_NORWICH, encoding="utf-8")
    readers = "".join(
        f'[[subscribers]]\nemail = "reader{n}@example.org"\nseats = ["Norwich North"]\n'
        for n in range(8)
    )
    text = _config_text(tmp_path, smtp).replace(
        "[daemon]\n", "[daemon]\nstop_timeout_seconds = 1\n"
    )
    config = tmp_path / "config.toml"
    config.write_text(text + readers, encoding="utf-8")
    smtp.received.delay_seconds = 1.0  # each message takes a second: the batch outlasts 1 s
    log = tmp_path / "daemon.log"
    daemon = _start(config, log)
    try:
        assert _wait_for(lambda: len(smtp.received.messages) >= 1), log.read_text()
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 1, log.read_text()
        assert "did not finish within 1 s" in log.read_text()
        smtp.received.delay_seconds = 0.0
        # DATA commands in flight at the exit still arrive before the restart.
        assert _wait_for(lambda: smtp.received.answering == 0)
        daemon = _start(config, log)
        everyone = {"nn@example.org"} | {f"reader{n}@example.org" for n in range(8)}
        assert _wait_for(
            lambda: {r for _, rs, _ in smtp.received.messages for r in rs} == everyone
        ), log.read_text()
        ticks = _ticks(log)  # later ticks send nothing more
        assert _wait_for(lambda: _ticks(log) >= ticks + 2), log.read_text()
        ids: dict[str, set[str]] = {}
        for index, (_, (recipient,), _) in enumerate(smtp.received.messages):
            ids.setdefault(recipient, set()).add(str(smtp.received.parsed(index)["Message-ID"]))
        # Repeats are only the sends in flight at the exit, and carry the same Message-ID.
        assert all(len(found) == 1 for found in ids.values()), ids
        assert len(smtp.received.messages) <= len(everyone) + 4
    finally:
        if daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=30)
