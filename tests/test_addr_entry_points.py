"""Subscriber addresses are kept ASCII at every entry point, and a bad stored one costs only
its own digest.

An internationalised domain is stored IDNA-encoded; a non-ASCII local part (which would need
SMTPUTF8) is refused with the address, where it came from and what to do.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.config import load_config
from digest.errors import ConfigError
from digest.store.core import Store
from digest.store.schema import subscribers_table
from tests.conftest import ARTICLE_NORWICH

runner = CliRunner()

IDN = "plain@пример.рф"
IDN_ASCII = "plain@xn--e1afmkfd.xn--p1ai"
UNICODE_LOCAL = "jöhn@exämple.org"


def _config(tmp_path: Path, subscribers: str = "") -> Path:
    (tmp_path / "articles").mkdir(exist_ok=True)
    (tmp_path / "articles" / "bus.txt").write_text(ARTICLE_NORWICH, encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(
        '[store]\npath = "state.sqlite3"\n'
        '[[sources]]\nname = "Local"\nkind = "folder"\nlocation = "articles"\n'
        '[delivery.file]\nout_dir = "out"\n' + subscribers,
        encoding="utf-8",
    )
    return config


def _listed(config: Path) -> list[str]:
    result = runner.invoke(app, ["subscribers", "list", "--config", str(config), "--json"])
    assert result.exit_code == 0, result.output
    return [s["email"] for s in json.loads(result.output)["subscribers"]]


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_config_file_subscribers_are_stored_ascii_or_refused_by_key(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        f'[[subscribers]]\nemail = "{IDN}"\nseats = ["Norwich North"]\n'
        '[[subscribers]]\nemail = "Plain@XN--E1AFMKFD.xn--p1ai"\nseats = ["Norwich North"]\n',
    )
    assert [s.email for s in load_config(config).subscribers] == [IDN_ASCII, IDN_ASCII]
    (tmp_path / "bad").mkdir()
    bad = _config(
        tmp_path / "bad",
        f'[[subscribers]]\nemail = "{UNICODE_LOCAL}"\nseats = ["Norwich North"]\n',
    )
    with pytest.raises(ConfigError) as caught:
        load_config(bad)
    message = _flat(str(caught.value))
    assert "subscribers[0].email" in message
    assert repr(UNICODE_LOCAL) in message
    assert "SMTPUTF8" in message
    assert "fix: give this subscriber an ASCII address" in message


def test_subscribers_add_stores_the_ascii_form_and_refuses_a_unicode_local_part(
    tmp_path: Path,
) -> None:
    config = _config(tmp_path)
    added = runner.invoke(
        app, ["subscribers", "add", IDN, "--seat", "Norwich North", "--config", str(config)]
    )
    assert added.exit_code == 0, added.output
    assert f"added {IDN_ASCII}" in added.output
    assert _listed(config) == [IDN_ASCII]
    refused = runner.invoke(
        app,
        ["subscribers", "add", UNICODE_LOCAL, "--seat", "Norwich North", "--config", str(config)],
    )
    assert refused.exit_code == 2
    text = _flat(refused.output)
    assert f"EMAIL: {UNICODE_LOCAL!r} has non-ASCII characters before the @" in text
    assert "SMTPUTF8" in text and "fix: give this subscriber an ASCII address" in text
    assert _listed(config) == [IDN_ASCII]
    # Either form removes it.
    removed = runner.invoke(app, ["subscribers", "remove", IDN, "--config", str(config)])
    assert removed.exit_code == 0, removed.output
    assert _listed(config) == []


def test_import_stores_ascii_and_names_the_refused_row(tmp_path: Path) -> None:
    config = _config(tmp_path)
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(
        f"email,name,seats\n{UNICODE_LOCAL},J,Norwich North\n{IDN},P,Norwich North\n"
        "after@example.org,A,Norwich North\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["subscribers", "import", str(csv_file), "--config", str(config)])
    assert result.exit_code == 1
    text = _flat(result.output)
    assert "2 added, 0 updated, 0 unchanged, 1 rejected" in text
    assert f"line 2: {UNICODE_LOCAL!r} has non-ASCII characters before the @" in text
    assert "fix: give this subscriber an ASCII address" in text
    assert _listed(config) == ["after@example.org", IDN_ASCII]


def _store_raw(store_path: Path, *emails: str) -> None:
    """Rows as an older seatwatch stored them: addresses in Unicode form."""
    store = Store.open(store_path)
    with store.engine.begin() as conn:
        conn.execute(
            subscribers_table.insert(),
            [
                {
                    "email": email,
                    "name": "",
                    "seats": json.dumps(["Norwich North"]),
                    "frequency": "daily",
                    "timezone": "",
                    "status": "active",
                    "added_at": datetime(2026, 1, 1, tzinfo=UTC),
                }
                for email in emails
            ],
        )
    store.close()


def test_unicode_rows_from_older_stores_are_converted_or_skipped_and_the_rest_are_sent(
    tmp_path: Path,
) -> None:
    config = _config(tmp_path)
    _store_raw(
        tmp_path / "state.sqlite3",
        "aa@example.org",
        UNICODE_LOCAL,
        IDN,
        IDN_ASCII,  # the same address stored twice: one digest, not two
        "zz@example.org",
    )
    sent = runner.invoke(app, ["send", "--dry-run", "--config", str(config)])
    # The unusable row is that subscriber's failure (exit 1, named); the rest are sent.
    assert sent.exit_code == 1, sent.output
    assert f"{UNICODE_LOCAL}: skipped" in _flat(sent.output)
    previews = sorted(p.name for p in (tmp_path / "out").glob("*.eml"))
    assert len(previews) == 3, previews
    eml = {p.name: p.read_bytes() for p in (tmp_path / "out").glob("*.eml")}
    assert any(b"To: " + IDN_ASCII.encode() in body for body in eml.values())
    assert any(b"zz@example.org" in body for body in eml.values())
    logged = _flat(sent.output)  # the operator's log lines
    assert f"stored subscriber {UNICODE_LOCAL!r} skipped" in logged and "SMTPUTF8" in logged
    assert f"stored subscriber {IDN!r} skipped: the same address as {IDN_ASCII!r}" in logged
    # The operator still sees the unusable row, and can remove it.
    assert UNICODE_LOCAL in _listed(config)
    removed = runner.invoke(app, ["subscribers", "remove", UNICODE_LOCAL, "--config", str(config)])
    assert removed.exit_code == 0, removed.output
    assert UNICODE_LOCAL not in _listed(config)


def test_unsubscribe_mailto_is_kept_ascii_too(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[digest]\nunsubscribe_mailto = "{IDN}"\n', encoding="utf-8")
    assert load_config(config).digest.unsubscribe_mailto == IDN_ASCII


def test_preview_and_send_find_a_subscriber_named_in_either_form(tmp_path: Path) -> None:
    config = _config(tmp_path)
    added = runner.invoke(
        app, ["subscribers", "add", IDN, "--seat", "Norwich North", "--config", str(config)]
    )
    assert added.exit_code == 0, added.output
    for command in (["preview"], ["send", "--dry-run"]):
        result = runner.invoke(app, [*command, "--subscriber", IDN, "--config", str(config)])
        assert result.exit_code == 0, result.output
        assert "no subscriber" not in result.output
    assert any("xn-e1afmkfd" in path.name for path in (tmp_path / "out").rglob("*.eml"))
