"""The outlet a reader sees under each story: the feed's own title, not its file name or
address, unless the operator named the source (issue 19)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from digest.cli import app
from tests.conftest import ROOT, LoopbackServer, Route

runner = CliRunner()
EASTERN = ROOT / "feeds" / "eastern-sample.rss"
TITLE = "Eastern Counties Sample News"  # the <title> of EASTERN's channel
FILE_NAME = "bbc_news_uk-politics_2018-12-19.xml"


def _preview(project: Path, *arguments: str) -> tuple[str, str]:
    """Preview for Colchester; the written digest's .html and .txt parts."""
    out = project / "out"
    result = runner.invoke(
        app,
        ["preview", "--config", str(project / "config.toml"), "-o", str(out), *arguments],
        terminal_width=200,
    )
    assert result.exit_code == 0, result.output
    (html,) = [p for p in out.glob("*.html") if p.name != "index.html"]
    return html.read_text(encoding="utf-8"), html.with_suffix(".txt").read_text(encoding="utf-8")


def _feed_file(project: Path, content: str | None = None) -> Path:
    feed = project / FILE_NAME
    if content is None:
        shutil.copy(EASTERN, feed)
    else:
        feed.write_text(content, encoding="utf-8")
    return feed


def test_a_feed_file_shows_its_channel_title_as_the_outlet(project_copy: Path) -> None:
    feed = _feed_file(project_copy)
    html, text = _preview(project_copy, "--source", str(feed), "--seat", "Colchester")
    assert f"{TITLE} · " in html and f"{TITLE}, " in text
    assert FILE_NAME not in html and FILE_NAME not in text


def test_a_feed_url_shows_its_channel_title_as_the_outlet(
    project_copy: Path, http_server: LoopbackServer
) -> None:
    http_server.routes["/news/rss.xml"] = Route(EASTERN.read_bytes())
    url = http_server.url("/news/rss.xml")
    html, text = _preview(project_copy, "--source", url, "--seat", "Colchester")
    assert f"{TITLE}, " in text and f"{TITLE} · " in html
    assert "/news/rss.xml" not in text


def test_a_name_the_operator_configured_wins_over_the_feed_title(project_copy: Path) -> None:
    feed = _feed_file(project_copy)
    config = project_copy / "config.toml"
    config.write_text(
        '[[sources]]\nname = "Colchester Desk"\nkind = "feed"\n'
        f'location = "{feed}"\nfull_text = false\n',
        encoding="utf-8",
    )
    html, text = _preview(project_copy, "--seat", "Colchester")
    assert "Colchester Desk · " in html and "Colchester Desk, " in text
    assert TITLE not in html and TITLE not in text


def test_a_feed_without_a_title_is_shown_by_its_name(project_copy: Path) -> None:
    untitled = EASTERN.read_text(encoding="utf-8").replace(f"<title>{TITLE}</title>", "", 1)
    assert TITLE not in untitled
    feed = _feed_file(project_copy, untitled)
    html, text = _preview(project_copy, "--source", str(feed), "--seat", "Colchester")
    assert f"{FILE_NAME} · " in html and f"{FILE_NAME}, " in text


def test_the_feed_title_reaches_the_reader_cleaned_and_bounded(project_copy: Path) -> None:
    noisy = "Eastern\x07 &lt;b&gt;Counties&lt;/b&gt;\n   News " + "and more " * 40
    feed = _feed_file(project_copy, EASTERN.read_text(encoding="utf-8").replace(TITLE, noisy, 1))
    html, text = _preview(project_copy, "--source", str(feed), "--seat", "Colchester")
    flowing = " ".join(text.split())  # however the plain-text part wraps its lines
    start = flowing.index("Eastern Counties")
    shown = flowing[start : flowing.index(", 21 November 2026", start)]
    assert shown.startswith("Eastern Counties News and more and more")
    assert shown.endswith("…") and len(shown) <= 100
    assert "\x07" not in html and "<b>Counties" not in html and "&lt;b&gt;" not in html


def test_operators_see_the_outlet_readers_see_in_status_and_sources_list(
    project_copy: Path,
) -> None:
    """A source named after its file is shown to readers by the feed's title: `digest
    status` and `digest sources list` say so, and their --json gives the title as read."""
    feed = _feed_file(project_copy)
    config = str(project_copy / "config.toml")

    def listed() -> str:
        result = runner.invoke(app, ["sources", "list", "--config", config])
        assert result.exit_code == 0, result.output
        assert "Shown as" in result.output
        return result.output

    added = runner.invoke(app, ["sources", "add", str(feed), "--config", config])
    assert added.exit_code == 0, added.output
    # Before a poll the title is unknown: only the configured source of that feed (its
    # name and how it is shown) carries it.
    assert listed().count("Counties") == 2
    polled = runner.invoke(app, ["poll", "--config", config])
    assert polled.exit_code == 0, polled.output
    assert listed().count("Counties") == 3
    as_json = runner.invoke(app, ["sources", "list", "--json", "--config", config])
    (source,) = [s for s in json.loads(as_json.output)["sources"] if s["name"] == FILE_NAME]
    assert source["feed_title"] == TITLE and source["shown_as"] == TITLE

    status = runner.invoke(app, ["status", "--config", config])
    assert status.exit_code == 0, status.output
    assert " ".join(status.output.split()).count("shown as") == 1  # the added source only
    status_json = json.loads(runner.invoke(app, ["status", "--json", "--config", config]).output)
    (polled,) = [s for s in status_json["sources"] if s["name"] == FILE_NAME]
    assert polled["shown_as"] == TITLE
    # A source the operator named keeps its name everywhere.
    named = [s for s in status_json["sources"] if s["name"] != FILE_NAME]
    assert named and all(s["shown_as"] == s["name"] for s in named)
