"""``digest status`` names every problem digest, however many subscribers there are."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from digest.cli import app
from digest.store.core import Store
from digest.store.outbox import DigestRecord, Settlement

runner = CliRunner()
NOW = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
PERIOD = "2026-12-02"


def _store_with_one_refusal(tmp_path: Path, subscribers: int) -> Path:
    """``subscribers`` sent digests; the oldest address was refused by the server."""
    config = tmp_path / "config.toml"
    config.write_text('[store]\npath = "state.sqlite3"\n', encoding="utf-8")
    store = Store.open(tmp_path / "state.sqlite3")
    try:
        store.claim_digest(
            DigestRecord("refused@example.org", PERIOD, "sent", "smtp", "<r@x>", 2, NOW, ""),
            now=NOW,
        )
        store.finish_digests(
            [Settlement("refused@example.org", PERIOD, "rejected", "550 no such mailbox")]
        )
        for n in range(subscribers):
            at = NOW + timedelta(minutes=n + 1)
            store.record_digest(
                DigestRecord(
                    f"s{n:03}@example.org", PERIOD, "preview", "file", f"<{n}@x>", 1, at, ""
                )
            )
    finally:
        store.close()
    return config


def test_a_refused_address_is_listed_first_among_many(tmp_path: Path) -> None:
    config = _store_with_one_refusal(tmp_path, 30)
    result = runner.invoke(app, ["status", "-c", str(config)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "refused@example.org" in text and "550 no such mailbox" in text
    assert "10 more digests not listed: --skip 20 for the next page, --all for every one" in text
    everything = runner.invoke(app, ["status", "--all", "-c", str(config)], env={"COLUMNS": "200"})
    assert all(f"s{n:03}@example.org" in everything.output for n in range(30))


def test_json_lists_problems_first_and_says_how_many_are_left(tmp_path: Path) -> None:
    config = _store_with_one_refusal(tmp_path, 30)
    result = runner.invoke(app, ["status", "--json", "-c", str(config)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    first = payload["digests"][0]
    assert first["subscriber"] == "refused@example.org"
    assert first["status"] == "rejected" and first["error"] == "550 no such mailbox"
    assert len(payload["digests"]) == 21
    assert payload["digests_total"] == 31 and payload["digests_not_listed"] == 10
    assert set(payload["digests"][1]) == set(first)
