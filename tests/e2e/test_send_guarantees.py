"""What `digest send` promises whatever else runs or arrives: two senders on one store send
each digest once; text from a feed never fills a recipient's slot; one message that cannot
be built or sent settles alone while the batch goes on."""

from __future__ import annotations

import email
import email.policy
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app
from tests.conftest import norwich_folder_toml
from tests.smtp_server import PASSWORD, SmtpTestServer

runner = CliRunner()
SUBSCRIBERS = 60
CONNECTIONS = 4


def _config(tmp_path: Path, smtp: SmtpTestServer, subscribers: int, extra: str = "") -> Path:
    readers = "".join(
        f'[[subscribers]]\nemail = "reader{n:02d}@example.org"\nseats = ["Norwich North"]\n'
        for n in range(subscribers)
    )
    config = tmp_path / "config.toml"
    config.write_text(
        norwich_folder_toml(tmp_path)
        + '[digest]\nfrom_address = "seatwatch <digest@example.org>"\n'
        + smtp.delivery_toml("TEST_SMTP_PASSWORD")
        + f"connections = {CONNECTIONS}\n"
        + extra
        + readers,
        encoding="utf-8",
    )
    return config


def _send(config: Path, *options: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TEST_SMTP_PASSWORD": PASSWORD}
    return subprocess.Popen(
        [sys.executable, "-m", "digest", "send", "--config", str(config), *options],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_two_sends_at_once_deliver_each_digest_once(tmp_path: Path, smtp: SmtpTestServer) -> None:
    """Cron and a manual run, or two hosts, on one store: they share the work, and the
    digests one of them has in flight are left to it."""
    smtp.received.hold_first = CONNECTIONS  # the first sender's first messages stay in flight
    config = _config(tmp_path, smtp, SUBSCRIBERS)
    assert runner.invoke(app, ["poll", "--config", str(config)]).exit_code == 0
    first = _send(config, "--no-poll")
    deadline = time.monotonic() + 120
    while smtp.received.held < CONNECTIONS and time.monotonic() < deadline:
        assert first.poll() is None, first.communicate()[0].decode()
        time.sleep(0.01)
    # While those are unanswered, a second sender runs to its end.
    second = _send(config, "--no-poll")
    second_output = second.communicate(timeout=120)[0].decode()
    smtp.received.release.set()
    first_output = first.communicate(timeout=120)[0].decode()
    assert first.returncode == 0 and second.returncode == 0, (first_output, second_output)
    copies = Counter(recipient for _, (recipient,), _ in smtp.received.messages)
    assert sorted(copies) == [f"reader{n:02d}@example.org" for n in range(SUBSCRIBERS)]
    assert [address for address, count in copies.items() if count > 1] == []
    assert len(smtp.received.messages) == SUBSCRIBERS


def _article_with_markers(tmp_path: Path) -> None:
    (tmp_path / "articles" / "markers.txt").write_text(
        "Norwich North @@SEATWATCH:subject@@ row over @@SEATWATCH:recipient@@\n"
        "Campaigners in Norwich North said the @@SEATWATCH:unsubscribe_url@@ plan and the "
        "@@SEATWATCH:nonsense@@ scheme were both wrong for the city. Chloe Smith, MP for "
        "Norwich North, said she would meet them next week.\n",
        encoding="utf-8",
    )


def test_feed_text_that_looks_like_a_slot_is_printed_not_filled(
    tmp_path: Path, smtp: SmtpTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
    config = _config(tmp_path, smtp, 2)
    _article_with_markers(tmp_path)
    result = runner.invoke(app, ["send", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert len(smtp.received.messages) == 2
    for index, (_, (recipient,), raw) in enumerate(smtp.received.messages):
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, email.message.EmailMessage)
        plain = message.get_body(("plain",))
        rich = message.get_body(("html",))
        assert plain is not None and rich is not None
        text, html = plain.get_content(), rich.get_content()
        # The headline is printed as the outlet wrote it, in both parts...
        assert "@@SEATWATCH:recipient@@" in text and "@@SEATWATCH:recipient@@" in html
        # ...and the recipient's address appears only where the template puts it.
        assert text.count(recipient) == 1, (index, text)
        assert "unsubscribe" in text.lower()


def test_one_message_that_cannot_be_built_settles_alone(
    tmp_path: Path, smtp: SmtpTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An address that cannot be encoded (stored before addresses were checked) fails its
    own digest; the subscribers after it still get theirs, and the command names it."""
    monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
    config = _config(tmp_path, smtp, 0)
    config.write_text(
        config.read_text(encoding="utf-8")
        + '[[subscribers]]\nemail = "aaa@example.org"\nseats = ["Norwich North"]\n'
        + '[[subscribers]]\nemail = "zzz@example.org"\nseats = ["Norwich North"]\n',
        encoding="utf-8",
    )
    added = runner.invoke(app, ["status", "--config", str(config)])
    assert added.exit_code == 0, added.output

    with sqlite3.connect(tmp_path / "state.sqlite3") as conn:
        conn.execute(
            "INSERT INTO subscribers (email, name, seats, added_at) "
            "VALUES (?, '', '[\"Norwich North\"]', '2026-01-01 00:00:00')",
            ("m\u00f6\u00f6@example.org",),
        )
    result = runner.invoke(app, ["send", "--config", str(config)])
    assert result.exit_code == 1
    assert "m\u00f6\u00f6@example.org: skipped" in " ".join(result.output.split())
    assert "2 digests" in result.output and "1 failed" in result.output
    delivered = sorted(recipient for _, (recipient,), _ in smtp.received.messages)
    assert delivered == ["aaa@example.org", "zzz@example.org"]


def test_a_message_over_the_size_limit_is_refused_not_cut_short(
    tmp_path: Path, smtp: SmtpTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
    config = _config(tmp_path, smtp, 0)
    config.write_text(
        config.read_text(encoding="utf-8")
        .replace("[digest]\n", "[digest]\nmax_stories_per_seat = 200\n")
        .replace("[delivery]\n", "[delivery]\nmax_message_bytes = 100_000\n")
        + '[[subscribers]]\nemail = "big@example.org"\nseats = ["Norwich North"]\n'
        + '[[subscribers]]\nemail = "small@example.org"\nseats = ["Norwich South"]\n',
        encoding="utf-8",
    )
    articles = tmp_path / "articles"
    pick = random.Random(7)
    for n in range(120):
        names = [
            "".join(pick.choice("bcdfghklmnprstvw") + pick.choice("aeiou") for _ in range(4))
            for _ in range(40)
        ]
        (articles / f"n{n:03d}.txt").write_text(
            f"Norwich North {names[0]} {names[1]} plan {n}\n"
            f"Residents of Norwich North met {' '.join(names[2:14])}. "
            f"The {' '.join(names[14:27])} group spoke for {n * 13} people. "
            f"Councillors {' '.join(names[27:])} will decide on {n % 28 + 1} December.\n",
            encoding="utf-8",
        )
    (articles / "south.txt").write_text(
        "Norwich South library reopens\nThe library in Norwich South reopened on Monday "
        "after repairs, the city council said.\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["send", "--config", str(config)])
    assert result.exit_code == 1, result.output
    assert "max_message_bytes" in result.output
    assert [recipients for _, recipients, _ in smtp.received.messages] == [["small@example.org"]]
    status = json.loads(runner.invoke(app, ["status", "--config", str(config), "--json"]).output)
    (big,) = [d for d in status["digests"] if d["subscriber"] == "big@example.org"]
    assert big["status"] == "failed" and "max_message_bytes" in big["error"]


def _three_readers(tmp_path: Path, smtp: SmtpTestServer) -> Path:
    return _config(tmp_path, smtp, 3)


def test_a_refused_login_stops_the_run_and_the_next_run_delivers_everything(
    tmp_path: Path, smtp: SmtpTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wrong password is the sender's problem, not the subscribers': nothing is marked
    refused, and after the fix the whole period goes out."""
    config = _three_readers(tmp_path, smtp)
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "not-the-password")
    stopped = runner.invoke(app, ["send", "--config", str(config)])
    assert stopped.exit_code == 1
    text = " ".join(stopped.output.split())
    assert "sending stopped" in text and "$TEST_SMTP_PASSWORD" in text
    assert smtp.received.copies == 0
    status = json.loads(runner.invoke(app, ["status", "--config", str(config), "--json"]).output)
    assert status["queue"]["rejected"] == 0
    monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
    fixed = runner.invoke(app, ["send", "--config", str(config), "--no-poll"])
    assert fixed.exit_code == 0, fixed.output
    assert sorted(r for _, (r,), _ in smtp.received.messages) == [
        f"reader{n:02d}@example.org" for n in range(3)
    ]


def test_an_unanswered_message_is_left_unknown_and_resent_once_with_its_message_id(
    tmp_path: Path, smtp: SmtpTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
    config = _config(tmp_path, smtp, 1)
    smtp.received.drop_after_data = True
    first = runner.invoke(app, ["send", "--config", str(config)])
    assert first.exit_code == 1
    assert smtp.received.copies == 1  # not resent on a new connection in the same run
    status = json.loads(runner.invoke(app, ["status", "--config", str(config), "--json"]).output)
    assert status["queue"]["unknown"] == 1
    (unanswered,) = smtp.received.unanswered
    # A later run sends it once more, with the same Message-ID; the server answers now.
    smtp.received.drop_after_data = False
    second = runner.invoke(app, ["send", "--config", str(config), "--no-poll"])
    assert second.exit_code == 0, second.output
    assert smtp.received.copies == 2
    first_id = email.message_from_bytes(unanswered)["Message-ID"]
    assert smtp.received.parsed()["Message-ID"] == first_id
    third = runner.invoke(app, ["send", "--config", str(config), "--no-poll"])
    assert third.exit_code == 0 and smtp.received.copies == 2


def test_a_second_unanswered_send_is_not_sent_a_third_time(
    tmp_path: Path, smtp: SmtpTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
    config = _config(tmp_path, smtp, 1)
    smtp.received.drop_after_data = True
    for _ in range(3):
        runner.invoke(app, ["send", "--config", str(config)])
    assert smtp.received.copies == 2
    status = runner.invoke(app, ["status", "--config", str(config)]).output
    assert "1 unknown" in " ".join(status.split())
