"""The web's own formats, read the same way by the end that fetches and the end that sends.

Pure functions over header values, on the ground floor: the feed fetcher
(``sources.fetch``) and the HTTP mail backends (``delivery.backends.http``) both honour a
``Retry-After``, and neither should import the other for it.
"""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
