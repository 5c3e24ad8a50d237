"""The outbox's claims: a live sender's rows are its own, a dead sender's are resent, and an
unanswered message is resent once, never twice."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from digest.store.core import Store
from digest.store.outbox import Claim, DigestRecord, DigestStatus, Lease, Settlement, new_owner

NOW = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
PERIOD = "2026-12-02"


def _record(subscriber: str = "a@example.org") -> DigestRecord:
    return DigestRecord(subscriber, PERIOD, "sent", "smtp", "<id@example.org>", 1, NOW, "")


def _dead_owner() -> str:
    """An owner on this host whose process has ended."""
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return f"{socket.gethostname()}:{int(ended.stdout)}:feed"


def test_a_live_senders_claim_is_left_to_it_until_its_lease_lapses(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.sqlite3")
    first, second = Lease(new_owner()), Lease("elsewhere.example:4242:beef")
    assert store.claim_digest(_record(), lease=first, now=NOW) == Claim.NEW
    # Another sender (another process here: this one's pid with another nonce) waits.
    other_here = Lease(first.owner.rsplit(":", 1)[0] + ":0000")
    assert store.claim_digest(_record(), lease=other_here, now=NOW) == Claim.BUSY
    # Renewed while sending, the claim outlives its first expiry.
    store.renew_leases(first.owner, NOW + timedelta(seconds=100))
    later = NOW + timedelta(seconds=first.seconds + 10)
    assert store.claim_digest(_record(), lease=second, now=later) == Claim.BUSY
    # Once the owner stops renewing, the lease lapses and the row is sent again.
    lapsed = NOW + timedelta(seconds=100 + first.seconds + 1)
    assert store.claim_digest(_record(), lease=second, now=lapsed) == Claim.RESEND
    # The first sender's late outcome does not overwrite the row it no longer holds.
    store.finish_digests([Settlement("a@example.org", PERIOD, "failed", "late", first.owner)])
    (row,) = store.recent_digests()
    assert row.status == DigestStatus.SENDING and row.attempts == 2
    store.close()


def test_a_dead_senders_claims_on_this_host_are_resent_at_once(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.sqlite3")
    dead = Lease(_dead_owner())
    assert store.claim_digest(_record(), lease=dead, now=NOW) == Claim.NEW
    assert store.claim_digest(_record(), lease=Lease(new_owner()), now=NOW) == Claim.RESEND
    store.close()


def test_an_unanswered_message_is_resent_once_then_settled(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.sqlite3")
    for attempt in range(2):
        lease = Lease(new_owner())
        claim = store.claim_digest(_record(), lease=lease, now=NOW)
        assert claim == (Claim.NEW if attempt == 0 else Claim.RESEND)
        assert store.sent_subscribers(PERIOD) == set()
        store.finish_digests([Settlement("a@example.org", PERIOD, "unknown", "", lease.owner)])
    assert store.claim_digest(_record(), lease=Lease(new_owner()), now=NOW) == Claim.DONE
    assert store.sent_subscribers(PERIOD) == {"a@example.org"}
    assert store.queue_counts()["unknown"] == 1
    store.close()


def test_a_failed_send_is_claimed_again_and_a_sent_one_never(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.sqlite3")
    lease = Lease(new_owner())
    store.claim_digest(_record(), lease=lease, now=NOW)
    store.finish_digests([Settlement("a@example.org", PERIOD, "failed", "451", lease.owner)])
    again = Lease(new_owner())
    assert store.claim_digest(_record(), lease=again, now=NOW) == Claim.RESEND
    store.finish_digests([Settlement("a@example.org", PERIOD, "sent", "", again.owner)])
    assert store.claim_digest(_record(), lease=Lease(new_owner()), now=NOW) == Claim.DONE
    store.close()
