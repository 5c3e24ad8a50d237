"""The send loop: claim each subscriber's period, build the message, send it, settle the row.

``deliver_all`` renders each digest (once per distinct content), claims its period in the
outbox (``digest.store.outbox``) before the backend sees the message, sends up to
``backend.concurrency`` messages at once and settles every outcome in the store. Each
message is its own unit of work: a failure is recorded for that subscriber and the batch
goes on; only a ``SenderSetupError`` stops it. The batch's bookkeeping (claims, sends in
flight, outcomes) is ``batch``; one subscriber's message is built by ``outgoing``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from digest.config import Settings
from digest.delivery.backends.base import MailBackend
from digest.delivery.batch import Delivery, SendBatch
from digest.delivery.outgoing import message_for, message_id_of
from digest.errors import ConfigError
from digest.models import Digest
from digest.parallel.thresholds import INLINING_PROCESSES
from digest.parallel.workers import process_pool, worker_count
from digest.store.core import Store
from digest.store.outbox import DigestRecord, new_owner

if TYPE_CHECKING:
    from digest.delivery.retry import SendRetry
    from digest.render.renderer import DigestRenderer

# ``Delivery`` is part of this module's interface (``pipeline`` imports it from here).
__all__ = ["Delivery", "deliver_all"]

log = logging.getLogger(__name__)


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
        batch = SendBatch(store, kind, new_owner())
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
                        message_id=message_id_of(digest, settings.digest.from_address),
                        story_count=digest.story_count,
                        created_at=now,
                        detail="",
                    )
                    if kind == "sent" and not batch.claim(record):
                        continue
                    try:
                        message = message_for(digest, renderer, settings, secret, now)
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
