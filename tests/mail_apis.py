"""What the mail-API tests share: a message, each provider's endpoint and answer, its options.

A helper module rather than a test module, so the contract suite and the provider tests
import it without importing each other's private helpers.
"""

from __future__ import annotations

from dataclasses import dataclass

from digest.models import OutgoingEmail
from tests.conftest import LoopbackServer

_RAW = (
    b"From: seatwatch <digest@example.org>\r\nTo: reader@example.org\r\n"
    b"Subject: seatwatch: news for Norwich North\r\nMessage-ID: <0123abcd@example.org>\r\n"
    b"List-Unsubscribe: <https://example.org/u?token=t>\r\n"
    b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nNews\r\n"
)

MESSAGE = OutgoingEmail(
    to="reader@example.org",
    sender="seatwatch <digest@example.org>",
    subject="seatwatch: news for Norwich North",
    html="<p>News</p>",
    text="News",
    message_bytes=_RAW,
    message_id="<0123abcd@example.org>",
    digest_key="2026-11-22-reader@example.org",
    story_count=1,
    headers=(
        ("Message-ID", "<0123abcd@example.org>"),
        ("List-Unsubscribe", "<https://example.org/u?token=t>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    ),
)


@dataclass(frozen=True)
class ProviderApi:
    """One provider's endpoint on the loopback server and its documented success answer."""

    path: str
    answer: dict[str, object] | None  # None: an empty 202 with the id in X-Message-Id
    provider_id: str


PROVIDER_APIS = {
    "postmark": ProviderApi(
        "/email", {"ErrorCode": 0, "Message": "OK", "MessageID": "pm-123"}, "pm-123"
    ),
    "resend": ProviderApi("/emails", {"id": "re-456"}, "re-456"),
    "sendgrid": ProviderApi("/v3/mail/send", None, "sg-789"),
    "mailgun": ProviderApi(
        "/v3/mg.example.org/messages", {"id": "<mg-1@mg>", "message": "Queued"}, "<mg-1@mg>"
    ),
    "webhook": ProviderApi("/hook", {"id": "wh-1"}, "wh-1"),
}

# The older shape some tests read: name -> (path, answer, provider id).
PROVIDERS = {name: (api.path, api.answer, api.provider_id) for name, api in PROVIDER_APIS.items()}

API_KEY_ENV = "MAIL_API_KEY"
HOOK_SECRET_ENV = "HOOK_SECRET"


def api_options(name: str, server: LoopbackServer) -> dict[str, object]:
    """``[delivery.<name>]`` pointing the provider at ``server`` (keys from ``API_KEY_ENV``)."""
    if name == "webhook":
        return {
            "url": server.url("/hook"),
            "secret_env": HOOK_SECRET_ENV,
            "api_key_env": API_KEY_ENV,
        }
    options: dict[str, object] = {"api_key_env": API_KEY_ENV, "base_url": server.base_url}
    if name == "mailgun":
        options["domain"] = "mg.example.org"
    return options
