"""RSS, Atom and JSON Feed sources, from an http(s) URL or a local file.

feedparser never sees a URL: it has no timeout and would hang a scheduler job. The bytes come
from ``Fetcher`` and feedparser parses them with the response's Content-Type, after one
correction: a body that is valid UTF-8 but served as Latin-1 is read as UTF-8 (publishers'
servers often default the header; the XML is what the CMS wrote). ``bozo`` is a warning with
its reason and the recovered entries are kept; a document with nothing readable is a
``FeedParseError``. Whether a body is RSS/Atom, a JSON Feed or a web page is decided by its
bytes (``sniff``), the Content-Type only when they say nothing. A web page served where a
feed was expected is searched for its ``<link rel="alternate">`` feed, which then replaces
the configured URL.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from urllib.parse import urljoin

from digest.config import FullText, PollConfig
from digest.errors import FeedParseError, FetchError
from digest.sources.base import ON_ITS_OWN, PollContext, PollResult, SourceState, is_url
from digest.sources.fetch import Fetcher
from digest.sources.page import PageCache, fetch_full_texts, is_teaser
from digest.sources.parse import RawFeed, parse_raw_feed, parse_well_formed_feed, plain_text
from digest.sources.sniff import sniff_document

log = logging.getLogger(__name__)

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
)


def looks_like_html(content: bytes, content_type: str) -> bool:
    """True for a web page rather than a feed: by the bytes, by the Content-Type if unsure."""
    kind = sniff_document(content)
    if kind is not None:
        return kind == "html"
    return "html" in content_type.lower() and "xml" not in content_type.lower()


def discover_feed_links(content: bytes, page_url: str) -> list[str]:
    """Feed URLs a web page advertises with ``<link rel="alternate" type="...">``."""
    import lxml.html  # lxml loads with the first document: a poll of unchanged feeds has none
    from lxml import etree

    try:
        root = lxml.html.document_fromstring(content)
    except (etree.ParserError, ValueError):
        return []
    links = []
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        href = link.get("href")
        if "alternate" in rel and kind in FEED_TYPES and href:
            links.append(urljoin(page_url, href.strip()))
    return list(dict.fromkeys(links))


class FeedSource:
    """One feed, fetched through a shared ``Fetcher`` (URLs) or read from disk (paths).

    ``poll`` is ``fetch``, parsing and ``with_full_text`` in a row. A well-formed feed is
    parsed here (for less than sending its items between processes would cost;
    bench/RESULTS.md); only feedparser's cases go through the poll's ``run_cpu``, to a
    worker process in a big poll.
    """

    def __init__(
        self,
        name: str,
        location: str,
        poll_config: PollConfig,
        fetcher: Fetcher | None = None,
        *,
        full_text: FullText = "auto",
        page_cache: PageCache | None = None,
    ) -> None:
        self.name = name
        self.location = location
        self.poll_config = poll_config
        self.fetcher = fetcher
        self.full_text = full_text
        self.page_cache = page_cache

    def poll(self, state: SourceState, context: PollContext = ON_ITS_OWN) -> PollResult:
        """Fetch (conditionally, for URLs), parse, and fetch full text for teasers."""
        if self.fetcher is None and is_url(self.location):
            with Fetcher(self.poll_config) as fetcher:
                return self._poll_with(fetcher, state, context)
        return self._poll_with(self.fetcher, state, context)

    def _poll_with(
        self, fetcher: Fetcher | None, state: SourceState, context: PollContext
    ) -> PollResult:
        raw = self.fetch(state, fetcher)
        if isinstance(raw, PollResult):
            return raw
        limit = self.poll_config.max_items_per_source
        fast = parse_well_formed_feed(raw, limit) if not raw.is_json else None
        result = fast if fast is not None else context.run_cpu(parse_raw_feed, raw, limit)
        return self.with_full_text(result, fetcher, context.now)

    def fetch(self, state: SourceState, fetcher: Fetcher | None = None) -> RawFeed | PollResult:
        """The feed's bytes, or a ``PollResult`` with no items when it is not modified."""
        fetcher = fetcher or self.fetcher
        if not is_url(self.location):
            path = Path(self.location)
            try:
                content = path.read_bytes()
            except OSError as exc:
                raise FetchError(f"{path}: cannot read feed file ({exc.strerror})") from exc
            return RawFeed(self.name, content, "", self.location, state)
        if fetcher is None:
            raise FetchError(f"{self.location}: no HTTP client to fetch with")
        url = state.url or self.location
        result = fetcher.fetch(
            url, etag=state.etag, last_modified=state.last_modified, origin=self.location
        )
        messages: list[str] = []
        moved_to = result.moved_to
        if moved_to:
            messages.append(f"{url} moved permanently to {moved_to}; using the new address")
        new_state = SourceState(
            etag=result.etag, last_modified=result.last_modified, url=moved_to or state.url
        )
        if result.content is None:
            return PollResult(
                items=(),
                state=new_state,
                not_modified=True,
                warnings=tuple(messages),
                min_interval_seconds=result.max_age,
            )
        content, content_type, final_url = result.content, result.content_type, result.url
        if looks_like_html(content, content_type):
            links = discover_feed_links(content, final_url)
            if not links:
                raise FeedParseError(
                    f"{url} is a web page, and it names no RSS, Atom or JSON feed "
                    '(no <link rel="alternate">); configure the feed\'s own address'
                )
            feed_url = links[0]
            messages.append(f"{url} is a web page; using its feed {feed_url}")
            found = fetcher.fetch(feed_url, origin=self.location)
            if found.content is None:
                raise FeedParseError(f"{feed_url}: empty answer")
            content, content_type, final_url = found.content, found.content_type, found.url
            new_state = SourceState(
                etag=found.etag, last_modified=found.last_modified, url=found.moved_to or feed_url
            )
        return RawFeed(
            self.name, content, content_type, final_url, new_state, tuple(messages), result.max_age
        )

    def with_full_text(
        self, result: PollResult, fetcher: Fetcher | None = None, now: datetime | None = None
    ) -> PollResult:
        """``result`` with teaser bodies replaced by their pages' main text (when enabled).

        The pages are fetched together (``fetch_full_texts``); ``now`` dates page failures.
        """
        fetcher = fetcher or self.fetcher
        if self.full_text is False or fetcher is None or not result.items:
            return result
        plains = [plain_text(item) for item in result.items]
        wanted = [
            item.url
            for item, plain in zip(result.items, plains, strict=True)
            if item.url and (self.full_text is True or is_teaser(plain))
        ]
        texts = fetch_full_texts(
            fetcher, wanted, self.page_cache, origin=self.location, source=self.name, now=now
        )
        enriched = []
        for item, plain in zip(result.items, plains, strict=True):
            text = texts.get(item.url) if item.url else None
            if text and len(text) > len(plain):
                item = replace(item, body=text, body_is_html=False)
            enriched.append(item)
        return replace(result, items=tuple(enriched))
