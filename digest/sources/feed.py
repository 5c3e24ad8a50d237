"""RSS and Atom feeds, from an http(s) URL or a local file, parsed by feedparser from bytes.

feedparser never sees a URL: it has no timeout and would hang a scheduler job. We fetch with
httpx (``fetch.py``) and hand feedparser the bytes plus the Content-Type header, so it can
pick the right encoding. ``bozo`` is a warning with its reason, not silence; a document with
no entries and a bozo error is a ``FeedParseError``.
"""

from __future__ import annotations

import calendar
import hashlib
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import httpx

from digest.config import PollConfig
from digest.errors import FeedParseError, FetchError
from digest.models import FeedItem
from digest.sources.base import PollResult, SourceState, is_url
from digest.sources.fetch import fetch, make_client

log = logging.getLogger(__name__)


class FeedSource:
    """One RSS/Atom feed."""

    def __init__(
        self,
        name: str,
        location: str,
        poll_config: PollConfig,
        client: httpx.Client | None = None,
    ) -> None:
        self.name = name
        self.location = location
        self.poll_config = poll_config
        self.client = client

    def poll(self, state: SourceState) -> PollResult:
        """Fetch (conditionally, for URLs) and parse the feed."""
        if not is_url(self.location):
            path = Path(self.location)
            try:
                content = path.read_bytes()
            except OSError as exc:
                raise FetchError(f"{path}: cannot read feed file ({exc.strerror})") from exc
            return self._parse(content, "", self.location, state)
        client = self.client or make_client(self.poll_config)
        try:
            result = fetch(
                client,
                self.location,
                max_bytes=self.poll_config.max_bytes,
                etag=state.etag,
                last_modified=state.last_modified,
            )
        finally:
            if self.client is None:
                client.close()
        new_state = SourceState(etag=result.etag, last_modified=result.last_modified)
        if result.content is None:
            return PollResult(items=(), state=new_state, not_modified=True)
        return self._parse(result.content, result.content_type, result.url, new_state)

    def _parse(
        self, content: bytes, content_type: str, base_url: str, state: SourceState
    ) -> PollResult:
        # Headers only for HTTP responses: without a Content-Type feedparser flags a local
        # file as bozo, and the base URL only matters for resolving relative links.
        headers = (
            {"content-type": content_type, "content-location": base_url} if content_type else None
        )
        parsed = feedparser.parse(content, response_headers=headers, sanitize_html=True)
        warnings: list[str] = []
        if parsed.get("bozo"):
            reason = (
                f"{type(parsed.get('bozo_exception')).__name__}: {parsed.get('bozo_exception')}"
            )
            if not parsed.entries:
                raise FeedParseError(f"{base_url}: not a readable feed ({reason})")
            message = f"{base_url}: feed has errors, kept {len(parsed.entries)} entries ({reason})"
            log.warning("source %r: %s", self.name, message)
            warnings.append(message)
        if not parsed.entries and not parsed.get("version"):
            raise FeedParseError(f"{base_url}: no RSS or Atom feed found")
        limit = self.poll_config.max_items_per_source
        items = tuple(
            item
            for entry in parsed.entries[:limit]
            if (item := entry_to_item(entry, self.name, base_url)) is not None
        )
        return PollResult(items=items, state=state, warnings=tuple(warnings))


def entry_to_item(entry: Any, source_name: str, feed_url: str) -> FeedItem | None:
    """One feedparser entry as a ``FeedItem``; ``None`` when it has neither title nor text."""
    title = str(entry.get("title") or "").strip()
    body = ""
    is_html = False
    contents = entry.get("content") or []
    if contents:
        best = max(contents, key=lambda c: len(c.get("value") or ""))
        body = best.get("value") or ""
        is_html = "html" in (best.get("type") or "text/html")
    if not body:
        body = entry.get("summary") or ""
        detail = entry.get("summary_detail") or {}
        is_html = "html" in (detail.get("type") or "text/html")
    if not title and not body:
        return None
    link = entry.get("link") or None
    published = _entry_date(entry)
    guid = entry.get("id") or link
    if not guid:
        # No id and no link: the title and text are the only stable identity the entry has.
        digest = hashlib.sha256(f"{feed_url}\n{title}\n{body}".encode()).hexdigest()[:24]
        guid = f"urn:seatwatch:{digest}"
    if not title:
        title = body.split(".")[0][:120]
    return FeedItem(
        source_name=source_name,
        guid=str(guid),
        url=str(link) if link else None,
        title=title,
        body=body,
        published=published,
        body_is_html=is_html,
    )


def _entry_date(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        # dict.get bypasses FeedParserDict's deprecated updated -> published aliasing.
        value = dict.get(entry, key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, ValueError):
                continue
    return None
