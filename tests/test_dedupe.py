"""Article identity: canonical URLs and text fingerprints."""

from __future__ import annotations

import pytest

from digest.prepare.dedupe import canonical_url, content_hash


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "HTTPS://News.Example.ORG/a/b?utm_source=rss&id=3#comments",
            "https://news.example.org/a/b?id=3",
        ),
        (
            "https://www.bbc.co.uk/news/uk-123?at_medium=RSS&at_campaign=KARANGA",
            "https://www.bbc.co.uk/news/uk-123",
        ),
        ("http://example.org:80/x?b=2&a=1&fbclid=zz", "http://example.org/x?a=1&b=2"),
        ("https://example.org:8443/x", "https://example.org:8443/x"),
        ("https://example.org", "https://example.org/"),
    ],
)
def test_canonical_url(given: str, expected: str) -> None:
    assert canonical_url(given) == expected


@pytest.mark.parametrize(
    "given", [None, "", "mailto:someone@example.org", "file:///etc/passwd", "http://[bad"]
)
def test_canonical_url_rejects_non_web_addresses(given: str | None) -> None:
    assert canonical_url(given) is None


BODY = " ".join(f"word{i}" for i in range(40))


def test_same_text_differently_spaced_and_cased_is_the_same_article() -> None:
    assert content_hash("Title", BODY) == content_hash(
        "Other title", BODY.upper().replace(" ", "  \n")
    )


def test_different_text_differs() -> None:
    assert content_hash("Title", BODY) != content_hash("Title", BODY + " extra")


def test_short_text_includes_the_title() -> None:
    assert content_hash("One headline", "Read more") != content_hash(
        "Another headline", "Read more"
    )
