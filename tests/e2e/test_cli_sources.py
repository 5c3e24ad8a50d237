"""``digest sources``: export lists every feed, add says what it found (issue 19)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from lxml import etree
from typer.testing import CliRunner

from digest.cli import app
from tests.conftest import ROOT, LoopbackServer, Route

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


def _store_config(tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text('[store]\npath = "state.sqlite3"\n', encoding="utf-8")
    return config


def _listed(config: Path) -> list[str]:
    result = runner.invoke(app, ["sources", "list", "--json", "-c", str(config)])
    assert result.exit_code == 0, result.output
    return [s["name"] for s in json.loads(result.output)["sources"]]


def test_add_fetches_once_and_says_what_it_found(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    http_server.routes["/feed.xml"] = Route(EASTERN.read_bytes())
    config = _store_config(tmp_path)
    result = runner.invoke(
        app, ["sources", "add", http_server.url("/feed.xml"), "--name", "Loop", "-c", str(config)]
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "added 'Loop'" in text
    assert "checked: a feed with " in text and " items, the newest " in text
    assert http_server.hits("/feed.xml") == 1
    assert _listed(config) == ["Loop"]


def test_add_refuses_a_page_with_no_feed(tmp_path: Path, http_server: LoopbackServer) -> None:
    http_server.routes["/about"] = Route(
        b"<!doctype html><html><head><title>About us</title></head><body>Hi</body></html>",
        content_type="text/html; charset=utf-8",
    )
    config = _store_config(tmp_path)
    result = runner.invoke(app, ["sources", "add", http_server.url("/about"), "-c", str(config)])
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert "not added:" in text and "is a web page, and it names no RSS, Atom or JSON feed" in text
    assert "--no-check" in text
    assert _listed(config) == []


def test_add_refuses_an_unreachable_address(tmp_path: Path, http_server: LoopbackServer) -> None:
    config = _store_config(tmp_path)
    result = runner.invoke(app, ["sources", "add", http_server.url("/gone"), "-c", str(config)])
    assert result.exit_code == 1, result.output
    assert "not added:" in result.output and "404" in result.output
    assert _listed(config) == []


def test_add_no_check_says_it_was_not_checked(tmp_path: Path) -> None:
    config = _store_config(tmp_path)
    result = runner.invoke(
        app, ["sources", "add", "https://news.example.org/rss", "--no-check", "-c", str(config)]
    )
    assert result.exit_code == 0, result.output
    assert "not checked (--no-check)" in " ".join(result.output.split())
