"""The rendered digest uses only CSS and HTML that the main mail clients support.

Checked against the caniemail data in ../shared/email-clients/: every CSS property inlined
into a `style` attribute, and every HTML element, must not be unsupported ("n") in Gmail
(web, iOS, Android), Apple Mail (macOS, iOS) or Outlook (Windows, Outlook.com). Rules inside
the `<style>` block are all in `@media` queries, which degrade by being ignored.
"""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime

from digest.models import Digest, Role, SeatSection, Story, StorySource, Subscriber
from digest.render.renderer import DigestRenderer
from tests.conftest import shared_path

CLIENTS = {
    ("gmail", "desktop-webmail"),
    ("gmail", "ios"),
    ("gmail", "android"),
    ("apple-mail", "macos"),
    ("apple-mail", "ios"),
    ("outlook", "windows"),
    ("outlook", "outlook-com"),
}


OUTLOOK_WINDOWS = ("outlook", "windows")


def _support() -> dict[str, dict[tuple[str, str], str]]:
    table: dict[str, dict[tuple[str, str], str]] = {}
    path = shared_path("email-clients", "caniemail_latest_support.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            client = (row["client_family"], row["platform"])
            if client in CLIENTS:
                table.setdefault(row["slug"], {})[client] = row["support"]
    return table


def _rendered_html() -> str:
    story = Story(
        id=1,
        title="Residents fight to keep Sprowston buses",
        summary=("Residents won their campaign.",),
        published=datetime(2026, 11, 21, tzinfo=UTC),
        sources=(StorySource("Eastern News", "https://news.example.org/a"), StorySource("B", None)),
        role=Role.MENTIONED,
    )
    section = SeatSection("k", "Norwich North", "1 new story.", (story,), context="MP: x.")
    digest = Digest(
        Subscriber("a@example.org", "A", ()), "2026-11-22", datetime.now(UTC), (section,)
    )
    return DigestRenderer(title="seatwatch", subject_template="{title}").render(digest).html


def test_inlined_css_and_html_are_supported_by_the_main_clients() -> None:
    support = _support()
    html = _rendered_html()
    body = re.sub(r"<style[^>]*>.*?</style>", "", html, flags=re.S)
    styles = re.findall(r'style="([^"]*)"', body)
    properties = {
        declaration.split(":", 1)[0].strip().lower()
        for style in styles
        for declaration in style.split(";")
        if ":" in declaration
    }
    # An element with mso-hide:all is not drawn at all by Outlook on Windows, so what else
    # it declares (the preheader's max-height and overflow, for other clients) is moot there.
    only_hidden_in_outlook = properties - {
        declaration.split(":", 1)[0].strip().lower()
        for style in styles
        if "mso-hide:all" not in style.replace(" ", "")
        for declaration in style.split(";")
        if ":" in declaration
    }
    elements = {tag.lower() for tag in re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", body)}
    problems = []
    checked = 0
    for kind, names in (("css", properties), ("html", elements)):
        for name in sorted(names):
            row = support.get(f"{kind}-{name}")
            if row is None:
                continue
            checked += 1
            problems.extend(
                f"{kind} {name}: not supported in {family}/{platform}"
                for (family, platform), code in sorted(row.items())
                if code == "n"
                and not (name in only_hidden_in_outlook and (family, platform) == OUTLOOK_WINDOWS)
            )
    assert checked >= 10  # the data was found and actually compared
    assert problems == []


def test_style_block_holds_only_media_queries() -> None:
    html = _rendered_html()
    for block in re.findall(r"<style[^>]*>(.*?)</style>", html, flags=re.S):
        without_comments = re.sub(r"/\*.*?\*/", "", block, flags=re.S)
        assert without_comments.strip().startswith("@media")
