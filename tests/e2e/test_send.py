"""``digest send`` through a real SMTP server: delivered once per period, resent after a crash."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.config import load_config
from digest.render.message import message_id_for
from digest.store.core import Store
from digest.store.outbox import DigestRecord
from tests.conftest import norwich_folder_toml
from tests.smtp_server import PASSWORD, SmtpTestServer

runner = CliRunner()


def _config(tmp_path: Path, smtp: SmtpTestServer) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        norwich_folder_toml(tmp_path)
        + f"""
[digest]
from_address = "seatwatch <digest@example.org>"
{smtp.delivery_toml("TEST_SMTP_PASSWORD")}
[[subscribers]]
email = "nn@example.org"
name = "Norwich desk"
seats = ["Norwich North"]
""",
        encoding="utf-8",
    )
    return config


def test_send_delivers_once_per_period(
    tmp_path: Path, smtp: SmtpTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
    config = _config(tmp_path, smtp)
    first = runner.invoke(app, ["send", "--config", str(config)])
    assert first.exit_code == 0, first.output
    assert "sent 1 digest through smtp" in first.output
    assert len(smtp.received.messages) == 1
    sender, recipients, _ = smtp.received.messages[0]
    assert sender == "digest@example.org" and recipients == ["nn@example.org"]
    message = smtp.received.parsed()
    assert message["Subject"] == "seatwatch: news for Norwich North"
    assert message.get_content_type() == "multipart/alternative"
    html = message.get_payload()[1].get_payload(decode=True).decode()
    assert "Norwich North MP backs bus campaign" in html and "Hello Norwich desk," in html

    again = runner.invoke(app, ["send", "--config", str(config)])
    assert again.exit_code == 0
    assert "sent 0 digests" in again.output and "1 skipped" in again.output
    assert len(smtp.received.messages) == 1


def test_interrupted_send_is_resent_with_the_same_message_id(
    tmp_path: Path, smtp: SmtpTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
    config = _config(tmp_path, smtp)
    settings = load_config(config)
    period = datetime.now(UTC).date().isoformat()
    message_id = message_id_for(f"nn@example.org|{period}", settings.digest.from_address)
    # A previous run claimed the period and died before the server answered.
    store = Store.open(settings.resolve(settings.store.path))
    claim = store.claim_digest(
        DigestRecord("nn@example.org", period, "sent", "smtp", message_id, 1, datetime.now(UTC), "")
    )
    store.close()
    assert claim == "new"
    result = runner.invoke(app, ["send", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert len(smtp.received.messages) == 1
    assert smtp.received.parsed()["Message-ID"] == message_id


def test_send_failure_exits_1_and_is_retried_next_run(
    tmp_path: Path, smtp: SmtpTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
    config = _config(tmp_path, smtp)
    smtp.received.refuse["nn@example.org"] = "451 4.3.0 Try again later"
    failed = runner.invoke(app, ["send", "--config", str(config)])
    assert failed.exit_code == 1
    assert "451" in failed.output
    assert _digest_status(config) == "failed"
    smtp.received.refuse.clear()
    retried = runner.invoke(app, ["send", "--config", str(config), "--no-poll"])
    assert retried.exit_code == 0, retried.output
    assert len(smtp.received.messages) == 1
    assert _digest_status(config) == "sent"


def _digest_status(config: Path) -> str:
    result = runner.invoke(app, ["status", "--config", str(config), "--json"])
    return str(json.loads(result.output)["digests"][0]["status"])


def test_missing_password_is_a_config_error(tmp_path: Path, smtp: SmtpTestServer) -> None:
    result = runner.invoke(app, ["send", "--config", str(_config(tmp_path, smtp))])
    assert result.exit_code == 2
    assert "TEST_SMTP_PASSWORD is not set" in " ".join(result.output.split())


def test_every_outcome_is_stored_when_sends_succeed_and_fail_in_one_run(
    tmp_path: Path, smtp: SmtpTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each send's outcome is written with the next subscriber's claim, the last one at the end.
    monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
    config = _config(tmp_path, smtp)
    with config.open("a", encoding="utf-8") as out:
        for name in ("second", "third"):
            out.write(
                f'\n[[subscribers]]\nemail = "{name}@example.org"\nseats = ["Norwich North"]\n'
            )
    smtp.received.refuse["second@example.org"] = "550 5.1.1 No such user"
    result = runner.invoke(app, ["send", "--config", str(config)])
    assert result.exit_code == 1
    assert "sent 2 digests through smtp, 1 failed" in " ".join(result.output.split())
    status = runner.invoke(app, ["status", "--config", str(config), "--json"])
    digests = {d["subscriber"]: d["status"] for d in json.loads(status.output)["digests"]}
    assert digests == {
        "nn@example.org": "sent",
        "second@example.org": "rejected",
        "third@example.org": "sent",
    }
    again = runner.invoke(app, ["send", "--config", str(config), "--no-poll"])
    assert again.exit_code == 0 and len(smtp.received.messages) == 2


def test_a_temporary_refusal_is_retried_in_the_same_run(
    tmp_path: Path, smtp: SmtpTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
    config = _config(tmp_path, smtp)
    smtp.received.refuse["nn@example.org"] = "451 4.3.0 Try again later"
    smtp.received.refuse_times["nn@example.org"] = 1
    result = runner.invoke(app, ["send", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "attempt 1 failed" in result.output and "451" in result.output
    assert len(smtp.received.messages) == 1
    status = runner.invoke(app, ["status", "--config", str(config), "--json"])
    (digest,) = json.loads(status.output)["digests"]
    assert digest["status"] == "sent" and digest["attempts"] == 1


def test_a_stored_subscriber_with_an_unknown_seat_fails_alone(
    tmp_path: Path, smtp: SmtpTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
    config = _config(tmp_path, smtp)
    add = ["subscribers", "add", "later@example.org", "--seat", "Norwich North"]
    added = runner.invoke(app, [*add, "--config", str(config)])
    assert added.exit_code == 0, added.output
    # A seat that no longer exists (as after a boundary change the gazetteer dropped).
    with sqlite3.connect(tmp_path / "state.sqlite3") as conn:
        conn.execute(
            "UPDATE subscribers SET seats = '[\"Atlantis North\"]' WHERE email = ?",
            ("later@example.org",),
        )
    result = runner.invoke(app, ["send", "--config", str(config)])
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "sent 1 digest through smtp, 1 failed" in output
    assert "later@example.org: skipped" in output and "Atlantis North" in output
    assert [m[1] for m in smtp.received.messages] == [["nn@example.org"]]


def test_status_shows_the_queue_and_the_next_send(
    tmp_path: Path, smtp: SmtpTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
    config = _config(tmp_path, smtp)
    smtp.received.refuse["nn@example.org"] = "451 4.3.0 Try again later"
    assert runner.invoke(app, ["send", "--config", str(config)]).exit_code == 1
    status = json.loads(runner.invoke(app, ["status", "--config", str(config), "--json"]).output)
    assert status["queue"] == {"sending": 0, "failed": 1, "rejected": 0, "unknown": 0}
    assert datetime.fromisoformat(status["next_send"]) > datetime.now(UTC)
    (digest,) = status["digests"]
    assert digest["attempts"] == 1 and "451" in digest["error"]
    text = " ".join(runner.invoke(app, ["status", "--config", str(config)]).output.split())
    assert "queue: 0 sending (interrupted, resent next run), 1 failed (retried)" in text
