"""HTTP fetching with limits: timeouts, a byte cap enforced while streaming, redirects capped.

This is the only place that talks HTTP for sources, and the only place that turns httpx
errors into ``FetchError``: nothing a server sends can hang a poll or fill memory.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx

from digest.config import PollConfig
from digest.errors import FetchError

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The body (``None`` when 304 Not Modified) and the validators to keep."""

    url: str
    status: int
    content: bytes | None
    content_type: str
    etag: str | None
    last_modified: str | None


def make_client(poll: PollConfig, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """The shared client: one connection pool for every source of a poll."""
    return httpx.Client(
        timeout=httpx.Timeout(poll.timeout_seconds, connect=min(10.0, poll.timeout_seconds)),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={
            "User-Agent": poll.user_agent,
            "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, "
            "text/xml;q=0.9, */*;q=0.5",
        },
        transport=transport,
    )


def fetch(
    client: httpx.Client,
    url: str,
    *,
    max_bytes: int,
    etag: str | None = None,
    last_modified: str | None = None,
) -> FetchResult:
    """GET ``url`` conditionally; raise ``FetchError`` on any failure, with the reason."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                return FetchResult(
                    url=str(response.url),
                    status=304,
                    content=None,
                    content_type="",
                    etag=response.headers.get("ETag", etag),
                    last_modified=response.headers.get("Last-Modified", last_modified),
                )
            if response.status_code >= 400:
                raise FetchError(f"{url}: HTTP {response.status_code} {response.reason_phrase}")
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"{url}: body of {declared} bytes exceeds the {max_bytes} limit")
            chunks: list[bytes] = []
            received = 0
            for chunk in response.iter_bytes():
                received += len(chunk)
                if received > max_bytes:
                    raise FetchError(f"{url}: body exceeds the {max_bytes}-byte limit; aborted")
                chunks.append(chunk)
            return FetchResult(
                url=str(response.url),
                status=response.status_code,
                content=b"".join(chunks),
                content_type=response.headers.get("Content-Type", ""),
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
            )
    except httpx.TooManyRedirects as exc:
        raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects") from exc
    except httpx.TimeoutException as exc:
        raise FetchError(f"{url}: timed out ({type(exc).__name__})") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from exc
