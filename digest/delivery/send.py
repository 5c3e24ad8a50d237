"""The send loop: claim each subscriber's period, build the message, send it, settle the row.

``deliver_all`` renders each digest (once per distinct content), claims its period in the
outbox (``digest.store.outbox``) before the backend sees the message, sends up to
``backend.concurrency`` messages at once and settles every outcome in the store. Each
message is its own unit of work: a failure is recorded for that subscriber and the batch
goes on; only a ``SenderSetupError`` stops it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from digest.clock import utc_now
from digest.config import Settings
from digest.delivery.backends.base import MailBackend
from digest.errors import (
    ConfigError,
    DigestError,
    PermanentSendError,
    RenderError,
    SendError,
    SenderSetupError,
    TemporarySendError,
    UnknownOutcomeError,
)
from digest.models import Digest, OutgoingEmail, SendResult, Subscriber
from digest.parallel.thresholds import INLINING_PROCESSES
from digest.parallel.workers import process_pool, worker_count
from digest.store.core import Store
from digest.store.outbox import (
    RENEW_EVERY_SECONDS,
    Claim,
    DigestRecord,
    DigestStatus,
    Lease,
    Settlement,
    new_owner,
)

if TYPE_CHECKING:
    from digest.delivery.retry import SendRetry
    from digest.render.renderer import DigestRenderer

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One digest handed to a backend, or the reason it was not."""

    subscriber: Subscriber
    subject: str
    story_count: int
    result: SendResult | None
    error: str | None
    temporary: bool = False  # the error may clear up: worth retrying later


def deliver_all(
    digests: Iterable[Digest],
    settings: Settings,
    store: Store,
    backend: MailBackend,
    *,
    kind: str,
    now: datetime,
    renderer: DigestRenderer | None = None,
) -> list[Delivery]:
    """Render each digest (once per distinct content) and hand it to ``backend``.

    ``kind="sent"`` claims each subscriber's period in the store before the backend sees the
    message (``outbox``): a period already sent is never sent again, one another live sender
    holds is left to it, and one left half-done by a dead sender is sent again with the same
    Message-ID. Previews are only logged.

    Each message is its own unit of work: one that cannot be built (a bad address, a message
    over ``[delivery] max_message_bytes``) or that the backend fails is settled and reported,
    and the batch goes on. Only a ``SenderSetupError`` (the sender's own TLS, login or API
    key refused: every message would fail alike) stops the run, after the sends in flight,
    leaving the rest of the queue as it was; it is raised once every outcome is stored.

    Up to ``backend.concurrency`` messages are in flight at once (worker threads); only this
    thread touches the store. Each finished send's outcome is written in the transaction of
    the next claim, and whatever is still unwritten when the loop ends (however it ends)
    after the sends in flight have finished: a crash can leave at most the messages in
    flight "sending", to be sent again with their Message-IDs once their lease lapses.
    """
    # Rendering, signing and retrying are set up with the first digest to send: a run with
    # nothing new (most of a daemon's or a cron job's) never loads Jinja2 or tenacity.
    with ExitStack() as stack:
        secret = ""
        batch = _SendBatch(store, kind, new_owner())
        workers = max(1, backend.concurrency)
        retry: SendRetry | None = None
        count = 0
        with backend, ThreadPoolExecutor(max_workers=workers, thread_name_prefix="send") as pool:
            try:
                for position, digest in enumerate(digests):
                    if batch.stopped is not None:
                        break
                    count = position + 1
                    subscriber = digest.subscriber
                    if digest.story_count == 0 and not settings.digest.send_empty:
                        log.info("subscriber %s: nothing new, no digest", subscriber.email)
                        continue
                    if retry is None:
                        from digest.delivery.retry import SendRetry
                        from digest.delivery.tokens import signing_secret

                        secret = signing_secret(store, settings.digest.secret_env)
                        retry = SendRetry(
                            settings.delivery.attempts, settings.delivery.retry_wait_seconds
                        )
                    if renderer is None:
                        renderer = stack.enter_context(_configured_renderer(settings))
                    record = DigestRecord(
                        subscriber=subscriber.email,
                        period=digest.period,
                        kind=kind,
                        backend=backend.name,
                        message_id=_message_id(digest, settings),
                        story_count=digest.story_count,
                        created_at=now,
                        detail="",
                    )
                    if kind == "sent" and not batch.claim(record):
                        continue
                    try:
                        message = _message_for(digest, renderer, settings, secret, now)
                    except ConfigError:
                        raise  # the configuration, not this message: stop the run
                    except Exception as exc:  # one message's defect, never the run's
                        batch.unbuilt(position, digest, exc)
                        continue
                    send = partial(backend.send, message)
                    what = f"subscriber {digest.subscriber.email}"
                    batch.submit(
                        pool.submit(retry.call, send, what), position, digest, message, record
                    )
                    while batch.in_flight >= workers:
                        batch.collect(block=True)
                while batch.in_flight:
                    batch.collect(block=True)
            finally:
                batch.finish()
        log.info(
            "rendered %d distinct digests for %d subscribers, CSS inlined %d times",
            renderer.renders if renderer else 0,
            count,
            renderer.inlines if renderer else 0,
        )
        return batch.deliveries()


@contextmanager
def _configured_renderer(settings: Settings) -> Iterator[DigestRenderer]:
    """The renderer the config describes; premailer runs in worker processes (loaded there
    already, and off the sending thread) unless ``[poll] workers`` is 1."""
    from digest.render.renderer import DigestRenderer

    with ExitStack() as stack:
        inliner = None
        if worker_count(settings.poll.workers) > 1:
            inliner = stack.enter_context(process_pool(INLINING_PROCESSES))
        yield DigestRenderer(
            title=settings.digest.title,
            subject_template=settings.digest.subject,
            templates_dir=settings.resolve(settings.render.templates_dir)
            if settings.render.templates_dir
            else None,
            inliner=inliner,
            inliner_workers=INLINING_PROCESSES,
        )


class _SendBatch:
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


def _message_id(digest: Digest, settings: Settings) -> str:
    """The digest's Message-ID: the same for every attempt at one subscriber's period."""
    from digest.render.message import message_id_for

    subscriber = digest.subscriber.email
    return message_id_for(f"{subscriber}|{digest.period}", settings.digest.from_address)


def _message_for(
    digest: Digest, renderer: DigestRenderer, settings: Settings, secret: str, now: datetime
) -> OutgoingEmail:
    """The complete message for one subscriber's digest."""
    from digest.delivery.tokens import sign_token
    from digest.render.message import list_headers, list_unsubscribe, safe_subject
    from digest.render.renderer import recipient_for

    subscriber = digest.subscriber
    if not subscriber.email.isascii():
        # Stored before addresses were checked on entry (they are now): without SMTPUTF8,
        # which few servers and no HTTP API here offer, no backend can address it.
        raise PermanentSendError(
            f"the address {subscriber.email!r} is not ASCII; seatwatch sends to ASCII "
            "addresses only (domains are IDNA-encoded): change it with `digest subscribers`"
        )
    rendered = renderer.render(digest)
    token = sign_token(secret, subscriber.email, issued_at=now)
    unsubscribe = settings.digest.unsubscribe_url.format(token=token)
    unsubscribe_header = list_unsubscribe(unsubscribe, token, settings.digest.unsubscribe_mailto)
    copy = renderer.personalise(rendered, subscriber, unsubscribe)
    message_id = _message_id(digest, settings)
    message_bytes = renderer.message_template(
        rendered,
        from_address=settings.digest.from_address,
        date=now,
        list_id=settings.digest.list_id,
    ).fill(recipient_for(subscriber, message_id, unsubscribe, unsubscribe_header))
    limit = settings.delivery.max_message_bytes
    if len(message_bytes) > limit:
        raise RenderError(
            f"the message is {len(message_bytes):,} bytes, over [delivery] max_message_bytes "
            f"({limit:,}); not sent rather than cut short"
        )
    return OutgoingEmail(
        to=subscriber.email,
        sender=settings.digest.from_address,
        subject=safe_subject(copy.subject),
        html=copy.html,
        text=copy.text,
        message_bytes=message_bytes,
        message_id=message_id,
        digest_key=f"{digest.period}-{subscriber.email}",
        story_count=digest.story_count,
        headers=list_headers(message_id, settings.digest.list_id, unsubscribe_header),
    )
