"""Which links a digest may carry: absolute ``http`` and ``https`` ones, nothing else.

A feed decides what its items link to, and a digest turns those links into ``<a href>`` and
bare URLs a mail client makes clickable. ``javascript:``, ``vbscript:``, ``data:`` and
``file:`` links (or a relative one, which a webmail would resolve against its own site)
must never be offered to a reader, however they are disguised: mixed case, leading spaces
or control characters (browsers drop them before reading the scheme), tabs and newlines
inside the scheme (dropped too), or HTML character references (``&#106;avascript:``) that a
later decoding step could turn into the real thing. Anything doubtful is refused: the
story is then shown without a link.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

SAFE_SCHEMES = frozenset({"http", "https"})
# What the WHATWG URL parser strips from both ends (C0 controls and space) and removes
# everywhere (tab, CR, LF) before it reads the scheme.
_EDGES = "".join(chr(c) for c in range(0x21))
_REMOVED_INSIDE = re.compile("[\t\r\n]")
_CONTROL = re.compile("[\x00-\x20\x7f-\x9f]")
# Longer than any real article address; a megabyte "link" is not one.
MAX_LINK_CHARS = 2048


def safe_link(url: str | None) -> str | None:
    """``url`` when it is an absolute ``http``/``https`` link with a host, else ``None``.

    The link is returned as the browser would read it (ends trimmed, tabs and newlines
    gone); one still holding a space or control character is refused rather than repaired.
    """
    if not url:
        return None
    link = _REMOVED_INSIDE.sub("", url.strip(_EDGES))
    if not link or len(link) > MAX_LINK_CHARS or _CONTROL.search(link):
        return None
    # Judged as written and as it reads once its character references are decoded: both
    # must be an http(s) link, so no decoding step later can uncover another scheme.
    for form in (link, html.unescape(link)):
        if not _is_web_link(_REMOVED_INSIDE.sub("", form.strip(_EDGES))):
            return None
    return link


def _is_web_link(link: str) -> bool:
    try:
        parts = urlsplit(link)
        host = parts.hostname
    except ValueError:  # a malformed IPv6 host or port
        return False
    return (
        parts.scheme.lower() in SAFE_SCHEMES
        and bool(host)
        and link.lower().startswith(("http://", "https://"))
    )
