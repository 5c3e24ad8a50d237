"""Every command's ``--help`` as a user reads it, and ``--version`` however it is asked."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import typer.main
from typer.core import TyperGroup
from typer.testing import CliRunner

from digest import __version__
from digest.cli import app

runner = CliRunner()

# A config table as help texts write it ("[daemon]", "[delivery.file]"), and the key after it.
TABLE = re.compile(r"\[([a-z_]+(?:\.[a-z_]+)*)\]")
TABLE_KEY = re.compile(r"\[([a-z_]+(?:\.[a-z_]+)*)\](?:'s)? ([a-z]+_[a-z_]+)")


def _commands() -> list[tuple[list[str], str]]:
    """Each command's words and the help source text of it and its parameters."""
    found: list[tuple[list[str], str]] = []

    def walk(command: object, words: list[str]) -> None:
        texts = [getattr(command, "help", None) or ""]
        texts += [getattr(p, "help", None) or "" for p in getattr(command, "params", [])]
        found.append((words, "\n".join(texts)))
        if isinstance(command, TyperGroup):
            for name, sub in command.commands.items():
                walk(sub, [*words, name])

    walk(typer.main.get_command(app), [])
    return found


COMMANDS = _commands()


def _help(words: list[str]) -> str:
    result = runner.invoke(app, [*words, "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_every_command_is_walked() -> None:
    names = {" ".join(words) for words, _ in COMMANDS}
    assert {"run", "preview", "subscribers add", "sources export", "status"} <= names


@pytest.mark.parametrize(("words", "source"), COMMANDS, ids=lambda v: " ".join(v) or "digest")
def test_help_names_every_config_table_and_key(words: list[str], source: str) -> None:
    shown = _help(words)
    flat = " ".join(source.split())
    for table in TABLE.findall(flat):
        if table in ("OPTIONS",):
            continue
        assert f"[{table}]" in shown, f"[{table}] missing from `digest {' '.join(words)} --help`"
    for table, key in TABLE_KEY.findall(flat):
        assert key in shown, f"[{table}] {key} missing from `digest {' '.join(words)} --help`"


@pytest.mark.parametrize(("words", "source"), COMMANDS, ids=lambda v: " ".join(v) or "digest")
def test_help_placeholders_are_words(words: list[str], source: str) -> None:
    shown = _help(words)
    for placeholder in ("<bool>", "<str>", "<path>", "<int>", "list[", "{"):
        assert placeholder not in shown, f"{placeholder!r} in `digest {' '.join(words)} --help`"


def test_run_help_names_the_daemon_keys() -> None:
    shown = _help(["run"])
    assert "[daemon] poll_every_seconds" in shown and "[daemon] send_cron" in shown


def test_subscribers_add_help_reads_plainly() -> None:
    shown = _help(["subscribers", "add"])
    assert "[daemon]'s" in shown
    assert "EMAIL" in shown and "--seat TEXT" in shown


def test_version_alone() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"seatwatch {__version__}"


def test_python_m_digest_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "digest", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"seatwatch {__version__}"
