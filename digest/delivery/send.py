"""The send loop: claim each subscriber's period, build the message, send it, settle the row.

``deliver_all`` renders each digest (once per distinct content), claims its period in the
outbox (``digest.store.outbox``) before the backend sees the message, sends up to
``backend.concurrency`` messages at once and settles every outcome in the store. Each
message is its own unit of work: a failure is recorded for that subscriber and the batch
goes on; only a ``SenderSetupError`` stops it. The batch's bookkeeping (claims, sends in
flight, outcomes) is ``batch``; one subscriber's message is built by ``outgoing``. The loop
gets the ``[digest]`` and ``[delivery]`` tables and a renderer factory from the spine
(``pipeline.renderer_for``), never the whole ``Settings``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from digest.config import DeliveryConfig, DigestConfig
from digest.delivery.backends.base import MailBackend
from digest.delivery.batch import Delivery, SendBatch
from digest.delivery.outgoing import message_for, message_id_of
from digest.errors import ConfigError
from digest.models import Digest
from digest.store.core import Store
from digest.store.outbox import DigestRecord, new_owner

if TYPE_CHECKING:
    from digest.delivery.retry import SendRetry
    from digest.render.renderer import DigestRenderer

    # Makes a send's renderer when the first digest is sent, and closes what it used (the
    # inlining worker processes) when the send ends.
    RendererFactory = Callable[[], AbstractContextManager[DigestRenderer]]

# ``Delivery`` is part of this module's interface (``pipeline`` imports it from here).
__all__ = ["Delivery", "deliver_all"]

log = logging.getLogger(__name__)


def deliver_all(
    digests: Iterable[Digest],
    config: DigestConfig,
    delivery: DeliveryConfig,
    store: Store,
    backend: MailBackend,
    *,
    renderer: RendererFactory,
    kind: str,
    now: datetime,
) -> list[Delivery]:
    """Render each digest (once per distinct content) and hand it to ``backend``.

    ``config`` and ``delivery`` are the ``[digest]`` and ``[delivery]`` tables; ``renderer``
    makes the renderer (``pipeline.renderer_for``), called only when a first digest is sent.

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
        made: DigestRenderer | None = None
        count = 0
        with backend, ThreadPoolExecutor(max_workers=workers, thread_name_prefix="send") as pool:
            try:
                for position, digest in enumerate(digests):
                    if batch.stopped is not None:
                        break
                    count = position + 1
                    subscriber = digest.subscriber
                    if digest.story_count == 0 and not config.send_empty:
                        log.info("subscriber %s: nothing new, no digest", subscriber.email)
                        continue
                    if retry is None:
                        from digest.delivery.retry import SendRetry
                        from digest.delivery.tokens import signing_secret

                        secret = signing_secret(store, config.secret_env)
                        retry = SendRetry(delivery.attempts, delivery.retry_wait_seconds)
                    if made is None:
                        made = stack.enter_context(renderer())
                    record = DigestRecord(
                        subscriber=subscriber.email,
                        period=digest.period,
                        kind=kind,
                        backend=backend.name,
                        message_id=message_id_of(digest, config.from_address),
                        story_count=digest.story_count,
                        created_at=now,
                        detail="",
                    )
                    if kind == "sent" and not batch.claim(record):
                        continue
                    try:
                        message = message_for(digest, made, config, delivery, secret, now)
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
            made.renders if made else 0,
            count,
            made.inlines if made else 0,
        )
        return batch.deliveries()
