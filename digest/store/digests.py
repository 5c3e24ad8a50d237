"""Digest records: previews logged, sends claimed and settled (SQL in ``outbox``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa

from digest.store import outbox
from digest.store.base import StoreBase, as_utc
from digest.store.outbox import (
    SETTLED,
    UNKNOWN_LIMIT,
    Claim,
    DigestRecord,
    DigestStatus,
    Lease,
    Settlement,
)
from digest.store.schema import digests_table


class DigestQueries(StoreBase):
    """``Store``'s digest queries."""

    def record_digest(self, record: DigestRecord) -> None:
        """Log a digest that was previewed or sent."""
        with self._begin() as conn:
            conn.execute(
                digests_table.insert().values(
                    subscriber=record.subscriber,
                    period=record.period,
                    kind=record.kind,
                    backend=record.backend,
                    message_id=record.message_id,
                    story_count=record.story_count,
                    created_at=record.created_at,
                    detail=record.detail,
                )
            )

    def claim_digest(
        self,
        record: DigestRecord,
        settle: Sequence[Settlement] = (),
        lease: Lease | None = None,
        now: datetime | None = None,
    ) -> Claim:
        """Reserve a send of ``record``'s period for ``lease``'s owner (``outbox.claim``).

        ``settle`` holds the outcomes of sends finished since the last claim, written in the
        same transaction: one commit per message instead of two. Without a lease the claim
        is nobody's, as before leases existed: any later sender may take it over.
        """
        with self._begin() as conn:
            outbox.settle(conn, settle)
            return outbox.claim(conn, record, lease, now or datetime.now(UTC))

    def renew_leases(self, owner: str, now: datetime | None = None) -> None:
        """Keep ``owner``'s claims its own while it is still sending them."""
        with self._begin() as conn:
            outbox.renew(conn, owner, now or datetime.now(UTC))

    def finish_digest(self, subscriber: str, period: str, status: str, detail: str) -> None:
        """Mark a claimed send as "sent", "failed", "rejected" or "unknown"."""
        self.finish_digests([Settlement(subscriber, period, status, detail)])

    def finish_digests(self, outcomes: Sequence[Settlement]) -> None:
        """Store several sends' outcomes in one transaction."""
        if outcomes:
            with self._begin() as conn:
                outbox.settle(conn, outcomes)

    def sent_subscribers(self, period: str) -> set[str]:
        """Subscribers whose digest for ``period`` is settled: sent, or refused for good."""
        with self._begin() as conn:
            rows = conn.execute(
                sa.select(digests_table.c.subscriber).where(
                    digests_table.c.period == period,
                    digests_table.c.kind == "sent",
                    digests_table.c.status.in_(SETTLED)
                    | (
                        (digests_table.c.status == DigestStatus.UNKNOWN)
                        & (digests_table.c.unknown_count >= UNKNOWN_LIMIT)
                    ),
                )
            ).all()
        return {str(r.subscriber) for r in rows}

    def last_sent_times(self) -> dict[str, datetime]:
        """When each subscriber was last sent a digest, in one query (a send asks for all)."""
        with self._begin() as conn:
            rows = conn.execute(
                sa.select(digests_table.c.subscriber, sa.func.max(digests_table.c.created_at))
                .where(digests_table.c.kind == "sent", digests_table.c.status == "sent")
                .group_by(digests_table.c.subscriber)
            ).all()
        return {
            str(subscriber): at if isinstance(at, datetime) and at.tzinfo else as_utc(at)
            for subscriber, at in rows
            if at is not None
        }

    def queue_counts(self) -> dict[str, int]:
        """Sends not settled for good, by status: "sending" (in progress, or interrupted and
        resent once its lease lapses), "failed" (temporary, retried), "rejected" (refused for
        good) and "unknown" (no answer after handing over: resent once)."""
        with self._begin() as conn:
            return outbox.queue_counts(conn)

    def recent_digests(self, limit: int | None = 20) -> list[DigestRecord]:
        """The latest digest per subscriber, newest first (every one with ``limit=None``)."""
        with self._begin() as conn:
            latest = (
                sa.select(sa.func.max(digests_table.c.id).label("id"))
                .group_by(digests_table.c.subscriber)
                .subquery()
            )
            rows = conn.execute(
                sa.select(digests_table)
                .join(latest, latest.c.id == digests_table.c.id)
                .order_by(digests_table.c.created_at.desc())
                .limit(limit)
            ).all()
        return [
            DigestRecord(
                subscriber=r.subscriber,
                period=r.period,
                kind=r.kind,
                backend=r.backend,
                message_id=r.message_id,
                story_count=r.story_count,
                created_at=r.created_at,
                detail=r.detail,
                status=r.status,
                attempts=r.attempts,
            )
            for r in rows
        ]
