"""``digest run`` without ``-v`` says when it starts, each job it completes, and when it stops."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.conftest import ARTICLE_NORWICH


def _wait_for(condition: Callable[[], bool], seconds: float = 60.0) -> bool:
    """Check ``condition`` until it holds; the test fails if it never does."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_run_prints_start_jobs_and_stop_without_verbose(tmp_path: Path) -> None:
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "bus.txt").write_text(ARTICLE_NORWICH, encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(
        '[store]\npath = "state.sqlite3"\n'
        '[[sources]]\nname = "Local"\nkind = "folder"\nlocation = "articles"\n'
        '[daemon]\npoll_every_seconds = 3600\nsend_cron = "*/2 * * * * *"\ntimezone = "UTC"\n'
        '[delivery]\nbackend = "file"\n[delivery.file]\nout_dir = "out"\n'
        '[[subscribers]]\nemail = "nn@example.org"\nseats = ["Norwich North"]\n',
        encoding="utf-8",
    )
    out = tmp_path / "stdout.txt"
    with out.open("wb") as stdout:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "digest", "run", "--config", str(config)],
            stdout=stdout,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "COLUMNS": "300"},
            cwd=tmp_path,
        )
    try:
        assert _wait_for(lambda: "send: 1 digests sent" in out.read_text()), out.read_text()
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=60) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
    lines = out.read_text().splitlines()
    started = next(line for line in lines if "seatwatch daemon started" in line)
    assert "polling every 3600s (next poll now)" in started
    assert "sending on '*/2 * * * * *' (UTC; next send 20" in started
    assert str(tmp_path / "state.sqlite3") in started and "backend file" in started
    assert any("poll: 1 sources polled, 1 new articles, 0 failed" in line for line in lines)
    assert any("send: 1 digests sent, 0 failed" in line for line in lines)
    assert lines[-1].endswith("seatwatch daemon stopped")
