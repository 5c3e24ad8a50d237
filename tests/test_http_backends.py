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
)
from tests.conftest import LoopbackServer, Route
from tests.mail_apis import MESSAGE, PROVIDERS, api_options

# Re-exported for tests/test_backend_http_outcomes.py, which reads them from here.


def _backend(name: str, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> HttpMailBackend:
    monkeypatch.setenv("MAIL_API_KEY", "secret-key")
    monkeypatch.setenv("HOOK_SECRET", "hook-secret")
    backend = create_backend(name, api_options(name, server), Path("."))
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


def _accepted_request(
    name: str, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, str], bytes]:
    """Send ``MESSAGE`` through ``name`` while its API accepts; the request's headers and body.

    Whether the send succeeds and reports the provider's id is the contract suite's
    (tests/test_backend_contract.py); these tests read the provider's own fields.
    """
    path, answer, provider_id = PROVIDERS[name]
    server.routes[path] = (
        Route(b"", status=202, headers={"X-Message-Id": provider_id})
        if answer is None
        else Route(json.dumps(answer).encode(), content_type="application/json")
    )
    with _backend(name, server, monkeypatch) as backend:
        backend.send(MESSAGE)
    sent_path, headers = server.requests[-1]
    assert sent_path == path
    return headers, server.bodies[-1]


def test_postmark_request(http_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    headers, raw = _accepted_request("postmark", http_server, monkeypatch)
    body = json.loads(raw)
    assert headers["x-postmark-server-token"] == "secret-key"
    assert body["From"] == MESSAGE.sender and body["To"] == MESSAGE.to
    assert body["Subject"] == MESSAGE.subject
    assert body["HtmlBody"] == "<p>News</p>" and body["TextBody"] == "News"
    assert {"Name": "List-Unsubscribe-Post", "Value": "List-Unsubscribe=One-Click"} in body[
        "Headers"
    ]
    assert body["MessageStream"] == "outbound"


def test_resend_request(http_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    headers, raw = _accepted_request("resend", http_server, monkeypatch)
    body = json.loads(raw)
    assert headers["authorization"] == "Bearer secret-key"
    assert headers["idempotency-key"] == "0123abcd@example.org"
    assert body["to"] == ["reader@example.org"] and body["from"] == MESSAGE.sender
    assert body["headers"]["List-Unsubscribe"] == "<https://example.org/u?token=t>"
    assert "Message-ID" not in body["headers"]
    assert body["tags"] == [{"name": "digest", "value": "2026-11-22-reader_example_org"}]


def test_sendgrid_request(http_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    headers, raw = _accepted_request("sendgrid", http_server, monkeypatch)
    body = json.loads(raw)
    assert headers["authorization"] == "Bearer secret-key"
    assert body["personalizations"] == [{"to": [{"email": "reader@example.org"}]}]
    assert body["from"] == {"email": "digest@example.org", "name": "seatwatch"}
    assert [c["type"] for c in body["content"]] == ["text/plain", "text/html"]
    assert body["custom_args"] == {"digest": MESSAGE.digest_key}


def test_mailgun_request(http_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    headers, raw = _accepted_request("mailgun", http_server, monkeypatch)
    assert headers["authorization"] == "Basic " + base64.b64encode(b"api:secret-key").decode()
    assert headers["content-type"].startswith("multipart/form-data")
    fields = _form_fields(raw, headers["content-type"])
    assert ("to", "reader@example.org") in fields and ("subject", MESSAGE.subject) in fields
    assert ("h:List-Unsubscribe-Post", "List-Unsubscribe=One-Click") in fields
    assert ("v:digest", MESSAGE.digest_key) in fields and ("html", "<p>News</p>") in fields


def test_webhook_request(http_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    headers, raw = _accepted_request("webhook", http_server, monkeypatch)
    body = json.loads(raw)
    expected = "sha256=" + hmac.new(b"hook-secret", raw, hashlib.sha256).hexdigest()
    assert headers["x-seatwatch-signature"] == expected
    assert headers["x-seatwatch-message-id"] == MESSAGE.message_id
    assert headers["authorization"] == "Bearer secret-key"
    assert body["to"] == MESSAGE.to and body["stories"] == 1
    assert body["headers"]["List-Unsubscribe"] == "<https://example.org/u?token=t>"


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_refusals_say_when_to_retry_and_which_key_to_fix(
    name: str, http_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Which error each status is, is the contract suite's; here, what the errors carry."""
    path = PROVIDERS[name][0]
    http_server.routes[path] = Route(
        b'{"message": "slow down"}',
        status=429,
        headers={"Retry-After": "30"},
        content_type="application/json",
    )
    with _backend(name, http_server, monkeypatch) as backend, pytest.raises(RateLimited) as slow:
        backend.send(MESSAGE)
    assert slow.value.retry_after == 30.0 and "429" in str(slow.value)
    http_server.routes[path] = Route(b"{}", status=401, content_type="application/json")
    with (
        _backend(name, http_server, monkeypatch) as backend,
        pytest.raises(SenderSetupError) as refused,
    ):
        backend.send(MESSAGE)
    # The operator is told which environment variable holds the refused key.
    assert "401" in str(refused.value) and "$MAIL_API_KEY" in str(refused.value)


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


@pytest.mark.parametrize("name", ["postmark", "resend", "sendgrid"])
def test_config_errors(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError) as caught:
        create_backend(name, {}, Path("."))
    assert caught.value.key == f"delivery.{name}.api_key_env"
    with pytest.raises(ConfigError, match="NOT_SET_ANYWHERE is not set"):
        create_backend(name, {"api_key_env": "NOT_SET_ANYWHERE"}, Path("."))


def test_mailgun_regions_andapi_options(monkeypatch: pytest.MonkeyPatch) -> None:
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
