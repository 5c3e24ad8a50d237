"""Full text for teaser feeds: fetch the article page and extract its main text.

Many publishers' feeds carry only a sentence and "Read more". With ``full_text = "auto"`` such
entries get their page fetched (through the same ``Fetcher``: same limits, same per-host
politeness) and the main text extracted by trafilatura; the furniture rules then run on it
like on any other text. Pages are cached by canonical URL, so a page is fetched once however
many polls or feeds point at it. A page that cannot be fetched or yields no text leaves the
teaser in place: the story still appears, just shorter.
"""

from __future__ import annotations

import logging
import re
from typing import Protocol

from digest.errors import FetchError
from digest.prepare.dedupe import canonical_url
from digest.sources.fetch import Fetcher

log = logging.getLogger(__name__)

TEASER_MAX_CHARS = 400
_TEASER_ENDING = re.compile(
    r"(?:\.\.\.|…|\[\s*(?:\.\.\.|…)\s*\]|read more|continue reading|more\s*»|»)\s*$",
    re.IGNORECASE,
)
PAGE_MAX_BYTES = 3_000_000


class PageCache(Protocol):
    """Where extracted page texts are kept between polls."""

    def cached_page(self, url: str) -> str | None:
        """The text kept for ``url``; ``""`` when the page gave none, ``None`` if never fetched."""
        ...

    def cache_page(self, url: str, text: str) -> None:
        """Keep ``text`` (possibly empty) for ``url``."""
        ...


def is_teaser(text: str) -> bool:
    """True for a body that is a short teaser or ends like one ("...", "Read more")."""
    stripped = text.strip()
    return len(stripped) < TEASER_MAX_CHARS or _TEASER_ENDING.search(stripped) is not None


def extract_main_text(html: bytes | str, url: str) -> str:
    """The article text of a page, paragraphs separated by blank lines ("" if none)."""
    import trafilatura  # imported on first use: it is slow to import and most polls need none

    text = trafilatura.extract(
        html,
        url=url,
        include_comments=False,
        include_tables=False,
        include_images=False,
        favor_precision=True,
        deduplicate=True,
    )
    if not text:
        return ""
    return "\n\n".join(line.strip() for line in text.splitlines() if line.strip())


def fetch_full_text(
    fetcher: Fetcher, url: str, cache: PageCache | None, *, origin: str
) -> str | None:
    """The main text of the page at ``url``, from the cache when fetched before.

    ``origin`` is the feed's configured address: a page at a private address is fetched
    only when that is private too (see ``netguard``).
    """
    key = canonical_url(url) or url
    if cache is not None:
        cached = cache.cached_page(key)
        if cached is not None:
            return cached or None
    try:
        result = fetcher.fetch(
            url,
            max_bytes=min(PAGE_MAX_BYTES, fetcher.poll.max_bytes),
            origin=origin,
        )
    except FetchError as exc:
        log.warning("full text: could not fetch %s: %s", url, exc)
        return None
    text = ""
    if result.content:
        # Bytes, so trafilatura detects the page's encoding itself.
        text = extract_main_text(result.content, result.url)
    if not text:
        log.info("full text: no article text found at %s", url)
    if cache is not None:
        cache.cache_page(key, text)
    return text or None
