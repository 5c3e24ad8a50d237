"""Parsing feed documents: the fast parser for well-formed RSS and Atom, feedparser for
everything else (broken, mis-encoded, RDF), JSON Feed; entries into ``FeedItem``s.

Parsing may run in a worker process, so it takes a ``RawFeed`` (bytes and what the
response said about them) and returns a ``PollResult``; fetching stays in ``feed``.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from digest.bounds import shorten, strip_controls
from digest.dates import published_from_text
from digest.errors import FeedParseError
from digest.models import FeedItem
from digest.sources.base import PollResult, SourceState, is_url
from digest.sources.jsonfeed import looks_like_json_feed, parse_json_feed

log = logging.getLogger(__name__)

_C1_CONTROLS = re.compile("[\x80-\x9f]")


_SINGLE_BYTE_CHARSETS = frozenset(
    {"iso-8859-1", "latin-1", "latin1", "iso8859-1", "windows-1252", "cp1252", "us-ascii", "ascii"}
)


_CHARSET = re.compile(r"charset\s*=\s*\"?([\w.:-]+)", re.IGNORECASE)


_MARKUP = re.compile(r"<[a-zA-Z/!]|&#?\w+;")


_XML_ENCODING = re.compile(rb"<\?xml[^>]*encoding=[\"']([\w.:-]+)", re.IGNORECASE)

# A feed's title is shown as the outlet of its stories: a name, not a description. A longer
# one is cut (at a word, with "…") so a hostile feed's 20,000-character title cannot fill
# every story's byline.
MAX_FEED_TITLE_CHARS = 100


def feed_title(value: Any) -> str:
    """A feed's title as the outlet a reader sees: one line of text, at most
    ``MAX_FEED_TITLE_CHARS``; "" for none.

    Titles come with markup (an Atom ``type="html"`` title), entities, control characters
    and line breaks from the CMS; they get what item titles get (tags dropped, entities
    decoded) and what every piece of feed text gets (``bounds``).
    """
    if not isinstance(value, str) or not value:
        return ""
    text = html.unescape(re.sub(r"<[^>]+>", "", value))
    return shorten(" ".join(strip_controls(text).split()), MAX_FEED_TITLE_CHARS)


def corrected_content_type(content: bytes, content_type: str) -> str:
    """The Content-Type to parse with: a UTF-8 body mislabelled as Latin-1 is read as UTF-8.

    Valid multi-byte UTF-8 sequences almost never occur in genuine Latin-1 text, so a body
    that decodes as UTF-8 and has non-ASCII bytes is UTF-8 whatever the header claims.
    """
    match = _CHARSET.search(content_type)
    if match is None or match.group(1).lower() not in _SINGLE_BYTE_CHARSETS:
        return content_type
    if content.isascii():
        return content_type
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return content_type
    return _CHARSET.sub("charset=utf-8", content_type)


@dataclass(frozen=True, slots=True)
class RawFeed:
    """A feed document fetched but not yet parsed (parsing may run in another process)."""

    source_name: str
    content: bytes
    content_type: str
    base_url: str
    state: SourceState
    messages: tuple[str, ...] = ()
    max_age: float | None = None

    @property
    def is_json(self) -> bool:
        """A JSON Feed rather than XML."""
        return looks_like_json_feed(self.content, self.content_type)


def parse_raw_feed(raw: RawFeed, max_items: int) -> PollResult:
    """Parse fetched feed bytes (RSS, Atom or JSON Feed) into items; pure CPU work."""
    if raw.is_json:
        found, title = parse_json_feed(
            raw.content, source_name=raw.source_name, base_url=raw.base_url, limit=max_items
        )
        return PollResult(
            items=tuple(found),
            state=raw.state,
            warnings=raw.messages,
            min_interval_seconds=raw.max_age,
            title=feed_title(title),
        )
    fast = parse_well_formed_feed(raw, max_items)
    return fast if fast is not None else parse_with_feedparser(raw, max_items)


def parse_with_feedparser(raw: RawFeed, max_items: int) -> PollResult:
    """Parse any RSS or Atom document, however broken, saying what had to be recovered."""
    messages = list(raw.messages)
    # Headers only for HTTP responses: without a Content-Type feedparser flags a local
    # file as bozo, and the base URL only matters for resolving relative links.
    headers = (
        {
            "content-type": corrected_content_type(raw.content, raw.content_type),
            "content-location": raw.base_url,
        }
        if raw.content_type
        else None
    )
    # Imported here: only polls that parse pay for it (a warm poll of 304s never does).
    import feedparser

    # We turn entry HTML into text ourselves (and escape everything we render), so
    # feedparser's sanitiser and URI rewriting would be work for nothing, and a large part
    # of its time (bench/RESULTS.md).
    parsed = feedparser.parse(
        raw.content, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    if parsed.get("bozo"):
        exception = parsed.get("bozo_exception")
        reason = f"{type(exception).__name__}: {exception}"
        if not parsed.entries:
            raise FeedParseError(f"{raw.base_url}: not a readable feed ({reason})")
        messages.append(
            f"{raw.base_url}: feed has errors, kept {len(parsed.entries)} entries ({reason})"
        )
    if not parsed.entries and not parsed.get("version"):
        raise FeedParseError(f"{raw.base_url}: no RSS, Atom or JSON feed found")
    items = tuple(
        item
        for entry in parsed.entries[:max_items]
        if (item := entry_to_item(entry, raw.source_name, raw.base_url)) is not None
    )
    ttl = _ttl_seconds(parsed.feed.get("ttl"))
    floors = [f for f in (ttl, raw.max_age) if f]
    return PollResult(
        items=items,
        state=raw.state,
        warnings=tuple(messages),
        min_interval_seconds=max(floors) if floors else None,
        title=feed_title(parsed.feed.get("title")),
    )


def parse_well_formed_feed(raw: RawFeed, max_items: int) -> PollResult | None:
    """Parse a well-formed UTF-8 RSS or Atom document with fastfeedparser; else ``None``.

    feedparser costs more per item than everything else a cold poll does together;
    fastfeedparser (lxml underneath) costs a small fraction of that (bench/RESULTS.md). It
    repairs broken XML silently and guesses encodings less carefully, so it only gets
    documents that a strict XML parser accepts and that are UTF-8; anything else goes to
    feedparser, which reports what it had to recover (``bozo``) and sniffs encodings. Both
    give the same entry ids, so an entry keeps its identity whichever parser read it.
    """
    content = raw.content
    if not content.isascii():
        header = _CHARSET.search(corrected_content_type(content, raw.content_type))
        if header is not None and header.group(1).lower() not in ("utf-8", "utf8"):
            return None
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            return None
    declared = _XML_ENCODING.search(content[:200])
    if declared is not None and declared.group(1).lower() not in (b"utf-8", b"utf8", b"us-ascii"):
        return None
    from lxml import etree

    try:
        # No external entities, no network, no recovery: a document a strict parser rejects
        # goes to feedparser, which says what is wrong with it. (A parser per call: lxml
        # parsers are not to be shared between threads.)
        strict = etree.XMLParser(resolve_entities=False, no_network=True)
        root = etree.fromstring(content, parser=strict)
    except etree.XMLSyntaxError:
        return None
    if etree.QName(root).localname not in ("rss", "feed"):
        return None
    import fastfeedparser

    try:
        parsed = fastfeedparser.parse(content, include_media=False, include_enclosures=False)
    except ValueError:
        return None
    entries = parsed.entries[:max_items]
    if any(_needs_feedparser(entry) for entry in entries):
        return None
    items = tuple(
        item
        for entry in entries
        if (item := fast_entry_to_item(entry, raw.source_name, raw.base_url)) is not None
    )
    ttl = _ttl_seconds(root.findtext("channel/ttl"))
    floors = [f for f in (ttl, raw.max_age) if f]
    return PollResult(
        items=items,
        state=raw.state,
        warnings=raw.messages,
        min_interval_seconds=max(floors) if floors else None,
        title=feed_title(parsed.feed.get("title")),
    )


def _needs_feedparser(entry: Any) -> bool:
    """Entries fastfeedparser reads worse than feedparser.

    No body at all is often markup left unescaped inside ``<description>``, which
    fastfeedparser drops and feedparser keeps; C1 control characters are Windows-1252
    punctuation mis-encoded upstream, which feedparser repairs.
    """
    body = entry.get("description") or "".join(
        c.get("value") or "" for c in entry.get("content") or []
    )
    return not body or _C1_CONTROLS.search(body + str(entry.get("title") or "")) is not None


def fast_entry_to_item(entry: Any, source_name: str, feed_url: str) -> FeedItem | None:
    """One fastfeedparser entry as a ``FeedItem``, with ``entry_to_item``'s rules."""
    contents = entry.get("content") or []
    body, kind = "", "html"
    if contents:
        best = max(contents, key=lambda c: len(c.get("value") or ""))
        body, kind = best.get("value") or "", best.get("type") or "html"
    if not body:
        body, kind = entry.get("description") or "", "html"
    published = None
    for key in ("published", "updated"):
        value = entry.get(key)
        if value:
            try:
                published = datetime.fromisoformat(str(value))
            except ValueError:
                continue
            # Whole seconds, as feedparser gives them, so either parser dates an entry alike.
            published = published.replace(microsecond=0)
            if published.tzinfo is None:
                published = published.replace(tzinfo=UTC)
            break
    return _make_item(
        source_name,
        feed_url,
        title=str(entry.get("title") or "").strip(),
        body=str(body),
        # fastfeedparser keeps <content>'s type but not <summary>'s or <description>'s; a
        # body with no tag and no entity reads the same either way, and as text it keeps
        # its line breaks and its literal "<" and "&".
        is_html="html" in kind and _MARKUP.search(str(body)) is not None,
        link=entry.get("link") or None,
        entry_id=entry.get("id") or None,
        published=published,
    )


def plain_text(item: FeedItem) -> str:
    return re.sub(r"<[^>]+>", " ", item.body) if item.body_is_html else item.body


def _ttl_seconds(value: Any) -> float | None:
    """RSS ``<ttl>`` (minutes) in seconds."""
    try:
        minutes = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return minutes * 60 if minutes > 0 else None


def entry_to_item(entry: Any, source_name: str, feed_url: str) -> FeedItem | None:
    """One feedparser entry as a ``FeedItem``; ``None`` when it has neither title nor text.

    Identity is stable across polls: the entry's id, else its link, else a hash of the feed
    and the title (or the text, for an untitled entry), so an entry with neither id nor link
    is still recognised the next time it is seen.
    """
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
    return _make_item(
        source_name,
        feed_url,
        title=title,
        body=body,
        is_html=is_html,
        link=entry.get("link") or None,
        entry_id=entry.get("id") or None,
        published=_entry_date(entry),
    )


def _make_item(
    source_name: str,
    feed_url: str,
    *,
    title: str,
    body: str,
    is_html: bool,
    link: str | None,
    entry_id: str | None,
    published: datetime | None,
) -> FeedItem | None:
    if not title and not body:
        return None
    if link:
        link = urljoin(feed_url, str(link)) if is_url(feed_url) else str(link)
    guid = entry_id or link
    if not guid:
        # Tags and spacing out of the basis: parsers differ in how they serialise both.
        basis = " ".join(re.sub(r"<[^>]+>", " ", title or body).split())
        guid = "urn:seatwatch:" + hashlib.sha256(f"{feed_url}\n{basis}".encode()).hexdigest()[:24]
    if not title:
        title = re.sub(r"<[^>]+>", " ", body).strip().split(".")[0][:120]
    if published is None:
        # An undated entry is dated by its own dateline or address, not by when it was read.
        published = published_from_text(re.sub(r"<[^>]+>", "\n", body), link)
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
