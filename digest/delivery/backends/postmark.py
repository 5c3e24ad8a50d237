"""Postmark: ``POST https://api.postmarkapp.com/email`` with ``X-Postmark-Server-Token``.

Fields as Postmark's API documents them (``../shared/mail-apis/postmark``): From, To, Subject,
HtmlBody, TextBody, Headers ([{Name, Value}]), Tag, Metadata and MessageStream. A 200 answer
carries ``ErrorCode`` 0 and the ``MessageID``; refusals come as 422 with an ``ErrorCode``.
Postmark's documented codes about the token, the sender signature or the account (not the
recipient) are sender setup errors; 406 (inactive recipient) and the rest are permanent.
"""

from __future__ import annotations

from typing import ClassVar

import httpx

from digest.delivery.backends.http import ApiRequest, HttpMailBackend, HttpOptions
from digest.errors import PermanentSendError, SenderSetupError, TemporarySendError
from digest.models import OutgoingEmail

# Postmark ErrorCodes that a later retry can cure (rate limit, account briefly paused).
TEMPORARY_ERROR_CODES = frozenset({429})

# Postmark ErrorCodes about our own set-up, each with what to fix: the same for every message.
SETUP_ERROR_CODES = {
    10: "check the server token in ${env} ([delivery.postmark] api_key_env)",
    400: "[digest] from_address has no Sender Signature in Postmark: add and confirm one",
    401: "[digest] from_address has an unconfirmed Sender Signature: confirm it in Postmark",
    405: "the Postmark account is not allowed to send: see its account page",
    412: "the Postmark account is pending approval",
    413: "the Postmark account may not send: see its account page",
}


class PostmarkOptions(HttpOptions):
    """``[delivery.postmark]``."""

    message_stream: str = "outbound"
    tag: str | None = None


class PostmarkBackend(HttpMailBackend):
    """Sends through Postmark's Email API."""

    name = "postmark"
    options_model: ClassVar[type[HttpOptions]] = PostmarkOptions
    default_base_url = "https://api.postmarkapp.com"

    def build_request(self, message: OutgoingEmail) -> ApiRequest:
        """The documented ``SendEmailRequest``."""
        options = self.options
        assert isinstance(options, PostmarkOptions)
        payload: dict[str, object] = {
            "From": message.sender,
            "To": message.to,
            "Subject": message.subject,
            "HtmlBody": message.html,
            "TextBody": message.text,
            "Headers": [{"Name": name, "Value": value} for name, value in message.headers],
            "MessageStream": options.message_stream,
            "Metadata": {"digest": message.digest_key},
        }
        if options.tag:
            payload["Tag"] = options.tag
        return ApiRequest(
            url=f"{self.base_url}/email",
            headers={
                "Accept": "application/json",
                "X-Postmark-Server-Token": self.api_key,
            },
            json=payload,
        )

    def parse_success(self, response: httpx.Response, message: OutgoingEmail) -> str:
        """``MessageID`` from a 200 with ``ErrorCode`` 0."""
        body = response.json()
        code = int(body.get("ErrorCode", 0))
        if code in SETUP_ERROR_CODES:
            raise SenderSetupError(
                f"postmark: ErrorCode {code}: {body.get('Message')}; {self.setup_hint(response)}"
            )
        if code in TEMPORARY_ERROR_CODES:
            raise TemporarySendError(f"postmark: ErrorCode {code}: {body.get('Message')}")
        if code != 0 or not body.get("MessageID"):
            raise PermanentSendError(f"postmark: ErrorCode {code}: {body.get('Message')}")
        return str(body["MessageID"])

    def is_setup_refusal(self, response: httpx.Response) -> bool:
        """401/403, or an ``ErrorCode`` about the token, sender signature or account."""
        return super().is_setup_refusal(response) or _error_code(response) in SETUP_ERROR_CODES

    def setup_hint(self, response: httpx.Response) -> str:
        """Postmark's own reason when its ``ErrorCode`` tells it, else the token."""
        hint = SETUP_ERROR_CODES.get(_error_code(response) or 10, SETUP_ERROR_CODES[10])
        return hint.replace("{env}", self.options.api_key_env)

    def error_text(self, response: httpx.Response) -> str:
        """Postmark's ``ErrorCode`` and ``Message``."""
        try:
            body = response.json()
            return f"ErrorCode {body.get('ErrorCode')}: {body.get('Message')}"
        except ValueError:
            return response.text[:300]


def _error_code(response: httpx.Response) -> int | None:
    """Postmark's ``ErrorCode`` in an answer, if it has one."""
    try:
        body = response.json()
        return int(body["ErrorCode"]) if isinstance(body, dict) else None
    except (ValueError, KeyError, TypeError):
        return None
