"""``digest sources``: managing what is polled, from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from lxml import etree
from typer.testing import CliRunner

from digest.cli import app
from tests.conftest import LoopbackServer, Route

runner = CliRunner()

FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><guid>x1</guid>'
    b"<title>Norwich North bus news</title><link>https://example.org/x1</link><description>"
    b"Norwich North residents met the council about buses and the operator listened carefully."
    b"</description></item></channel></rss>"
)


def _config(tmp_path: Path) -> Path:
    articles = tmp_path / "articles"
    articles.mkdir()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[store]\npath = "{tmp_path / "s.sqlite3"}"\n'
        '[[sources]]\nname = "Local"\nkind = "folder"\nlocation = "articles"\n',
        encoding="utf-8",
    )
    return config


def _list(config: Path) -> dict[str, dict[str, object]]:
    result = runner.invoke(app, ["sources", "list", "--config", str(config), "--json"])
    assert result.exit_code == 0, result.output
    return {s["name"]: s for s in json.loads(result.output)["sources"]}


def test_add_list_poll_remove(tmp_path: Path, http_server: LoopbackServer) -> None:
    http_server.routes["/feed.xml"] = Route(FEED)
    config = _config(tmp_path)
    url = http_server.url("/feed.xml")
    added = runner.invoke(app, ["sources", "add", url, "--name", "Loop", "--config", str(config)])
    assert added.exit_code == 0, added.output
    sources = _list(config)
    assert sources["Local"]["origin"] == "config"
    assert sources["Loop"]["origin"] == "added" and sources["Loop"]["location"] == url
    polled = runner.invoke(app, ["poll", "--config", str(config)])
    assert polled.exit_code == 0, polled.output
    assert "1 new article," in polled.output
    again = runner.invoke(app, ["sources", "add", url, "--config", str(config)])
    assert again.exit_code == 2 and "already has this name or address" in again.output
    removed = runner.invoke(app, ["sources", "remove", "Loop", "--config", str(config)])
    assert removed.exit_code == 0
    assert "Loop" not in _list(config)


def test_configured_sources_cannot_be_removed_from_the_cli(tmp_path: Path) -> None:
    config = _config(tmp_path)
    result = runner.invoke(app, ["sources", "remove", "Local", "--config", str(config)])
    assert result.exit_code == 2
    assert "comes from config.toml" in result.output


def test_bad_additions_are_refused(tmp_path: Path) -> None:
    config = _config(tmp_path)
    for argument in (["ftp://example.org/feed"], ["https://example.org/f", "--full-text", "maybe"]):
        result = runner.invoke(app, ["sources", "add", *argument, "--config", str(config)])
        assert result.exit_code == 2, result.output


OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>My feeds</title></head><body>
  <outline text="Local news">
    <outline type="rss" text="Eastern Daily" xmlUrl="https://eastern.example.org/rss"/>
    <outline type="rss" text="Council" title="Council news" xmlUrl="https://council.example.org/feed"/>
  </outline>
  <outline type="rss" text="Broken" xmlUrl="javascript:alert(1)"/>
  <outline text="Just a folder"/>
</body></opml>"""


def test_import_and_export_opml(tmp_path: Path) -> None:
    config = _config(tmp_path)
    opml = tmp_path / "feeds.opml"
    opml.write_bytes(OPML)
    imported = runner.invoke(app, ["sources", "import", str(opml), "--config", str(config)])
    assert imported.exit_code == 0, imported.output
    assert "imported 2 of 2 feeds" in imported.output
    assert "javascript:alert(1)" in imported.output  # reported as skipped
    sources = _list(config)
    assert sources["Council news"]["location"] == "https://council.example.org/feed"
    assert sources["Eastern Daily"]["origin"] == "added"
    # Importing again adds nothing.
    twice = runner.invoke(app, ["sources", "import", str(opml), "--config", str(config)])
    assert "imported 0 of 2 feeds" in twice.output
    out = tmp_path / "export.opml"
    exported = runner.invoke(app, ["sources", "export", "--out", str(out), "--config", str(config)])
    assert exported.exit_code == 0
    root = etree.fromstring(out.read_bytes())
    assert root.get("version") == "2.0"
    urls = sorted(o.get("xmlUrl") for o in root.iter("outline"))
    assert urls == ["https://council.example.org/feed", "https://eastern.example.org/rss"]


def test_import_rejects_non_opml(tmp_path: Path) -> None:
    config = _config(tmp_path)
    bad = tmp_path / "bad.opml"
    bad.write_bytes(b"<rss/>")
    result = runner.invoke(app, ["sources", "import", str(bad), "--config", str(config)])
    assert result.exit_code == 2 and "not <opml>" in result.output
