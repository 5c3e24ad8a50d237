"""The outbox: one row per subscriber and digest period, claimed before a message is sent.

A send claims a subscriber's period (status ``sending``) before the backend sees the
message, and settles it afterwards (``sent``, ``failed``, ``rejected`` or ``unknown``). The
row is the promise that nobody gets two different copies of a period's digest and nobody
loses one:

- A claim belongs to a live sender. It carries a lease: the sender's identity
  (``host:pid:nonce``) and an expiry, renewed while that sender runs. Another sender, say a
  cron job beside the daemon or a manual ``digest send``, skips a row whose lease is live
  ("busy") and claims only rows nobody holds. So two senders on one store share the work
  and never send the same period twice.
- A sender that died (killed, crashed, its host lost) leaves ``sending`` rows. They are sent
  again, with the same Message-ID, once the lease has lapsed, or at once when the owner was
  a process on this host that no longer exists.
- ``unknown``: the message was handed over and the server never answered. It may have
  arrived, so it is resent at most once, by a later run, with the same Message-ID.
- ``failed`` (temporary) is retried by the next run; ``sent`` and ``rejected`` are final.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from digest.store.base import as_utc
from digest.store.schema import digests_table

# How long a claim stays a live sender's without renewal, and how often a sender renews.
# A sender renews while it waits for slow servers, so only a dead one lets a lease lapse.
LEASE_SECONDS = 120.0
RENEW_EVERY_SECONDS = 30.0
# Sends that may end "unknown" before a period counts as settled: the first unknown is
# resent once by a later run, a second is not.
UNKNOWN_LIMIT = 2


class DigestStatus(StrEnum):
    """Where one digest row stands."""

    DONE = "done"  # a preview, logged
    SENDING = "sending"  # claimed by a sender (see the lease)
    SENT = "sent"  # accepted by the backend: never sent again
    FAILED = "failed"  # a temporary failure: the next run tries again
    REJECTED = "rejected"  # refused for good: never sent again
    UNKNOWN = "unknown"  # handed over, no answer: resent once by a later run


# A period counts as settled (no digest due) once its row is in one of these.
SETTLED = (DigestStatus.SENT, DigestStatus.REJECTED)


class Claim(StrEnum):
    """What claiming a period gave."""

    NEW = "new"  # never claimed before: send it
    RESEND = "resend"  # a lapsed or failed send: send again, same Message-ID
    DONE = "done"  # sent, refused or unknown twice: do not send
    BUSY = "busy"  # another live sender holds it: leave it to them


@dataclass(frozen=True, slots=True)
class DigestRecord:
    """One digest that was previewed or sent."""

    subscriber: str
    period: str
    kind: str
    backend: str
    message_id: str
    story_count: int
    created_at: datetime
    detail: str
    status: str = DigestStatus.DONE  # previews: done; sends: see DigestStatus
    attempts: int = 0  # runs that tried to send it


class Settlement(NamedTuple):
    """How a claimed send ended."""

    subscriber: str
    period: str
    status: str  # DigestStatus: sent, failed, rejected or unknown
    detail: str
    owner: str = ""  # the claim's lease owner; "" settles whoever holds it


def new_owner() -> str:
    """This sender's identity in leases: host, process and a nonce for this send run."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def owner_gone(owner: str) -> bool:
    """Whether ``owner`` was a process on this host that no longer runs.

    Only this host's processes can be checked; an owner elsewhere is gone only when its
    lease lapses. An empty owner is a claim made before leases existed: nobody holds it.
    """
    if not owner:
        return True
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # it runs, as another user
        return False
    return False


@dataclass(frozen=True, slots=True)
class Lease:
    """Who claims, and until when the claim holds without renewal."""

    owner: str
    seconds: float = LEASE_SECONDS

    def until(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.seconds)


def claim(
    conn: Connection,
    record: DigestRecord,
    lease: Lease | None,
    now: datetime,
) -> Claim:
    """Reserve ``record``'s period for this sender, in the caller's transaction.

    The common case, a period not claimed before, is one statement. Otherwise the row is
    read and taken over only if nobody live holds it; the update repeats what was read as
    its condition, so of two senders racing for a lapsed row exactly one gets it.
    """
    values = {
        "b_subscriber": record.subscriber,
        "b_period": record.period,
        "b_backend": record.backend,
        "b_message_id": record.message_id,
        "b_story_count": record.story_count,
        "b_created_at": record.created_at,
        "b_owner": lease.owner if lease else "",
        "b_until": lease.until(now) if lease else None,
    }
    if conn.execute(_CLAIM_NEW, values).rowcount:
        return Claim.NEW
    row = conn.execute(_CLAIM_STATUS, values).first()
    if row is None:  # pragma: no cover - the insert above conflicted with this very row
        return Claim.BUSY
    status = row.status
    if status in SETTLED:
        return Claim.DONE
    if status == DigestStatus.UNKNOWN and row.unknown_count >= UNKNOWN_LIMIT:
        return Claim.DONE
    mine = lease is not None and row.lease_owner == lease.owner
    if status == DigestStatus.SENDING and not mine:
        lapsed = row.lease_until is None or as_utc(row.lease_until) <= now
        if not lapsed and not owner_gone(str(row.lease_owner)):
            return Claim.BUSY
    taken = conn.execute(
        _CLAIM_AGAIN,
        {
            **values,
            "b_seen_status": status,
            "b_seen_owner": row.lease_owner,
            "b_seen_attempts": row.attempts,
        },
    )
    return Claim.RESEND if taken.rowcount else Claim.BUSY


def renew(conn: Connection, owner: str, now: datetime, seconds: float = LEASE_SECONDS) -> None:
    """Extend every lease ``owner`` holds on rows still being sent."""
    conn.execute(
        digests_table.update()
        .where(
            digests_table.c.kind == "sent",
            digests_table.c.status == DigestStatus.SENDING,
            digests_table.c.lease_owner == owner,
        )
        .values(lease_until=now + timedelta(seconds=seconds))
    )


def settle(conn: Connection, outcomes: Sequence[Settlement]) -> None:
    """Store how claimed sends ended; a row another sender has taken over since is theirs."""
    if outcomes:
        conn.execute(_SETTLE, [_settle_params(outcome) for outcome in outcomes])


def _settle_params(outcome: Settlement) -> dict[str, Any]:
    return {f"b_{name}": value for name, value in outcome._asdict().items()}


# A send's period of one subscriber: the row ``ux_digests_sent_period`` keeps unique.
_SENT_PERIOD = (
    (digests_table.c.subscriber == sa.bindparam("b_subscriber"))
    & (digests_table.c.period == sa.bindparam("b_period"))
    & (digests_table.c.kind == "sent")
)
# The statements are built once: building SQLAlchemy expressions per call cost more than
# SQLite's work, and a send claims once per message.
_CLAIM_NEW = (
    sqlite_insert(digests_table)
    .values(
        subscriber=sa.bindparam("b_subscriber"),
        period=sa.bindparam("b_period"),
        kind="sent",
        backend=sa.bindparam("b_backend"),
        message_id=sa.bindparam("b_message_id"),
        story_count=sa.bindparam("b_story_count"),
        created_at=sa.bindparam("b_created_at"),
        detail="",
        status=DigestStatus.SENDING.value,
        attempts=1,
        lease_owner=sa.bindparam("b_owner"),
        lease_until=sa.bindparam("b_until", type_=digests_table.c.lease_until.type),
        unknown_count=0,
    )
    .on_conflict_do_nothing(
        index_elements=["subscriber", "period"], index_where=sa.text("kind = 'sent'")
    )
)
_CLAIM_STATUS = sa.select(
    digests_table.c.status,
    digests_table.c.lease_owner,
    digests_table.c.lease_until,
    digests_table.c.attempts,
    digests_table.c.unknown_count,
).where(_SENT_PERIOD)
_CLAIM_AGAIN = (
    digests_table.update()
    .where(
        _SENT_PERIOD,
        digests_table.c.status == sa.bindparam("b_seen_status"),
        digests_table.c.lease_owner == sa.bindparam("b_seen_owner"),
        digests_table.c.attempts == sa.bindparam("b_seen_attempts"),
    )
    .values(
        backend=sa.bindparam("b_backend"),
        message_id=sa.bindparam("b_message_id"),
        story_count=sa.bindparam("b_story_count"),
        created_at=sa.bindparam("b_created_at"),
        status=DigestStatus.SENDING.value,
        attempts=digests_table.c.attempts + 1,
        lease_owner=sa.bindparam("b_owner"),
        lease_until=sa.bindparam("b_until", type_=digests_table.c.lease_until.type),
    )
)
_SETTLE = (
    digests_table.update()
    .where(
        _SENT_PERIOD,
        (sa.bindparam("b_owner") == "") | (digests_table.c.lease_owner == sa.bindparam("b_owner")),
    )
    .values(
        status=sa.bindparam("b_status"),
        detail=sa.bindparam("b_detail"),
        lease_until=None,
        unknown_count=digests_table.c.unknown_count
        + sa.case((sa.bindparam("b_status") == DigestStatus.UNKNOWN.value, 1), else_=0),
    )
)


def queue_counts(conn: Connection) -> dict[str, int]:
    """Sends not settled for good, by status."""
    waiting = (
        DigestStatus.SENDING,
        DigestStatus.FAILED,
        DigestStatus.REJECTED,
        DigestStatus.UNKNOWN,
    )
    rows = conn.execute(
        sa.select(digests_table.c.status, sa.func.count())
        .where(digests_table.c.kind == "sent", digests_table.c.status.in_(waiting))
        .group_by(digests_table.c.status)
    ).all()
    counts = {str(status): 0 for status in waiting}
    counts.update({str(status): int(count) for status, count in rows})
    return counts


__all__ = [
    "LEASE_SECONDS",
    "RENEW_EVERY_SECONDS",
    "Claim",
    "DigestRecord",
    "DigestStatus",
    "Lease",
    "Settlement",
    "claim",
    "new_owner",
    "owner_gone",
    "queue_counts",
    "renew",
    "settle",
]
