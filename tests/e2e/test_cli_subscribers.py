"""``digest subscribers add``: the option at fault is blamed, and a config entry that wins is
named (issue 19)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app

runner = CliRunner()


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        '[store]\npath = "state.sqlite3"\n'
        '[[subscribers]]\nemail = "config@example.org"\nseats = ["Colchester"]\n',
        encoding="utf-8",
    )
    return config


@pytest.mark.parametrize(
    ("option", "value"),
    [("--frequency", "hourly"), ("--timezone", "Mars/Olympus"), ("--status", "gone")],
)
def test_a_bad_value_blames_its_own_option(tmp_path: Path, option: str, value: str) -> None:
    result = runner.invoke(
        app,
        [
            "subscribers",
            "add",
            "desk@example.org",
            "--seat",
            "Colchester",
            option,
            value,
            "--config",
            str(_config(tmp_path)),
        ],
    )
    assert result.exit_code == 2, result.output
    assert f"error: {option}:" in result.output
    assert "--seat" not in result.output


def test_adding_an_address_the_config_lists_says_which_wins(tmp_path: Path) -> None:
    config = _config(tmp_path)
    result = runner.invoke(
        app,
        ["subscribers", "add", "Config@example.org", "--seat", "Clacton", "-c", str(config)],
        terminal_width=300,
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "added config@example.org: Clacton" in text
    assert "also listed under [[subscribers]]" in text
    assert "that entry wins (seats: Colchester)" in text
