"""Item links: only http(s) ones become links in a digest, whatever a feed disguises.

Checked the way a reader would meet them: a digest previewed from crafted feeds, its HTML
part's every ``href`` and its text part's every line.
"""

from __future__ import annotations

import email
import email.policy
import html
import json
import re

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.links import safe_link
from digest.models import StorySource

runner = CliRunner()

# Each story gets words of its own, so no two are taken for one story.
TOPICS = [
    ("library opening hours extended across branches", "allotment waiting list grows longer"),
    ("cycle lane consultation draws trader objections", "swimming pool roof repairs delayed"),
    ("primary school expansion approved by planners", "bus shelter vandalism costs thousands"),
    ("food bank appeal after winter demand doubles", "football stadium plans reach committee"),
    ("pothole complaints rise after heavy frost", "care home inspection rates service good"),
    ("parking charges frozen for market traders", "hospital car park barriers replaced"),
    ("tree planting volunteers cover twelve acres", "recycling centre weekend closures scrapped"),
    ("museum roof leak damages medieval tapestry", "skate park lighting switched on early"),
    ("charity shop fire investigated by police", "river path flooding closes towpath"),
    ("youth orchestra wins regional brass contest", "cathedral bells silenced for restoration"),
    ("airport runway noise survey published", "railway bridge painting finished ahead"),
]
# (title, link as written in the RSS <link> element): every way a link can hide a script.
RSS_LINKS = [
    ("javascript", "javascript:alert(document.cookie)"),
    ("mixed case", "  JaVaScRiPt:alert(1)"),
    ("vbscript", "VBScript:MsgBox(1)"),
    ("data", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="),
    ("file", "FILE:///etc/passwd"),
    ("entity", "&amp;#106;avascript:alert(1)"),
    ("tab inside", "java&#x09;script:alert(1)"),
]
# JSON strings may hold control characters, which XML cannot.
JSON_LINKS = [
    ("control", "\u0001\u0002javascript:alert(1)"),
    ("nul", "\u0000 javascript:alert(1)"),
]
SAFE = "https://news.example.org/stories/safe-one?a=1&b=2"


def _text(number: int) -> str:
    first, second = TOPICS[number]
    return f"In Norwich North the {first}. Separately the {second}."


def _rss(items: list[tuple[str, str, str]]) -> str:
    entries = "".join(
        f"<item><title>Norwich North {title} story</title><link>{link}</link>"
        f"<guid isPermaLink='false'>{title}</guid>"
        f"<pubDate>Mon, 01 Jan 2024 10:00:00 +0000</pubDate>"
        f"<description>{html.escape(text)}</description></item>"
        for title, link, text in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Hostile</title><link>https://news.example.org/</link>{entries}"
        "</channel></rss>"
    )


@pytest.fixture(scope="module")
def previewed(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """The HTML and text part of a digest previewed from feeds with unsafe links."""
    tmp_path = tmp_path_factory.mktemp("links")
    rss = [(title, link, _text(n)) for n, (title, link) in enumerate(RSS_LINKS)]
    rss.append(("safe", html.escape(SAFE), _text(len(rss))))
    (tmp_path / "hostile.xml").write_text(_rss(rss), encoding="utf-8")
    offset = len(rss)
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Hostile JSON",
        "home_page_url": "https://json.example.org/",
        "items": [
            {
                "id": title,
                "url": link,
                "title": f"Norwich North {title} story",
                "content_text": _text(offset + n),
                "date_published": "2024-01-01T10:00:00Z",
            }
            for n, (title, link) in enumerate(JSON_LINKS)
        ],
    }
    (tmp_path / "hostile.json").write_text(json.dumps(document), encoding="utf-8")
    # The safe story again, from an outlet whose link is a script: "Also reported by".
    copy = [("safe copy", "javascript:alert(2)", _text(offset - 1))]
    (tmp_path / "copy.xml").write_text(_rss(copy), encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(
        '[store]\npath = "store.sqlite3"\n[poll]\nworkers = 1\n'
        "[digest]\nmax_stories_per_seat = 50\nlookback_days = 100000\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    arguments = ["preview", "--config", str(config), "--seat", "Norwich North"]
    for name in ("hostile.xml", "hostile.json", "copy.xml"):
        arguments += ["--source", str(tmp_path / name)]
    result = runner.invoke(app, [*arguments, "--out", str(out)])
    assert result.exit_code == 0, result.output
    (eml,) = out.glob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    text_part, html_part = (
        part.get_content().replace("\r\n", "\n") for part in message.iter_parts()
    )
    return html_part, text_part


def _titles(html_part: str) -> list[str]:
    return re.findall(r"Norwich North [a-z ]+ story", html_part)


def test_only_http_links_are_written_as_links_in_the_html(previewed: tuple[str, str]) -> None:
    html_part, _ = previewed
    # Every story is there, its headline shown whether it has a link or not.
    shown = set(_titles(html_part))
    for title, _ in RSS_LINKS + JSON_LINKS:
        assert f"Norwich North {title} story" in shown
    hrefs = [html.unescape(h) for h in re.findall(r'href="([^"]*)"', html_part, re.I)]
    assert hrefs and all(re.match(r"https?://", h) for h in hrefs), hrefs
    assert SAFE in hrefs
    # The unsafe stories' headlines are plain text, not the text of a link.
    linked = re.findall(r"<a [^>]*>([^<]*)</a>", html_part)
    for title, _ in RSS_LINKS + JSON_LINKS:
        assert f"Norwich North {title} story" not in linked
    assert not re.search(r"script\s*:|data:|file:|alert\(", html.unescape(html_part), re.I)


def test_only_http_links_are_in_the_text_part(previewed: tuple[str, str]) -> None:
    _, text_part = previewed
    for title, _ in RSS_LINKS + JSON_LINKS:
        assert f"Norwich North {title} story" in text_part
    assert f"  {SAFE}\n" in text_part
    assert not re.search(r"script\s*:|data:|file:|alert\(", text_part, re.I)
    urls = re.findall(r"^\s+(\S+:\S*)$", text_part, re.M)
    assert all(url.startswith(("http://", "https://")) for url in urls), urls


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        " \t\njavascript:alert(1)",
        "\x00javascript:alert(1)",
        "jav\tascr\nipt:alert(1)",
        "JAVASCRIPT:alert(1)",
        "&#106;avascript:alert(1)",
        "&#x6A;avascript:alert(1)",
        "https:&#47;&#47;example.org",
        "vbscript:x",
        "data:text/html,<script>",
        "file:///etc/passwd",
        "//example.org/protocol-relative",
        "/relative/path",
        "http://",
        "http:example.org",
        "https://exa mple.org/",
        "https://example.org/a\x00b",
        "https://[::1/",
        "https://example.org/" + "a" * 5000,
        "",
        None,
    ],
)
def test_unsafe_links_are_refused(link: str | None) -> None:
    assert safe_link(link) is None
    assert StorySource("outlet", link).url is None


@pytest.mark.parametrize(
    ("link", "kept"),
    [
        ("https://example.org/a?b=1&c=2", "https://example.org/a?b=1&c=2"),
        ("  HTTP://Example.org/x\n", "HTTP://Example.org/x"),
        ("https://exa\nmple.org/", "https://example.org/"),
    ],
)
def test_web_links_are_kept_as_a_browser_reads_them(link: str, kept: str) -> None:
    assert safe_link(link) == kept
    assert StorySource("outlet", link).url == kept
