"""The links a reader clicks: canonical, without tracking parameters or dead redirectors."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from digest.models import Role
from tests.test_email_sections import NORTH, _article, _rendered, _tag

TRACKED = (
    "https://news.example.org/eastern/buses?id=7&utm_source=rss&utm_medium=feed"
    "&at_medium=RSS&at_campaign=KARANGA"
)


def test_links_drop_tracking_parameters(tmp_path: Path) -> None:
    article = replace(_article("buses", _tag(NORTH, Role.PRIMARY)), url=TRACKED)
    _, html, text = _rendered(tmp_path, ("Norwich North",), article)
    assert 'href="https://news.example.org/eastern/buses?id=7"' in html
    assert "  https://news.example.org/eastern/buses?id=7\n" in text
    for part in (html, text):
        assert "utm_" not in part and "at_medium" not in part and "at_campaign" not in part


def test_a_dead_redirector_gives_way_to_the_guid(tmp_path: Path) -> None:
    article = replace(
        _article("buses", _tag(NORTH, Role.PRIMARY)),
        url="http://rss.feedsportal.com/c/266/f/3503/s/1a2b/l/0L0Sexample/story01.htm",
        guid="https://www.example.co.uk/news/buses-saved?utm_source=rss",
    )
    _, html, text = _rendered(tmp_path, ("Norwich North",), article)
    assert 'href="https://www.example.co.uk/news/buses-saved"' in html
    assert "  https://www.example.co.uk/news/buses-saved\n" in text
    assert "feedsportal" not in html + text


def test_a_guid_that_is_no_address_leaves_the_link(tmp_path: Path) -> None:
    article = replace(
        _article("buses", _tag(NORTH, Role.PRIMARY)),
        url="http://rss.feedsportal.com/c/266/f/3503/s/1a2b/story01.htm",
        guid="tag:example.co.uk,2013:buses",
    )
    _, html, _ = _rendered(tmp_path, ("Norwich North",), article)
    assert 'href="http://rss.feedsportal.com/c/266/f/3503/s/1a2b/story01.htm"' in html
