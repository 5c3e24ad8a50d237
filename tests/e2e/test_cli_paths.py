"""One rule for a bad path on the command line: exit 2 and a message saying what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    "command",
    [["tag"], ["summarise"], ["sources", "import"], ["subscribers", "import"]],
    ids=" ".join,
)
def test_a_folder_or_a_missing_file_is_bad_usage(tmp_path: Path, command: list[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[store]\npath = "s.sqlite3"\n', encoding="utf-8")
    options = ["--config", str(config)] if command[0] != "tag" and command[0] != "summarise" else []
    folder = runner.invoke(app, [*command, str(tmp_path), *options], terminal_width=300)
    missing = runner.invoke(app, [*command, str(tmp_path / "nope.txt"), *options])
    assert folder.exit_code == 2, folder.output
    assert missing.exit_code == 2, missing.output
    assert "is a folder, not a file" in " ".join(folder.output.split())
    assert "Errno" not in folder.output
    assert "no such file" in " ".join(missing.output.split())
