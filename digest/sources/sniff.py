"""What a fetched document is, decided by its bytes: publishers' Content-Types are unreliable.

RSS served as ``text/html`` or ``application/json`` is common (a CMS default, a CDN rule), so
the first element of the document (or its first character, for JSON) decides. The
Content-Type is only the fallback for bytes that say nothing (an empty body, UTF-16).
"""

from __future__ import annotations

import re
from typing import Literal

Kind = Literal["feed", "json", "html"]

_HEAD_BYTES = 4096
_COMMENT = re.compile(rb"<!--.*?(?:-->|$)", re.DOTALL)
_DOCTYPE_HTML = re.compile(rb"<!doctype\s+html", re.IGNORECASE)
_FIRST_ELEMENT = re.compile(rb"<([A-Za-z][\w.:-]*)")
_FEED_ROOTS = frozenset({b"rss", b"feed", b"rdf"})


def sniff_document(content: bytes) -> Kind | None:
    """``"feed"`` (RSS, Atom, RDF), ``"json"``, ``"html"``, or ``None`` when unsure."""
    head = content[:_HEAD_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"{", b"["):
        return "json"
    head = _COMMENT.sub(b"", head)
    first = _FIRST_ELEMENT.search(head)
    if first is not None:
        name = first.group(1).lower().rsplit(b":", 1)[-1]
        if name in _FEED_ROOTS:
            return "feed"
        if name in (b"html", b"head", b"body"):
            return "html"
    if _DOCTYPE_HTML.search(head):
        return "html"
    return None
