"""JSON Feed (https://jsonfeed.org, versions 1 and 1.1), which feedparser does not read.

The format is small and strict, so reading it is a short mapping onto ``FeedItem``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from digest.errors import FeedParseError
from digest.models import FeedItem
from digest.sources.sniff import sniff_document


def looks_like_json_feed(content: bytes, content_type: str) -> bool:
    """True for a JSON document: by its bytes, by the Content-Type only when they are unsure.

    RSS served as ``application/json`` is RSS.
    """
    kind = sniff_document(content)
    if kind is not None:
        return kind == "json"
    return "json" in content_type.lower()


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_json_feed(
    content: bytes, *, source_name: str, base_url: str, limit: int
) -> tuple[list[FeedItem], str]:
    """The items and the title (as the document gives it) of a JSON Feed;
    ``FeedParseError`` when it is not one."""
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedParseError(f"{base_url}: not valid JSON ({exc})") from exc
    except RecursionError as exc:
        # A small document nested a hundred thousand levels deep: no feed is, but a
        # hostile one may be, and it must fail this source only.
        raise FeedParseError(f"{base_url}: JSON nested too deeply to be a feed") from exc
    if not isinstance(document, dict) or "jsonfeed.org" not in str(document.get("version", "")):
        raise FeedParseError(f"{base_url}: JSON, but not a JSON Feed (no jsonfeed.org version)")
    raw_items = document.get("items")
    if not isinstance(raw_items, list):
        raise FeedParseError(f"{base_url}: JSON Feed without an items list")
    feed_home = document.get("home_page_url") or base_url
    items: list[FeedItem] = []
    for raw in raw_items[:limit]:
        if not isinstance(raw, dict):
            continue
        html = raw.get("content_html")
        text = raw.get("content_text") or raw.get("summary") or ""
        body, is_html = (html, True) if isinstance(html, str) and html else (str(text), False)
        title = str(raw.get("title") or "").strip()
        url = raw.get("url") or raw.get("external_url")
        url = urljoin(str(feed_home), str(url)) if url else None
        if not title and not body:
            continue
        identity = raw.get("id")
        items.append(
            FeedItem(
                source_name=source_name,
                guid=str(identity)
                if identity not in (None, "")
                else (url or f"{base_url}#{title}"),
                url=url,
                title=title or body.split(".")[0][:120],
                body=body,
                published=_date(raw.get("date_published")) or _date(raw.get("date_modified")),
                body_is_html=is_html,
            )
        )
    feed_title = document.get("title")
    return items, feed_title if isinstance(feed_title, str) else ""
