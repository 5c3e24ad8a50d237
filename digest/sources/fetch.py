"""HTTP fetching for sources: polite, conditional, and bounded in time and size.

One ``Fetcher`` per poll holds one ``httpx.Client`` (one connection pool, keep-alive) shared by
worker threads. Concurrency is bounded overall by the number of workers and per host by a
semaphore, so a poll of a thousand feeds never opens more than ``per_host_connections`` to
one publisher, and by a semaphore of ``concurrency`` requests in flight: article pages,
fetched by several threads per source, share these limits with the feeds. A caller may give
a fetch its own deadline (a source's page budget): waiting for a slot counts against it.
Every response is bounded: connect and read timeouts, a total deadline
covering the whole exchange (connect, headers and body: ``netguard``), a byte cap on the
decoded body enforced while streaming and decoding in bounded pieces (``decode``: a
compression bomb is abandoned at the cap, never inflated then checked) and a redirect cap.
Connections go only to public addresses unless the source is itself local or the operator
allows private ones (``netguard``). The time publishers keep each source's fetches waiting is
counted (``waited``): the poll opens up to more sources at once behind slow publishers.

This is the only place that turns httpx errors into ``FetchError`` subclasses: the rest of
seatwatch never sees an httpx exception.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from digest.config import PollConfig
from digest.errors import FetchError
from digest.sources.decode import ACCEPT_ENCODING, UndecodableBody, decoded
from digest.sources.netguard import (
    AddressPolicy,
    AddressRefused,
    Exchange,
    GuardedBackend,
    exchange,
)
from digest.sources.transport import CookielessClient, TransportPerScheme
from digest.web import parse_retry_after

log = logging.getLogger(__name__)

PERMANENT_REDIRECTS = frozenset({301, 308})
_MAX_AGE = re.compile(r"(?:^|,)\s*(?:s-maxage|max-age)\s*=\s*\"?(\d+)", re.IGNORECASE)


class RetryLater(FetchError):
    """The server asked us to come back later (429 or 503, maybe with ``Retry-After``)."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class OutOfTime(FetchError):
    """The deadline the caller gave ``Fetcher.fetch`` passed.

    ``elapsed`` is how long the exchange had run when it was cut off, 0.0 when it never
    started (no connection slot came free in time).
    """

    def __init__(self, message: str, elapsed: float) -> None:
        super().__init__(message)
        self.elapsed = elapsed


class SourceGone(FetchError):
    """The server says the resource is gone for good (410): the source is disabled."""


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One response: the body (``None`` when 304 Not Modified) and what to remember."""

    url: str
    status: int
    content: bytes | None
    content_type: str
    etag: str | None
    last_modified: str | None
    moved_to: str | None = None
    max_age: float | None = None


def parse_max_age(cache_control: str | None) -> float | None:
    """``max-age`` (or ``s-maxage``) seconds from a ``Cache-Control`` header."""
    if not cache_control or "no-store" in cache_control.lower():
        return None
    match = _MAX_AGE.search(cache_control)
    return float(match.group(1)) if match else None


def _permanent_target(response: httpx.Response) -> str | None:
    """Where a chain of permanent redirects from the requested URL leads, if it starts with one.

    Only an unbroken run of 301/308 from the first hop moves the source: a temporary redirect
    in between means the publisher may change its mind.
    """
    target = None
    hops = [*response.history, response]
    for index, hop in enumerate(hops[:-1]):
        if hop.status_code not in PERMANENT_REDIRECTS:
            break
        target = str(hops[index + 1].request.url)
    return target


class Fetcher:
    """A shared HTTP client with per-host limits, for one poll's worker threads."""

    def __init__(
        self,
        poll: PollConfig,
        transport: httpx.BaseTransport | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        policy: AddressPolicy | None = None,
    ) -> None:
        self.poll = poll
        self.monotonic = monotonic
        self.policy = policy or AddressPolicy()
        backend = GuardedBackend(self.policy, allow_private=poll.allow_private_addresses)
        limits = httpx.Limits(
            max_connections=poll.concurrency, max_keepalive_connections=poll.concurrency
        )
        self.client = CookielessClient(
            timeout=httpx.Timeout(
                poll.timeout_seconds,
                connect=min(poll.connect_timeout_seconds, poll.timeout_seconds),
            ),
            follow_redirects=True,
            max_redirects=poll.max_redirects,
            headers={
                "User-Agent": poll.user_agent,
                "Accept": "application/rss+xml, application/atom+xml, application/feed+json, "
                "application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.5, */*;q=0.3",
                # Only what ``decode`` can undo in bounded pieces.
                "Accept-Encoding": ACCEPT_ENCODING,
            },
            transport=transport or TransportPerScheme(limits, backend),
        )
        self._hosts: dict[str, threading.BoundedSemaphore] = {}
        self._in_flight = threading.BoundedSemaphore(poll.concurrency)
        self._hosts_lock = threading.Lock()
        self._local: dict[tuple[str, int], bool] = {}
        self._waited: dict[str, float] = {}

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self.client.close()

    def _host_slot(self, url: str) -> threading.BoundedSemaphore:
        host = (urlsplit(url).hostname or "").lower()
        with self._hosts_lock:
            slot = self._hosts.get(host)
            if slot is None:
                slot = threading.BoundedSemaphore(self.poll.per_host_connections)
                self._hosts[host] = slot
            return slot

    def is_local(self, url: str) -> bool:
        """True when ``url``'s host resolves to a private address (a source on our network)."""
        parts = urlsplit(url)
        key = (
            (parts.hostname or "").lower(),
            parts.port or (443 if parts.scheme == "https" else 80),
        )
        with self._hosts_lock:
            known = self._local.get(key)
        if known is None:
            known = self.policy.is_local(*key)
            with self._hosts_lock:
                self._local[key] = known
        return known

    def waited(self, origin: str) -> float:
        """Seconds publishers kept the fetches for the source at ``origin`` waiting since the
        last call (which forgets them).

        Each fetch counts from its request sent to its answer read in full (a failed one to
        its failure), through any redirects: what the publisher and the network took. Not
        counted: waiting for a connection slot (our own limits), and what this process does
        before and after, including its waits for a CPU and for the interpreter, which grow
        with the number of threads on a busy machine and would make fast publishers look
        slow. Two sources configured with the same address share one count.
        """
        with self._hosts_lock:
            return self._waited.pop(origin, 0.0)

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        max_bytes: int | None = None,
        origin: str | None = None,
        deadline: float | None = None,
    ) -> FetchResult:
        """GET ``url`` (conditionally when validators are given); raise ``FetchError``.

        ``origin`` is the configured address of the source this fetch is for (``url``
        itself by default): when it is local, this fetch may reach private addresses too.
        ``deadline`` (on ``monotonic``'s clock) ends the fetch, waiting for a slot included,
        with ``OutOfTime``; ``total_timeout_seconds`` applies as well. The time the publisher
        takes is added to ``origin``'s count (``waited``).
        """
        origin = origin or url
        allow_private = self.poll.allow_private_addresses or self.is_local(origin)
        # The host's slot first: a thread waiting for a busy host holds no poll-wide slot.
        with (
            self._slot(self._host_slot(url), url, deadline),
            self._slot(self._in_flight, url, deadline),
        ):
            sent: list[float] = []

            def on_trace(event: str, info: dict[str, Any]) -> None:
                # httpcore's trace: the first request of the exchange has been written.
                if not sent and event.endswith("receive_response_headers.started"):
                    sent.append(self.monotonic())

            try:
                return self._fetch(
                    url,
                    etag,
                    last_modified,
                    max_bytes or self.poll.max_bytes,
                    allow_private,
                    deadline,
                    on_trace,
                )
            finally:
                if sent:
                    waited = self.monotonic() - sent[0]
                    with self._hosts_lock:
                        self._waited[origin] = self._waited.get(origin, 0.0) + waited

    @contextmanager
    def _slot(
        self, slot: threading.BoundedSemaphore, url: str, deadline: float | None
    ) -> Iterator[None]:
        """Hold ``slot`` for a fetch; ``OutOfTime`` if it does not come free by ``deadline``."""
        timeout = None if deadline is None else max(0.0, deadline - self.monotonic())
        if timeout == 0.0 or not slot.acquire(timeout=timeout):
            raise OutOfTime(f"{url}: not started: its time ran out waiting for a connection", 0.0)
        try:
            yield
        finally:
            slot.release()

    def _fetch(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        max_bytes: int,
        allow_private: bool,
        cut_off: float | None = None,
        on_trace: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> FetchResult:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        total = self.poll.total_timeout_seconds
        began = self.monotonic()
        deadline = began + total
        if cut_off is not None and cut_off < deadline:
            deadline = cut_off
        else:
            cut_off = None  # the total timeout comes first: it is what ends the fetch

        def out_of_time() -> OutOfTime:
            elapsed = self.monotonic() - began
            return OutOfTime(f"{url}: stopped after {elapsed:.1f}s: its time ran out", elapsed)

        try:
            with (
                exchange(Exchange(deadline, self.monotonic, allow_private)),
                self.client.stream(
                    "GET",
                    url,
                    headers=headers,
                    extensions={"trace": on_trace} if on_trace else None,
                ) as response,
            ):
                moved_to = _permanent_target(response)
                status = response.status_code
                if status == 304:
                    # Read the (empty) body to its end, or the connection is closed instead
                    # of going back to the pool: a new TCP connection per unchanged feed.
                    response.read()
                    return FetchResult(
                        url=str(response.url),
                        status=304,
                        content=None,
                        content_type="",
                        etag=response.headers.get("ETag", etag),
                        last_modified=response.headers.get("Last-Modified", last_modified),
                        moved_to=moved_to,
                        max_age=parse_max_age(response.headers.get("Cache-Control")),
                    )
                if status == 410:
                    raise SourceGone(f"{url}: HTTP 410 Gone; the source is disabled")
                if status in (429, 503):
                    wait = parse_retry_after(response.headers.get("Retry-After"))
                    after = f", Retry-After {wait:.0f}s" if wait is not None else ""
                    raise RetryLater(f"{url}: HTTP {status} {response.reason_phrase}{after}", wait)
                if status >= 400:
                    raise FetchError(f"{url}: HTTP {status} {response.reason_phrase}")
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise FetchError(
                        f"{url}: body of {declared} bytes exceeds the {max_bytes}-byte limit"
                    )
                chunks: list[bytes] = []
                received = 0
                encoding = response.headers.get("Content-Encoding", "")
                for chunk in decoded(response.iter_raw(), encoding):
                    received += len(chunk)
                    if received > max_bytes:
                        raise FetchError(
                            f"{url}: body exceeds the {max_bytes}-byte limit"
                            f"{' once decompressed' if encoding else ''}; download aborted"
                        )
                    if self.monotonic() > deadline:
                        if cut_off is not None:
                            raise out_of_time()
                        raise FetchError(f"{url}: still downloading after {total:g}s; aborted")
                    chunks.append(chunk)
                return FetchResult(
                    url=str(response.url),
                    status=status,
                    content=b"".join(chunks),
                    content_type=response.headers.get("Content-Type", ""),
                    etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"),
                    moved_to=moved_to,
                    max_age=parse_max_age(response.headers.get("Cache-Control")),
                )
        except httpx.TooManyRedirects as exc:
            raise FetchError(f"{url}: more than {self.poll.max_redirects} redirects") from exc
        except AddressRefused as exc:
            raise AddressRefused(f"{url}: {exc}") from exc
        except UndecodableBody as exc:
            raise UndecodableBody(f"{url}: {exc}") from exc
        except httpx.TimeoutException as exc:
            if self.monotonic() >= deadline:
                if cut_off is not None:
                    raise out_of_time() from exc
                raise FetchError(
                    f"{url}: still downloading after {total:g}s "
                    "([poll] total_timeout_seconds); aborted"
                ) from exc
            raise FetchError(f"{url}: timed out ({type(exc).__name__})") from exc
        except httpx.DecodingError as exc:
            raise FetchError(f"{url}: body could not be decoded ({exc})") from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from exc
