"""The cache of article pages: extracted texts, and failed fetches with their backoff."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import NamedTuple

import sqlalchemy as sa

from digest.store.articles import IN_CHUNK
from digest.store.base import StoreBase
from digest.store.schema import pages_table


class PageRecord(NamedTuple):
    """What the page cache keeps for one article page."""

    text: str | None  # the extracted text ("" if the page had none); None while it fails
    failures: int = 0  # failed fetches in a row
    next_try: datetime | None = None  # a failed page is not fetched again before this
    error: str | None = None  # why the last fetch failed


class PageCache(StoreBase):
    """``Store``'s page-cache queries."""

    def cached_page(self, url: str) -> str | None:
        """The text extracted from ``url`` before; ``""`` if it had none; ``None`` if never
        (or if every fetch so far failed)."""
        record = self.page_records([url]).get(url)
        return None if record is None else record.text

    def page_records(self, urls: Sequence[str]) -> dict[str, PageRecord]:
        """What is kept for each of ``urls`` that has a row: its text or its failures."""
        wanted = sorted(set(urls))
        columns = (
            pages_table.c.url,
            pages_table.c.text,
            pages_table.c.failures,
            pages_table.c.next_try,
            pages_table.c.error,
        )
        found: dict[str, PageRecord] = {}
        with self._begin() as conn:
            for start in range(0, len(wanted), IN_CHUNK):
                chunk = wanted[start : start + IN_CHUNK]
                for row in conn.execute(sa.select(*columns).where(pages_table.c.url.in_(chunk))):
                    failures = int(row.failures or 0)
                    found[str(row.url)] = PageRecord(
                        text=None if failures else str(row.text),
                        failures=failures,
                        next_try=row.next_try,
                        error=row.error,
                    )
        return found

    def cache_page(self, url: str, text: str) -> None:
        """Keep the text extracted from ``url`` (empty when the page had none)."""
        with self._begin() as conn:
            conn.execute(pages_table.delete().where(pages_table.c.url == url))
            conn.execute(
                pages_table.insert().values(url=url, text=text, fetched_at=datetime.now(UTC))
            )

    def page_failed(
        self, url: str, *, error: str, failures: int, next_try: datetime, at: datetime
    ) -> None:
        """Remember that fetching ``url`` failed (``failures`` times in a row) and when it
        may be tried again."""
        with self._begin() as conn:
            conn.execute(pages_table.delete().where(pages_table.c.url == url))
            conn.execute(
                pages_table.insert().values(
                    url=url,
                    text="",
                    fetched_at=at,
                    failures=failures,
                    next_try=next_try,
                    error=error,
                )
            )
