"""``digest preview`` with its own sources, as a new user first runs it (issue 19)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import ROOT, LoopbackServer
from tests.support import run_preview

EASTERN = ROOT / "feeds" / "eastern-sample.rss"
WESTMINSTER = ROOT / "feeds" / "westminster-sample.atom"


def test_two_feed_files_with_one_name_both_run(project_copy: Path) -> None:
    for folder, feed in (("a", EASTERN), ("b", WESTMINSTER)):
        (project_copy / folder).mkdir()
        shutil.copy(feed, project_copy / folder / "feed.xml")
    code, output = run_preview(
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
    code, output = run_preview(
        project_copy, "--source", str(EASTERN), "--seat", "Norwich North", "--store", str(store)
    )
    assert code == 1, output
    assert "Traceback" not in output and "sqlalchemy" not in output
    assert "error: the store refused the operation (file is not a database)" in output


def test_one_of_each_is_singular(project_copy: Path) -> None:
    code, output = run_preview(project_copy, "--source", str(EASTERN), "--seat", "Norwich North")
    assert code == 0, output
    text = " ".join(output.split())
    assert "polled 1 source:" in text
    assert "1 sources" not in text and "(s)" not in text


def _teaser_feed(folder: Path, base_url: str, count: int) -> Path:
    """A feed file of teasers about Norwich North whose article pages are on ``base_url``."""
    items = "".join(
        f"<item><title>Norwich North bus route {n} under review</title>"
        f"<link>{base_url}/story/{n}</link><guid>story-{n}</guid>"
        f"<pubDate>Wed, 02 Dec 2026 08:00:00 GMT</pubDate>"
        f"<description>Norwich North MP on bus route {n}...</description></item>"
        for n in range(count)
    )
    feed = folder / "teasers.rss"
    feed.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Teasers'
        f"</title><link>{base_url}/</link><description>t</description>{items}</channel></rss>",
        encoding="utf-8",
    )
    return feed


def _reachable(project: Path) -> None:
    """Let article pages reach the loopback server (pages of a local file are otherwise
    held to public addresses)."""
    config = project / "config.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("allow_private_addresses = false", "allow_private_addresses = true"),
        encoding="utf-8",
    )


def test_a_feed_file_preview_fetches_no_article_pages(
    project_copy: Path, http_server: LoopbackServer
) -> None:
    _reachable(project_copy)
    feed = _teaser_feed(project_copy, http_server.base_url, 3)
    code, output = run_preview(project_copy, "--source", str(feed), "--seat", "Norwich North")
    assert code == 0, output
    assert http_server.requests == []


def test_full_text_failures_are_one_line_with_a_count(
    project_copy: Path, http_server: LoopbackServer
) -> None:
    _reachable(project_copy)
    feed = _teaser_feed(project_copy, http_server.base_url, 6)  # every page is a 404
    code, output = run_preview(
        project_copy, "--source", str(feed), "--seat", "Norwich North", "--full-text"
    )
    assert code == 0, output
    assert len(http_server.requests) == 6  # asked for: the pages were fetched
    text = " ".join(output.split())
    assert text.count("full text: could not fetch http") == 1
    assert "5 more warnings like the one above (full text: could not fetch…)" in text


def test_an_empty_folder_says_so_and_fails(project_copy: Path) -> None:
    (project_copy / "empty").mkdir()
    code, output = run_preview(
        project_copy, "--source", str(project_copy / "empty"), "--seat", "Norwich North"
    )
    assert code == 1, output
    assert "'empty' holds no article .txt files" in " ".join(output.split())


def test_stories_about_other_seats_are_named(project_copy: Path) -> None:
    code, output = run_preview(project_copy, "--source", str(EASTERN), "--seat", "Liverpool Walton")
    assert code == 0, output
    text = " ".join(output.split())
    assert "none is about Liverpool Walton" in text
    assert "the seats they name most (articles): " in text and "Norwich North (1)" in text
