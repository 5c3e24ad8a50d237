"""Webhook: a documented JSON POST for any other service, signed with HMAC-SHA256.

Body (UTF-8 JSON): ``{"message_id", "digest", "to", "from", "subject", "html", "text",
"headers": {name: value}, "stories"}``. Header ``X-Seatwatch-Signature: sha256=<hex>`` is the
HMAC-SHA256 of the exact body bytes with the secret from ``secret_env``; the receiver
recomputes it and rejects a mismatch. ``X-Seatwatch-Message-Id`` repeats the Message-ID so a
receiver can drop a retried duplicate. Any 2xx is success (``{"id": ...}`` in the answer is
kept as the provider id when present); 429 and 5xx are retried; 401/403 stop the run (the
token or signature was refused); other 4xx are permanent. A request left unanswered is not
sent again in the run (the receiver may have taken it); a later run sends it once more with
the same ``X-Seatwatch-Message-Id``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import Any, ClassVar, Self

import httpx
from pydantic import Field

from digest.delivery.backends.base import parse_options
from digest.delivery.backends.http import ApiRequest, HttpMailBackend, HttpOptions
from digest.errors import ConfigError
from digest.models import OutgoingEmail

SIGNATURE_HEADER = "X-Seatwatch-Signature"


class WebhookOptions(HttpOptions):
    """``[delivery.webhook]``: ``url`` to POST to, ``secret_env`` naming the signing secret."""

    api_key_env: str = "SEATWATCH_WEBHOOK_TOKEN"  # optional Bearer token
    url: str = Field(pattern=r"^https?://")
    secret_env: str = Field(min_length=1)


def signature(secret: str, body: bytes) -> str:
    """The value of ``X-Seatwatch-Signature`` for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookBackend(HttpMailBackend):
    """POSTs each digest as signed JSON to a URL of yours."""

    name = "webhook"
    options_model: ClassVar[type[HttpOptions]] = WebhookOptions
    default_base_url = ""

    def __init__(self, options: HttpOptions, api_key: str, secret: str) -> None:
        super().__init__(options, api_key)
        self.secret = secret

    @classmethod
    def from_config(cls, options: dict[str, Any], base_dir: Path) -> Self:
        """Validate ``[delivery.webhook]``; the secret is required, the Bearer token is not."""
        parsed = parse_options(WebhookOptions, options, cls.name)
        secret = os.environ.get(parsed.secret_env, "").strip()
        if not secret:
            raise ConfigError(
                f"environment variable {parsed.secret_env} is not set",
                key="delivery.webhook.secret_env",
                hint=f"export {parsed.secret_env}=<a long random secret shared with the receiver>",
            )
        return cls(parsed, os.environ.get(parsed.api_key_env, "").strip(), secret)

    def build_request(self, message: OutgoingEmail) -> ApiRequest:
        """The signed JSON body."""
        options = self.options
        assert isinstance(options, WebhookOptions)
        body = json.dumps(
            {
                "message_id": message.message_id,
                "digest": message.digest_key,
                "to": message.to,
                "from": message.sender,
                "subject": message.subject,
                "html": message.html,
                "text": message.text,
                "headers": dict(message.headers),
                "stories": message.story_count,
            },
            ensure_ascii=False,
            sort_keys=True,
        ).encode("utf-8")
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: signature(self.secret, body),
            "X-Seatwatch-Message-Id": message.message_id,
        }
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return ApiRequest(url=options.url, headers=headers, content=body)

    def setup_hint(self, response: httpx.Response) -> str:
        """The token, the secret and the URL: the receiver refused one of them."""
        options = self.options
        assert isinstance(options, WebhookOptions)
        return (
            f"check the token in ${options.api_key_env}, the secret in ${options.secret_env} "
            f"and the receiver at [delivery.webhook] url ({options.url})"
        )

    def parse_success(self, response: httpx.Response, message: OutgoingEmail) -> str:
        """The receiver's ``id`` if it gave one, else our Message-ID."""
        try:
            answer = response.json()
        except ValueError:
            return message.message_id
        if isinstance(answer, dict) and answer.get("id"):
            return str(answer["id"])
        return message.message_id
