"""Identity of articles: canonical URLs and content hashes.

Two items are the same article when they share a GUID, a canonical URL, or the same
normalised text. Canonical URLs drop what varies between shares of one page (scheme and host
case, fragments, tracking parameters, default ports); the text hash ignores case, punctuation
and whitespace so that a re-encoded copy of an article is still the same article.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that identify a campaign or a click, never the page.
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "_ga",
        "_gl",
        "ref_src",
        "cmpid",
        "ito",
        "ns_mchannel",
        "ns_source",
        "ns_campaign",
        "ns_linkname",
        "ns_fee",
        "at_medium",
        "at_campaign",
        "at_custom1",
        "at_custom2",
        "at_custom3",
        "at_custom4",
        "CMP",
        "xtor",
        "s_cid",
        "mbid",
        "rss",
        "ocid",
    }
)
TRACKING_PREFIXES = ("utm_", "at_", "ns_", "pk_", "mtm_", "hsa_")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_WORDS = re.compile(r"[^\W_]+")


def canonical_url(url: str | None) -> str | None:
    """The URL as one page is known by, or ``None`` for anything that is not http(s)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key not in TRACKING_PARAMETERS and not key.lower().startswith(TRACKING_PREFIXES)
    ]
    path = parts.path or "/"
    return urlunsplit((scheme, host, path, urlencode(sorted(query)), ""))


def normalised_text(title: str, text: str) -> str:
    """Title and text reduced to lower-case words, for hashing.

    The text arrives NFC-normalised from ``clean``; folding case and keeping only the words
    makes a re-encoded, re-spaced or re-punctuated copy hash the same.
    """
    return " ".join(_WORDS.findall(f"{title}\n{text}".casefold()))


MIN_WORDS_FOR_TEXT_ONLY = 30


def content_hash(title: str, text: str, words: Sequence[str] | None = None) -> str:
    """A stable fingerprint of the normalised text (``words``: its words, when already
    split: ``normalised_text("", text).split()``).

    A re-headlined copy of the same text is the same article, so the title only counts when
    the text is too short to identify the article on its own (a teaser, a one-liner).
    """
    words = normalised_text("", text).split() if words is None else words
    long_enough = len(words) >= MIN_WORDS_FOR_TEXT_ONLY
    basis = " ".join(words) if long_enough else normalised_text(title, text)
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()
