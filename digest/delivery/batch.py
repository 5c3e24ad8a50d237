"""The sends of one ``deliver_all``: in flight, finished, and outcomes not yet stored.

``SendBatch`` claims each subscriber's period in the outbox (``digest.store.outbox``) before
the backend sees the message, holds the futures of the sends in flight, turns each outcome
into a ``Delivery`` and a row status, and writes the outcomes in the transaction of the next
claim (and the rest when the run ends, however it ends). Only the thread running the send
loop calls it: the store is never touched from a send thread.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, replace

from digest.clock import utc_now
from digest.errors import (
    DigestError,
    PermanentSendError,
    SendError,
    SenderSetupError,
    TemporarySendError,
    UnknownOutcomeError,
)
from digest.models import Digest, OutgoingEmail, SendResult, Subscriber
from digest.store.core import Store
from digest.store.outbox import (
    RENEW_EVERY_SECONDS,
    Claim,
    DigestRecord,
    DigestStatus,
    Lease,
    Settlement,
)

# The send loop's logger, as before the loop was split in two: operators filter on its name.
log = logging.getLogger("digest.delivery.send")


@dataclass(frozen=True, slots=True)
class Delivery:
    """One digest handed to a backend, or the reason it was not."""

    subscriber: Subscriber
    subject: str
    story_count: int
    result: SendResult | None
    error: str | None
    temporary: bool = False  # the error may clear up: worth retrying later


class SendBatch:
    """The sends of one ``deliver_all``: in flight, finished, and outcomes not yet stored."""

    def __init__(self, store: Store, kind: str, owner: str) -> None:
        self.store = store
        self.kind = kind
        self.lease = Lease(owner)
        self._flying: dict[Future[SendResult], tuple[int, Digest, OutgoingEmail, DigestRecord]]
        self._flying = {}
        self._unstored: list[Settlement] = []
        self._done: list[tuple[int, Delivery]] = []
        self._renewed = time.monotonic()
        self.stopped: SenderSetupError | None = None

    @property
    def in_flight(self) -> int:
        return len(self._flying)

    def claim(self, record: DigestRecord) -> bool:
        """Claim ``record``'s period (storing finished outcomes with it); False if it is
        done or another live sender holds it."""
        self.collect(block=False)
        claim = self.store.claim_digest(
            record, settle=self._unstored, lease=self.lease, now=utc_now()
        )
        self._unstored = []
        if claim == Claim.DONE:
            log.info("subscriber %s: digest for %s already sent", record.subscriber, record.period)
            return False
        if claim == Claim.BUSY:
            log.info(
                "subscriber %s: the %s digest is being sent by another sender; left to it",
                record.subscriber,
                record.period,
            )
            return False
        if claim == Claim.RESEND:
            log.warning(
                "subscriber %s: retrying the %s digest (the last attempt did not finish)",
                record.subscriber,
                record.period,
            )
        return True

    def submit(
        self,
        future: Future[SendResult],
        position: int,
        digest: Digest,
        message: OutgoingEmail,
        record: DigestRecord,
    ) -> None:
        self._flying[future] = (position, digest, message, record)

    def unbuilt(self, position: int, digest: Digest, exc: Exception) -> None:
        """A claimed digest whose message could not be made: that subscriber's failure."""
        subscriber = digest.subscriber
        if isinstance(exc, DigestError):
            log.error("subscriber %s: digest not sent: %s", subscriber.email, exc)
        else:
            log.exception("subscriber %s: the message could not be built", subscriber.email)
        detail = f"the message could not be built: {exc}"
        # An address no server can take is refused for good; anything else (a template or
        # size problem an operator can fix) is tried again by the next run.
        status = (
            DigestStatus.REJECTED if isinstance(exc, PermanentSendError) else DigestStatus.FAILED
        )
        self._settle(subscriber, digest, status, detail)
        self._done.append((position, Delivery(subscriber, "", digest.story_count, None, detail)))

    def collect(self, *, block: bool) -> None:
        """Take the outcomes of finished sends (waiting for one when ``block``), renewing
        this sender's leases while it waits on slow servers."""
        self._renew_if_due()
        if not self._flying:
            return
        while True:
            timeout = RENEW_EVERY_SECONDS if block else 0
            finished, _ = wait(self._flying, timeout=timeout, return_when=FIRST_COMPLETED)
            for future in finished:
                self._outcome(future, *self._flying.pop(future))
            if finished or not block:
                return
            self._renew_if_due()

    def _renew_if_due(self) -> None:
        if self.kind == "sent" and time.monotonic() - self._renewed >= RENEW_EVERY_SECONDS:
            self.store.renew_leases(self.lease.owner, utc_now())
            self._renewed = time.monotonic()

    def _settle(self, subscriber: Subscriber, digest: Digest, status: str, detail: str) -> None:
        if self.kind == "sent":
            self._unstored.append(
                Settlement(subscriber.email, digest.period, status, detail, self.lease.owner)
            )

    def _outcome(
        self,
        future: Future[SendResult],
        position: int,
        digest: Digest,
        message: OutgoingEmail,
        record: DigestRecord,
    ) -> None:
        subscriber = digest.subscriber
        try:
            result = future.result()
        except SendError as exc:
            status, temporary = _failure_status(exc)
            log.error(
                "subscriber %s: digest not delivered (%s): %s",
                subscriber.email,
                _FAILURE_WORDS[status],
                exc,
            )
            if isinstance(exc, SenderSetupError):
                self.stopped = self.stopped or exc
            self._settle(subscriber, digest, status, str(exc))
            error = Delivery(
                subscriber, message.subject, digest.story_count, None, str(exc), temporary
            )
            self._done.append((position, error))
            return
        except Exception as exc:  # a defect in a backend: the message may or may not be out
            log.exception("subscriber %s: the backend failed unexpectedly", subscriber.email)
            detail = f"the backend failed unexpectedly: {exc!r}"
            self._settle(subscriber, digest, DigestStatus.UNKNOWN, detail)
            failed = Delivery(subscriber, message.subject, digest.story_count, None, detail)
            self._done.append((position, failed))
            return
        if self.kind == "sent":
            self._settle(subscriber, digest, DigestStatus.SENT, result.detail)
        else:
            self.store.record_digest(
                replace(record, message_id=result.message_id, detail=result.detail)
            )
        delivered = Delivery(subscriber, message.subject, digest.story_count, result, None)
        self._done.append((position, delivered))

    def finish(self) -> None:
        """Wait for the sends in flight and store every outcome not yet stored; then raise
        the error that stopped the run, if one did."""
        for future in list(self._flying):
            self._outcome(future, *self._flying.pop(future))
        if self._unstored:
            self.store.finish_digests(self._unstored)
            self._unstored = []
        if self.stopped is not None:
            raise SenderSetupError(
                f"sending stopped: {self.stopped}; the digests not sent stay queued for the "
                "next run"
            ) from self.stopped

    def deliveries(self) -> list[Delivery]:
        """Every delivery in the order the digests were given."""
        return [delivery for _, delivery in sorted(self._done, key=lambda d: d[0])]


# How each kind of send error is stored, and whether a retry in a later run may help.
_FAILURE_WORDS = {
    DigestStatus.FAILED: "will retry",
    DigestStatus.REJECTED: "permanent",
    DigestStatus.UNKNOWN: "no answer from the server; resent once by a later run",
}


def _failure_status(exc: SendError) -> tuple[DigestStatus, bool]:
    """The row status for a send error, and whether the daemon should retry soon."""
    if isinstance(exc, UnknownOutcomeError):
        return DigestStatus.UNKNOWN, True
    if isinstance(exc, SenderSetupError | TemporarySendError):
        # A setup error leaves the period to the next run, after the operator's fix.
        return DigestStatus.FAILED, not isinstance(exc, SenderSetupError)
    return DigestStatus.REJECTED, False
