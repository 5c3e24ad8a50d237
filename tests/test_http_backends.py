"""Mail-API backends against a loopback HTTP server that checks each provider's request shape."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from email import message_from_bytes
from pathlib import Path

import pytest

from digest.delivery.backends import create_backend
from digest.delivery.backends.http import HttpMailBackend, RateLimited
from digest.errors import (
    ConfigError,
    PermanentSendError,
    SendError,
    SenderSetupError,
    TemporarySendError,
)
from digest.models import OutgoingEmail
from tests.conftest import LoopbackServer, Route

MESSAGE = OutgoingEmail(
    to="reader@example.org",
    sender="seatwatch <digest@example.org>",
    subject="seatwatch: news for Norwich North",
    html="<p>News</p>",
    text="News",
    message_bytes=b"",
    message_id="<0123abcd@example.org>",
    digest_key="2026-11-22-reader@example.org",
    story_count=1,
    headers=(
        ("Message-ID", "<0123abcd@example.org>"),
        ("List-Unsubscribe", "<https://example.org/u?token=t>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    ),
)

PROVIDERS = {
    "postmark": ("/email", {"ErrorCode": 0, "Message": "OK", "MessageID": "pm-123"}, "pm-123"),
    "resend": ("/emails", {"id": "re-456"}, "re-456"),
    "sendgrid": ("/v3/mail/send", None, "sg-789"),
    "mailgun": (
        "/v3/mg.example.org/messages",
        {"id": "<mg-1@mg>", "message": "Queued"},
        "<mg-1@mg>",
    ),
    "webhook": ("/hook", {"id": "wh-1"}, "wh-1"),
}


def _options(name: str, server: LoopbackServer) -> dict[str, object]:
    options: dict[str, object] = {"api_key_env": "MAIL_API_KEY", "base_url": server.base_url}
    if name == "mailgun":
        options["domain"] = "mg.example.org"
    if name == "webhook":
        options = {
            "url": server.url("/hook"),
            "secret_env": "HOOK_SECRET",
            "api_key_env": "MAIL_API_KEY",
        }
    return options


def _backend(name: str, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> HttpMailBackend:
    monkeypatch.setenv("MAIL_API_KEY", "secret-key")
    monkeypatch.setenv("HOOK_SECRET", "hook-secret")
    backend = create_backend(name, _options(name, server), Path("."))
    assert isinstance(backend, HttpMailBackend)
    return backend


def _form_fields(body: bytes, content_type: str) -> list[tuple[str, str]]:
    """The fields of a multipart/form-data body, in order."""
    parsed = message_from_bytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    return [
        (
            str(part.get_param("name", header="content-disposition")),
            part.get_payload(decode=True).decode(),
        )
        for part in parsed.get_payload()
    ]


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_accepted(name: str, http_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    path, answer, provider_id = PROVIDERS[name]
    http_server.routes[path] = (
        Route(b"", status=202, headers={"X-Message-Id": provider_id})
        if answer is None
        else Route(json.dumps(answer).encode(), content_type="application/json")
    )
    with _backend(name, http_server, monkeypatch) as backend:
        result = backend.send(MESSAGE)
    assert result.backend == name and result.message_id == provider_id
    sent_path, headers = http_server.requests[-1]
    raw = http_server.bodies[-1]
    assert sent_path == path
    if name == "mailgun":
        assert headers["authorization"] == "Basic " + base64.b64encode(b"api:secret-key").decode()
        assert headers["content-type"].startswith("multipart/form-data")
        fields = _form_fields(raw, headers["content-type"])
        assert ("to", "reader@example.org") in fields and ("subject", MESSAGE.subject) in fields
        assert ("h:List-Unsubscribe-Post", "List-Unsubscribe=One-Click") in fields
        assert ("v:digest", MESSAGE.digest_key) in fields and ("html", "<p>News</p>") in fields
        return
    body = json.loads(raw)
    if name == "webhook":
        expected = "sha256=" + hmac.new(b"hook-secret", raw, hashlib.sha256).hexdigest()
        assert headers["x-seatwatch-signature"] == expected
        assert headers["x-seatwatch-message-id"] == MESSAGE.message_id
        assert headers["authorization"] == "Bearer secret-key"
        assert body["to"] == MESSAGE.to and body["stories"] == 1
        assert body["headers"]["List-Unsubscribe"] == "<https://example.org/u?token=t>"
        return
    if name == "sendgrid":
        assert headers["authorization"] == "Bearer secret-key"
        assert body["personalizations"] == [{"to": [{"email": "reader@example.org"}]}]
        assert body["from"] == {"email": "digest@example.org", "name": "seatwatch"}
        assert [c["type"] for c in body["content"]] == ["text/plain", "text/html"]
        assert body["custom_args"] == {"digest": MESSAGE.digest_key}
        return
    if name == "postmark":
        assert headers["x-postmark-server-token"] == "secret-key"
        assert body["From"] == MESSAGE.sender and body["To"] == MESSAGE.to
        assert body["Subject"] == MESSAGE.subject
        assert body["HtmlBody"] == "<p>News</p>" and body["TextBody"] == "News"
        assert {"Name": "List-Unsubscribe-Post", "Value": "List-Unsubscribe=One-Click"} in body[
            "Headers"
        ]
        assert body["MessageStream"] == "outbound"
    else:
        assert headers["authorization"] == "Bearer secret-key"
        assert headers["idempotency-key"] == "0123abcd@example.org"
        assert body["to"] == ["reader@example.org"] and body["from"] == MESSAGE.sender
        assert body["headers"]["List-Unsubscribe"] == "<https://example.org/u?token=t>"
        assert "Message-ID" not in body["headers"]
        assert body["tags"] == [{"name": "digest", "value": "2026-11-22-reader_example_org"}]


@pytest.mark.parametrize("name", sorted(PROVIDERS))
@pytest.mark.parametrize(
    ("status", "headers", "error"),
    [
        (429, {"Retry-After": "30"}, RateLimited),
        (500, {}, TemporarySendError),
        (400, {}, PermanentSendError),
        (422, {}, PermanentSendError),
        (401, {}, SenderSetupError),
        (403, {}, SenderSetupError),
    ],
)
def test_refusals_map_onto_the_error_tree(
    name: str,
    status: int,
    headers: dict[str, str],
    error: type[Exception],
    http_server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = PROVIDERS[name][0]
    body = json.dumps({"ErrorCode": 406, "Message": "Inactive recipient", "message": "nope"})
    http_server.routes[path] = Route(
        body.encode(), status=status, headers=headers, content_type="application/json"
    )
    with _backend(name, http_server, monkeypatch) as backend, pytest.raises(error) as caught:
        backend.send(MESSAGE)
    assert str(status) in str(caught.value)
    if isinstance(caught.value, RateLimited):
        assert caught.value.retry_after == 30.0
    if isinstance(caught.value, SenderSetupError):
        # The operator is told which environment variable holds the refused key.
        assert "$MAIL_API_KEY" in str(caught.value)


# Provider answers as their documentation gives them (../shared/mail-apis/SUMMARY.md): each
# either refuses our own set-up (every message would fail) or this one recipient.
PROVIDER_REFUSALS = [
    ("postmark", 422, {"ErrorCode": 10, "Message": "Bad or missing API token"}, SenderSetupError),
    (
        "postmark",
        422,
        {"ErrorCode": 400, "Message": "Sender signature not found"},
        SenderSetupError,
    ),
    (
        "postmark",
        422,
        {"ErrorCode": 401, "Message": "Sender signature not confirmed"},
        SenderSetupError,
    ),
    ("postmark", 422, {"ErrorCode": 406, "Message": "Inactive recipient"}, PermanentSendError),
    (
        "resend",
        403,
        {"statusCode": 403, "name": "validation_error", "message": "verify a domain"},
        SenderSetupError,
    ),
    (
        "resend",
        422,
        {"statusCode": 422, "name": "validation_error", "message": "Invalid `to` field"},
        PermanentSendError,
    ),
    (
        "sendgrid",
        403,
        {"errors": [{"message": "The from address does not match a verified Sender Identity"}]},
        SenderSetupError,
    ),
    (
        "sendgrid",
        400,
        {"errors": [{"message": "Does not contain a valid address.", "field": "to"}]},
        PermanentSendError,
    ),
    ("mailgun", 401, {"message": "Forbidden"}, SenderSetupError),
    ("mailgun", 400, {"message": "to parameter is not a valid address"}, PermanentSendError),
    ("webhook", 403, {"error": "bad signature"}, SenderSetupError),
    ("webhook", 422, {"error": "unknown recipient"}, PermanentSendError),
]


@pytest.mark.parametrize(("name", "status", "answer", "error"), PROVIDER_REFUSALS)
def test_setup_refusals_and_recipient_refusals_per_provider(
    name: str,
    status: int,
    answer: dict[str, object],
    error: type[Exception],
    http_server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    http_server.routes[PROVIDERS[name][0]] = Route(
        json.dumps(answer).encode(), status=status, content_type="application/json"
    )
    with _backend(name, http_server, monkeypatch) as backend, pytest.raises(SendError) as caught:
        backend.send(MESSAGE)
    assert type(caught.value) is error
    assert str(status) in str(caught.value)


def test_postmark_sender_signature_refusal_says_what_to_fix(
    http_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    http_server.routes["/email"] = Route(
        json.dumps({"ErrorCode": 400, "Message": "Sender signature not found"}).encode(),
        status=422,
        content_type="application/json",
    )
    backend = _backend("postmark", http_server, monkeypatch)
    with backend, pytest.raises(SenderSetupError, match=r"\[digest\] from_address has no Sender"):
        backend.send(MESSAGE)


def test_postmark_error_code_in_a_200_is_not_success(
    http_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    http_server.routes["/email"] = Route(
        json.dumps({"ErrorCode": 300, "Message": "Invalid email request"}).encode(),
        content_type="application/json",
    )
    backend = _backend("postmark", http_server, monkeypatch)
    with backend, pytest.raises(PermanentSendError, match="ErrorCode 300"):
        backend.send(MESSAGE)
    # A bad token reported inside a 200 is still a setup error.
    http_server.routes["/email"] = Route(
        json.dumps({"ErrorCode": 10, "Message": "Bad or missing API token"}).encode(),
        content_type="application/json",
    )
    with backend, pytest.raises(SenderSetupError, match=r"\$MAIL_API_KEY"):
        backend.send(MESSAGE)


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_unreachable_api_is_temporary(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAIL_API_KEY", "k")
    monkeypatch.setenv("HOOK_SECRET", "s")
    nowhere = LoopbackServer("http://127.0.0.1:9", {}, [])
    backend = create_backend(name, _options(name, nowhere), Path("."))
    with backend, pytest.raises(TemporarySendError):
        backend.send(MESSAGE)


@pytest.mark.parametrize("name", ["postmark", "resend", "sendgrid"])
def test_config_errors(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError) as caught:
        create_backend(name, {}, Path("."))
    assert caught.value.key == f"delivery.{name}.api_key_env"
    with pytest.raises(ConfigError, match="NOT_SET_ANYWHERE is not set"):
        create_backend(name, {"api_key_env": "NOT_SET_ANYWHERE"}, Path("."))
    monkeypatch.setenv("K", "x")
    with pytest.raises(ConfigError) as caught:
        create_backend(name, {"api_key_env": "K", "colour": "blue"}, Path("."))
    assert caught.value.key == f"delivery.{name}.colour"


def test_mailgun_regions_and_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("K", "x")
    eu = create_backend(
        "mailgun", {"api_key_env": "K", "domain": "mg.example.org", "region": "eu"}, Path(".")
    )
    assert isinstance(eu, HttpMailBackend) and eu.base_url == "https://api.eu.mailgun.net"
    us = create_backend("mailgun", {"api_key_env": "K", "domain": "mg.example.org"}, Path("."))
    assert isinstance(us, HttpMailBackend) and us.base_url == "https://api.mailgun.net"
    with pytest.raises(ConfigError) as caught:
        create_backend(
            "mailgun", {"api_key_env": "K", "domain": "mg.example.org", "region": "asia"}, Path(".")
        )
    assert caught.value.key == "delivery.mailgun.region"
    with pytest.raises(ConfigError) as caught:
        create_backend("mailgun", {"api_key_env": "K"}, Path("."))
    assert caught.value.key == "delivery.mailgun.domain"


def test_webhook_needs_its_secret_and_url(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError) as caught:
        create_backend(
            "webhook",
            {"url": "https://hooks.example.org/x", "secret_env": "NOPE_NOT_SET"},
            Path("."),
        )
    assert caught.value.key == "delivery.webhook.secret_env"
    monkeypatch.setenv("S", "x")
    with pytest.raises(ConfigError) as caught:
        create_backend("webhook", {"url": "ftp://x", "secret_env": "S"}, Path("."))
    assert caught.value.key == "delivery.webhook.url"
