"""Full text for teaser feeds: fetch the article pages and extract their main text.

Many publishers' feeds carry only a sentence and "Read more". With ``full_text = "auto"`` such
entries get their page fetched and the main text extracted by trafilatura; the furniture
rules then run on it like on any other text. A source's pages are fetched several at a time
through the poll's ``Fetcher``, so they share its limits (``concurrency`` requests in flight,
``per_host_connections`` to one host) with the feeds, and all of them within the source's
page budget (``[poll] page_budget_seconds``): a page not reached in time keeps its teaser
and is fetched at the next poll, so a feed of two hundred slow pages costs one budget per
poll, never hours.

Pages are cached by canonical URL, so a page is fetched once however many polls or feeds
point at it. A page that cannot be fetched (or is still downloading after half the budget)
leaves the teaser in place: the story still appears, just shorter. The failure is
remembered and the page is not asked for again before its next try, an hour later, doubling
per failure in a row to at most a day, however often the feed lists it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from digest.errors import FetchError
from digest.prepare.dedupe import canonical_url
from digest.sources.fetch import Fetcher, OutOfTime

if TYPE_CHECKING:
    from digest.store.pages import PageRecord

log = logging.getLogger(__name__)

TEASER_MAX_CHARS = 400
_TEASER_ENDING = re.compile(
    r"(?:\.\.\.|…|\[\s*(?:\.\.\.|…)\s*\]|read more|continue reading|more\s*»|»)\s*$",
    re.IGNORECASE,
)
PAGE_MAX_BYTES = 3_000_000


# A failed page waits this long before its next try, doubled per failure in a row, capped.
PAGE_RETRY_FIRST = timedelta(hours=1)
PAGE_RETRY_MAX = timedelta(days=1)


class PageCache(Protocol):
    """Where extracted page texts, and failures to fetch pages, are kept between polls."""

    def page_records(self, urls: Sequence[str]) -> dict[str, PageRecord]:
        """What is kept for each of ``urls`` that was fetched (or tried) before."""
        ...

    def cache_page(self, url: str, text: str) -> None:
        """Keep ``text`` (possibly empty) for ``url``; it has no failures any more."""
        ...

    def page_failed(
        self, url: str, *, error: str, failures: int, next_try: datetime, at: datetime
    ) -> None:
        """Remember that ``url`` failed ``failures`` times in a row; not before ``next_try``."""
        ...


def page_retry_delay(failures: int) -> timedelta:
    """How long a page that failed ``failures`` times in a row waits for its next try."""
    factor: int = 2 ** min(max(failures, 1) - 1, 10)
    return min(PAGE_RETRY_FIRST * factor, PAGE_RETRY_MAX)


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
    fetcher: Fetcher,
    url: str,
    cache: PageCache | None,
    *,
    origin: str,
    now: datetime | None = None,
) -> str | None:
    """The main text of the page at ``url`` (see ``fetch_full_texts``)."""
    return fetch_full_texts(fetcher, [url], cache, origin=origin, now=now).get(url)


def fetch_full_texts(
    fetcher: Fetcher,
    urls: Sequence[str],
    cache: PageCache | None,
    *,
    origin: str,
    source: str = "",
    now: datetime | None = None,
) -> dict[str, str]:
    """The main texts of the pages at ``urls``, by URL as given (only pages that have one).

    Cached texts come from ``cache``; pages whose last fetch failed are skipped until their
    next try; the rest are fetched at once, within ``[poll] page_budget_seconds``. ``origin``
    is the feed's configured address: a page at a private address is fetched only when that
    is private too (see ``netguard``). ``source`` names the feed in the log.
    """
    now = now or datetime.now(UTC)
    keys = {url: canonical_url(url) or url for url in urls}
    records = cache.page_records(sorted(set(keys.values()))) if cache is not None else {}
    texts: dict[str, str] = {}
    wanted: dict[str, str] = {}  # canonical URL -> a URL to fetch it by
    for url, key in keys.items():
        record = records.get(key)
        if record is not None and record.text is not None:
            texts[key] = record.text
        elif record is None or record.next_try is None or record.next_try <= now:
            wanted.setdefault(key, url)
    late = 0
    for attempt in _fetch_pages(fetcher, wanted, origin):
        if attempt.text is not None:
            texts[attempt.key] = attempt.text
            if cache is not None:
                cache.cache_page(attempt.key, attempt.text)
        elif attempt.error is not None:
            _remember_failure(cache, records.get(attempt.key), attempt, now)
        else:
            late += 1
    if late:
        log.warning(
            "source %r: page budget of %gs ([poll] page_budget_seconds) used up; "
            "%d article pages keep their teaser until the next poll",
            source or origin,
            fetcher.poll.page_budget_seconds,
            late,
        )
    return {url: texts[key] for url, key in keys.items() if texts.get(key)}


@dataclass(frozen=True, slots=True)
class _Attempt:
    """One page's fetch: its text, or why it failed, or neither (its turn never came)."""

    key: str
    url: str
    text: str | None = None  # "" when the page has no article text
    error: str | None = None


def _fetch_pages(fetcher: Fetcher, wanted: dict[str, str], origin: str) -> list[_Attempt]:
    """Fetch ``wanted`` pages (canonical URL -> URL) concurrently, within the page budget.

    Threads only wait here: how many requests run at once is the ``Fetcher``'s to decide
    (``concurrency`` and ``per_host_connections``), so more threads than one host's
    connections would only queue behind them.
    """
    if not wanted:
        return []
    poll = fetcher.poll
    budget = poll.page_budget_seconds
    deadline = fetcher.monotonic() + budget
    hosts = {(urlsplit(url).hostname or "").lower() for url in wanted.values()}
    threads = min(poll.concurrency, poll.per_host_connections * len(hosts), len(wanted))
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="page") as pool:
        futures = [
            pool.submit(_fetch_page, fetcher, key, url, origin, deadline, budget)
            for key, url in wanted.items()
        ]
    return [future.result() for future in futures]


def _fetch_page(
    fetcher: Fetcher, key: str, url: str, origin: str, deadline: float, budget: float
) -> _Attempt:
    """Fetch one page and extract its text, by ``deadline``; never raises for the page."""
    try:
        result = fetcher.fetch(
            url,
            max_bytes=min(PAGE_MAX_BYTES, fetcher.poll.max_bytes),
            origin=origin,
            deadline=deadline,
        )
    except OutOfTime as exc:
        # Cut off early in its exchange, the page had no fair chance: it waits for the next
        # poll. One that had half the budget is slow, and is remembered like any failure.
        if exc.elapsed < budget / 2:
            return _Attempt(key, url)
        return _Attempt(
            key,
            url,
            error=f"{url}: still downloading after {exc.elapsed:.0f}s, "
            f"half of the page budget ([poll] page_budget_seconds = {budget:g})",
        )
    except FetchError as exc:
        return _Attempt(key, url, error=str(exc))
    text = ""
    if result.content:
        try:
            # Bytes, so trafilatura detects the page's encoding itself.
            text = extract_main_text(result.content, result.url)
        except Exception as exc:
            # One page is one unit of work: a parser giving up on it fails that page only.
            log.warning("full text: could not read %s", url, exc_info=exc)
            return _Attempt(key, url, error=f"{url}: unexpected {type(exc).__name__}: {exc}")
    if not text:
        log.info("full text: no article text found at %s", url)
    return _Attempt(key, url, text=text)


def _remember_failure(
    cache: PageCache | None, record: PageRecord | None, attempt: _Attempt, now: datetime
) -> None:
    """Log a failed page and keep it from being fetched again before its next try."""
    failures = (record.failures if record is not None else 0) + 1
    next_try = now + page_retry_delay(failures)
    log.warning(
        "full text: could not fetch %s: %s (%d in a row; next try %s UTC)",
        attempt.url,
        attempt.error,
        failures,
        f"{next_try:%Y-%m-%d %H:%M}",
    )
    if cache is not None:
        assert attempt.error is not None
        cache.page_failed(
            attempt.key, error=attempt.error, failures=failures, next_try=next_try, at=now
        )
