"""``digest sources``: export lists every feed, add says what it found (issue 19)."""

from __future__ import annotations

import shutil
from pathlib import Path

from lxml import etree
from typer.testing import CliRunner

from digest.cli import app
from tests.conftest import ROOT

runner = CliRunner()
EASTERN = ROOT / "feeds" / "eastern-sample.rss"


def _config(tmp_path: Path) -> Path:
    shutil.copy(EASTERN, tmp_path / "local.rss")
    (tmp_path / "articles").mkdir()
    config = tmp_path / "config.toml"
    config.write_text(
        '[store]\npath = "state.sqlite3"\n'
        '[[sources]]\nname = "Local feed"\nkind = "feed"\nlocation = "local.rss"\n'
        '[[sources]]\nname = "Folder"\nkind = "folder"\nlocation = "articles"\n'
        '[[sources]]\nname = "Remote"\nkind = "feed"\nlocation = "https://news.example.org/rss"\n',
        encoding="utf-8",
    )
    return config


def test_export_includes_configured_local_feed_files(tmp_path: Path) -> None:
    config = _config(tmp_path)
    out = tmp_path / "export.opml"
    result = runner.invoke(app, ["sources", "export", "-o", str(out), "-c", str(config)])
    assert result.exit_code == 0, result.output
    outlines = {
        o.get("title"): o.get("xmlUrl") for o in etree.fromstring(out.read_bytes()).iter("outline")
    }
    assert outlines == {
        "Local feed": (tmp_path / "local.rss").resolve().as_uri(),
        "Remote": "https://news.example.org/rss",
    }
    assert "wrote 2 feeds" in result.output
    assert "left out 1 article folder (not feeds)" in result.output
