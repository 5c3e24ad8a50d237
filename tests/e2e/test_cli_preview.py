"""``digest preview`` with its own sources, as a new user first runs it (issue 19)."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from digest.cli import app
from tests.conftest import ROOT

runner = CliRunner()
EASTERN = ROOT / "feeds" / "eastern-sample.rss"
WESTMINSTER = ROOT / "feeds" / "westminster-sample.atom"


def _preview(project: Path, *arguments: str) -> tuple[int, str]:
    result = runner.invoke(
        app,
        [
            "preview",
            "--config",
            str(project / "config.toml"),
            "-o",
            str(project / "out"),
            *arguments,
        ],
        terminal_width=200,
    )
    return result.exit_code, result.output


def test_two_feed_files_with_one_name_both_run(project_copy: Path) -> None:
    for folder, feed in (("a", EASTERN), ("b", WESTMINSTER)):
        (project_copy / folder).mkdir()
        shutil.copy(feed, project_copy / folder / "feed.xml")
    code, output = _preview(
        project_copy,
        "--source",
        str(project_copy / "a" / "feed.xml"),
        "--source",
        str(project_copy / "b" / "feed.xml"),
        "--seat",
        "Norwich North",
    )
    assert code == 0, output
    assert "Traceback" not in output and "IntegrityError" not in output
    assert "polled 2 sources" in output


def test_a_store_that_is_no_database_is_an_error_not_a_traceback(project_copy: Path) -> None:
    store = project_copy / "broken.sqlite3"
    store.write_bytes(b"not a database, just text\n" * 200)
    code, output = _preview(
        project_copy, "--source", str(EASTERN), "--seat", "Norwich North", "--store", str(store)
    )
    assert code == 1, output
    assert "Traceback" not in output and "sqlalchemy" not in output
    assert "error: the store refused the operation (file is not a database)" in output


def test_one_of_each_is_singular(project_copy: Path) -> None:
    code, output = _preview(project_copy, "--source", str(EASTERN), "--seat", "Norwich North")
    assert code == 0, output
    text = " ".join(output.split())
    assert "polled 1 source:" in text
    assert "1 sources" not in text and "(s)" not in text
