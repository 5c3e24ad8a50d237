"""OPML 2.0 subscription lists: read with care, write what every feed reader imports.

Import reads every ``outline`` carrying an ``xmlUrl`` at any depth (readers nest them in
folders), validates each address, and reports the outlines it skipped with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from lxml import etree

from digest.errors import ConfigError

MAX_OPML_BYTES = 5_000_000


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """One feed in an OPML list."""

    title: str
    url: str


def read_opml(content: bytes, where: str) -> tuple[list[OpmlFeed], list[str]]:
    """The feeds of an OPML document and the reasons any outline was skipped."""
    if len(content) > MAX_OPML_BYTES:
        raise ConfigError("OPML file is too large", key=where, hint="split it into smaller files")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise ConfigError(f"not valid OPML XML ({exc})", key=where, hint="export it again") from exc
    if root.tag != "opml":
        raise ConfigError(
            f"the document is <{root.tag!s}>, not <opml>", key=where, hint="give an OPML file"
        )
    feeds: list[OpmlFeed] = []
    skipped: list[str] = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or "").strip()
        title = (outline.get("title") or outline.get("text") or "").strip()
        if not url:
            continue
        if not url.startswith(("http://", "https://")):
            skipped.append(f"{title or url}: {url!r} is not an http(s) address")
            continue
        feeds.append(OpmlFeed(title=title or url, url=url))
    return feeds, skipped


def write_opml(feeds: list[OpmlFeed], title: str, now: datetime | None = None) -> bytes:
    """An OPML 2.0 document listing ``feeds``."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    etree.SubElement(head, "dateCreated").text = format_datetime(now or datetime.now(UTC))
    body = etree.SubElement(root, "body")
    for feed in feeds:
        etree.SubElement(
            body, "outline", type="rss", text=feed.title, title=feed.title, xmlUrl=feed.url
        )
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
