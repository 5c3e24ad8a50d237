"""SendGrid v3: ``POST https://api.sendgrid.com/v3/mail/send`` with a Bearer key.

Fields as SendGrid's OpenAPI document gives them (``../shared/mail-apis/sendgrid``):
personalizations (to), from ({email, name}), subject, content (text/plain first, then
text/html, as SendGrid requires), headers, custom_args and categories. Success is 202 with no
body; SendGrid's documentation (not the spec) says the 202 carries ``X-Message-Id``.
"""

from __future__ import annotations

from email.utils import parseaddr

import httpx

from digest.delivery.backends.http import ApiRequest, HttpMailBackend
from digest.models import OutgoingEmail


class SendgridBackend(HttpMailBackend):
    """Sends through SendGrid's v3 Mail Send API."""

    name = "sendgrid"
    default_base_url = "https://api.sendgrid.com"

    def build_request(self, message: OutgoingEmail) -> ApiRequest:
        """The documented ``PostMailSend`` body."""
        sender_name, sender_address = parseaddr(message.sender)
        sender: dict[str, str] = {"email": sender_address}
        if sender_name:
            sender["name"] = sender_name
        return ApiRequest(
            url=f"{self.base_url}/v3/mail/send",
            headers={"Authorization": f"Bearer {self.api_key}"},
            json={
                "personalizations": [{"to": [{"email": message.to}]}],
                "from": sender,
                "subject": message.subject,
                "content": [
                    {"type": "text/plain", "value": message.text},
                    {"type": "text/html", "value": message.html},
                ],
                "headers": dict(message.headers),
                "custom_args": {"digest": message.digest_key},
                "categories": ["seatwatch"],
            },
        )

    def parse_success(self, response: httpx.Response, message: OutgoingEmail) -> str:
        """``X-Message-Id`` from the 202, else our own Message-ID."""
        return response.headers.get("X-Message-Id") or message.message_id
