"""`digest send` killed with SIGKILL mid-batch, then run again: nobody is left out, and only
the messages that were in flight (one per SMTP connection) may arrive twice, with the same
Message-ID."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from email import message_from_bytes
from pathlib import Path

from tests.conftest import norwich_folder_toml
from tests.smtp_server import PASSWORD, SmtpTestServer

SUBSCRIBERS = 60
CONNECTIONS = 4


def _config(tmp_path: Path, smtp: SmtpTestServer) -> Path:
    subscribers = "".join(
        f'[[subscribers]]\nemail = "reader{n:02d}@example.org"\nseats = ["Norwich North"]\n'
        for n in range(SUBSCRIBERS)
    )
    config = tmp_path / "config.toml"
    config.write_text(
        norwich_folder_toml(tmp_path)
        + '[digest]\nfrom_address = "seatwatch <digest@example.org>"\n'
        + smtp.delivery_toml("TEST_SMTP_PASSWORD")
        + f"connections = {CONNECTIONS}\n"
        + subscribers,
        encoding="utf-8",
    )
    return config


def _send(config: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TEST_SMTP_PASSWORD": PASSWORD}
    return subprocess.Popen(
        [sys.executable, "-m", "digest", "send", "--config", str(config)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_sigkill_mid_batch_then_rerun_sends_each_digest_once(
    tmp_path: Path, smtp: SmtpTestServer
) -> None:
    smtp.received.delay_seconds = 0.1  # a slow server: 40 messages a second over 4 connections
    config = _config(tmp_path, smtp)
    first = _send(config)
    deadline = time.monotonic() + 60
    while len(smtp.received.messages) < 10 and time.monotonic() < deadline:
        assert first.poll() is None, first.communicate()[0].decode()
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.communicate()
    time.sleep(0.3)  # let the server finish the DATA commands that were in flight
    killed_at = len(smtp.received.messages)
    assert 10 <= killed_at < SUBSCRIBERS, "the kill must land mid-batch"

    second = _send(config)
    output = second.communicate(timeout=120)[0].decode()
    assert second.returncode == 0, output

    ids: dict[str, list[str]] = defaultdict(list)
    for _, recipients, raw in smtp.received.messages:
        (recipient,) = recipients
        ids[recipient].append(str(message_from_bytes(raw)["Message-ID"]))
    assert sorted(ids) == [f"reader{n:02d}@example.org" for n in range(SUBSCRIBERS)]
    repeated = {address: got for address, got in ids.items() if len(got) > 1}
    # Only messages in flight at the kill can repeat, and a repeat carries the same id.
    assert len(repeated) <= CONNECTIONS, repeated
    assert all(len(got) == 2 and got[0] == got[1] for got in repeated.values()), repeated

    third = _send(config)
    assert "sent 0 digests" in third.communicate(timeout=120)[0].decode()
    assert third.returncode == 0
    assert sum(len(got) for got in ids.values()) == len(smtp.received.messages)
