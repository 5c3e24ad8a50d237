"""Resend: ``POST https://api.resend.com/emails`` with a Bearer key and an ``Idempotency-Key``.

Fields as Resend's OpenAPI document gives them (``../shared/mail-apis/resend``): from, to,
subject, html, text, headers (an object) and tags ([{name, value}]). The idempotency key is
the digest's Message-ID, so a retry after a crash cannot deliver a second copy. Resend keeps
a key for 24 hours, so a request left unanswered is retried in the run with the same key
(``idempotent``) rather than left with an unknown outcome.
"""

from __future__ import annotations

import re

import httpx

from digest.delivery.backends.http import ApiRequest, HttpMailBackend
from digest.errors import PermanentSendError
from digest.models import OutgoingEmail

_TAG_VALUE = re.compile(r"[^A-Za-z0-9_-]+")


class ResendBackend(HttpMailBackend):
    """Sends through Resend's Emails API."""

    name = "resend"
    default_base_url = "https://api.resend.com"
    idempotent = True

    def build_request(self, message: OutgoingEmail) -> ApiRequest:
        """The documented ``SendEmailRequest``."""
        # Resend sets Message-ID itself; the rest travel as custom headers.
        headers = {name: value for name, value in message.headers if name != "Message-ID"}
        return ApiRequest(
            url=f"{self.base_url}/emails",
            headers={
                "Authorization": f"Bearer {self.api_key}",
                "Idempotency-Key": message.message_id.strip("<>")[:256],
            },
            json={
                "from": message.sender,
                "to": [message.to],
                "subject": message.subject,
                "html": message.html,
                "text": message.text,
                "headers": headers,
                # Tag values may hold only ASCII letters, digits, "_" and "-".
                "tags": [{"name": "digest", "value": _TAG_VALUE.sub("_", message.digest_key)}],
            },
        )

    def parse_success(self, response: httpx.Response, message: OutgoingEmail) -> str:
        """``id`` from a 200."""
        identifier = response.json().get("id")
        if not identifier:
            raise PermanentSendError("resend: accepted, but the answer carried no id")
        return str(identifier)
