"""The complete message for one subscriber's digest, and its Message-ID.

The renderer makes each distinct digest's HTML, text and MIME template once; here one
subscriber's copy is filled in: the signed unsubscribe link and its List-Unsubscribe
header, the greeting and the address. The Message-ID derives from the subscriber and the
period, so every attempt at one period carries the same id. A message over ``[delivery]
max_message_bytes`` is refused (``RenderError``), never cut short.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from digest.config import DeliveryConfig, DigestConfig
from digest.errors import PermanentSendError, RenderError
from digest.models import Digest, OutgoingEmail

if TYPE_CHECKING:
    from digest.render.renderer import DigestRenderer


def message_id_of(digest: Digest, from_address: str) -> str:
    """The digest's Message-ID: the same for every attempt at one subscriber's period."""
    from digest.render.message import message_id_for

    subscriber = digest.subscriber.email
    return message_id_for(f"{subscriber}|{digest.period}", from_address)


def message_for(
    digest: Digest,
    renderer: DigestRenderer,
    config: DigestConfig,
    delivery: DeliveryConfig,
    secret: str,
    now: datetime,
) -> OutgoingEmail:
    """The complete message for one subscriber's digest, addressed as ``[digest]`` says
    and held to ``[delivery] max_message_bytes``."""
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
    unsubscribe = config.unsubscribe_url.format(token=token)
    unsubscribe_header = list_unsubscribe(unsubscribe, token, config.unsubscribe_mailto)
    copy = renderer.personalise(rendered, subscriber, unsubscribe)
    message_id = message_id_of(digest, config.from_address)
    message_bytes = renderer.message_template(
        rendered,
        from_address=config.from_address,
        date=now,
        list_id=config.list_id,
    ).fill(recipient_for(subscriber, message_id, unsubscribe, unsubscribe_header))
    limit = delivery.max_message_bytes
    if len(message_bytes) > limit:
        raise RenderError(
            f"the message is {len(message_bytes):,} bytes, over [delivery] max_message_bytes "
            f"({limit:,}); not sent rather than cut short"
        )
    return OutgoingEmail(
        to=subscriber.email,
        sender=config.from_address,
        subject=safe_subject(copy.subject),
        html=copy.html,
        text=copy.text,
        message_bytes=message_bytes,
        message_id=message_id,
        digest_key=f"{digest.period}-{subscriber.email}",
        story_count=digest.story_count,
        headers=list_headers(message_id, config.list_id, unsubscribe_header),
    )
