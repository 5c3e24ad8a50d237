"""The SMTP backend against a real aiosmtpd server with TLS and AUTH on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from digest.delivery.backends import create_backend
from digest.delivery.backends.smtp import SmtpBackend
from digest.delivery.retry import SendRetry
from digest.errors import (
    ConfigError,
    PermanentSendError,
    SendError,
    SenderSetupError,
    TemporarySendError,
    UnknownOutcomeError,
)
from digest.models import OutgoingEmail
from tests.smtp_server import PASSWORD, USER, SmtpTestServer, free_port


def _message(to: str = "reader@example.org", number: int = 1) -> OutgoingEmail:
    raw = (
        f"From: seatwatch <digest@example.org>\r\nTo: {to}\r\nSubject: Digest {number}\r\n"
        f"Message-ID: <{number}@example.org>\r\n\r\nHello {number}\r\n"
    ).encode()
    return OutgoingEmail(
        to=to,
        sender="seatwatch <digest@example.org>",
        subject=f"Digest {number}",
        html="",
        text="",
        message_bytes=raw,
        message_id=f"<{number}@example.org>",
        digest_key=f"k{number}",
    )


@pytest.fixture(params=["starttls", "tls"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SmtpTestServer]:
    smtp = SmtpTestServer(tmp_path, request.param)
    smtp.start()
    yield smtp
    smtp.stop()


def _backend(
    server: SmtpTestServer, monkeypatch: pytest.MonkeyPatch, **overrides: object
) -> SmtpBackend:
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    options: dict[str, object] = {
        "host": "127.0.0.1",
        "port": server.port,
        "security": server.security,
        "username": USER,
        "password_env": "SMTP_PASSWORD",
        "ca_file": str(server.ca_file),
        "timeout_seconds": 5,
    }
    options.update(overrides)
    backend = create_backend("smtp", options, server.ca_file.parent)
    assert isinstance(backend, SmtpBackend)
    return backend


def test_sends_a_batch_over_one_authenticated_connection(
    server: SmtpTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _backend(server, monkeypatch) as backend:
        first = backend.send(_message(number=1))
        backend.send(_message(number=2))
    assert first.backend == "smtp" and first.message_id == "<1@example.org>"
    assert server.received.logins == 1
    assert [m[1] for m in server.received.messages] == [["reader@example.org"]] * 2
    assert server.received.messages[0][0] == "digest@example.org"
    assert server.received.parsed(1)["Subject"] == "Digest 2"


def test_wrong_password_is_a_sender_setup_error_naming_the_keys(
    server: SmtpTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = _backend(server, monkeypatch)
    backend.password = "wrong"
    with pytest.raises(SenderSetupError, match="refused the login") as caught:
        backend.send(_message())
    assert "535" in str(caught.value)
    assert "[delivery.smtp] username" in str(caught.value) and "$SMTP_PASSWORD" in str(caught.value)
    assert server.received.copies == 0


def test_untrusted_certificate_is_a_sender_setup_error_naming_ca_file(
    server: SmtpTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = _backend(server, monkeypatch, ca_file=None)
    with pytest.raises(SenderSetupError, match="certificate not trusted") as caught:
        backend.send(_message())
    assert "[delivery.smtp] ca_file" in str(caught.value)


def test_starttls_not_offered_is_a_sender_setup_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = SmtpTestServer(tmp_path, "none")  # offers no STARTTLS
    plain.start()
    try:
        backend = _backend(plain, monkeypatch, security="starttls")
        with backend, pytest.raises(SenderSetupError, match="does not offer STARTTLS") as caught:
            backend.send(_message())
    finally:
        plain.stop()
    assert "[delivery.smtp]" in str(caught.value)
    assert plain.received.copies == 0 and plain.received.logins == 0


def test_implicit_tls_against_a_starttls_port_is_a_sender_setup_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    starttls = SmtpTestServer(tmp_path, "starttls")
    starttls.start()
    try:
        backend = _backend(starttls, monkeypatch, security="tls")
        with backend, pytest.raises(SenderSetupError, match="TLS handshake failed") as caught:
            backend.send(_message())
    finally:
        starttls.stop()
    assert "security and port" in str(caught.value)


def test_sender_refused_at_mail_from_is_a_sender_setup_error(
    server: SmtpTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.received.refuse_sender = "553 5.7.1 Sender address rejected: not owned by user"
    with _backend(server, monkeypatch) as backend:
        with pytest.raises(SenderSetupError, match="553") as caught:
            backend.send(_message())
        assert "[digest] from_address" in str(caught.value)
        # A 4xx at MAIL FROM may clear up: temporary, on the same connection.
        server.received.refuse_sender = "451 4.3.0 Try later"
        with pytest.raises(TemporarySendError, match="451"):
            backend.send(_message(number=2))
        server.received.refuse_sender = None
        backend.send(_message(number=3))
    assert server.received.copies == 1 and server.received.logins == 1


@pytest.mark.parametrize(
    ("answer", "error"),
    [("550 5.1.1 No such user", PermanentSendError), ("451 4.3.0 Try later", TemporarySendError)],
)
def test_refused_recipient(
    server: SmtpTestServer,
    monkeypatch: pytest.MonkeyPatch,
    answer: str,
    error: type[Exception],
) -> None:
    server.received.refuse["gone@example.org"] = answer
    with _backend(server, monkeypatch) as backend:
        with pytest.raises(error, match=answer.split()[0]):
            backend.send(_message(to="gone@example.org"))
        # The connection is still good for the next recipient.
        backend.send(_message(number=2))
    assert len(server.received.messages) == 1


def test_reconnects_when_the_server_drops_the_connection(
    server: SmtpTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _backend(server, monkeypatch) as backend:
        backend.send(_message(number=1))
        server.stop()
        server.start()
        backend.send(_message(number=2))
    assert len(server.received.messages) == 2
    assert server.received.logins == 2


def test_server_down_is_temporary(tmp_path: Path) -> None:
    backend = create_backend(
        "smtp", {"host": "127.0.0.1", "port": free_port(), "security": "none"}, tmp_path
    )
    with pytest.raises(TemporarySendError):
        backend.send(_message())


@pytest.mark.parametrize(
    ("options", "key"),
    [
        ({}, "delivery.smtp.host"),
        ({"host": "mail.example.org", "colour": "blue"}, "delivery.smtp.colour"),
        ({"host": "mail.example.org", "security": "ssl"}, "delivery.smtp.security"),
        ({"host": "mail.example.org", "username": "u"}, "delivery.smtp.password_env"),
        (
            {"host": "mail.example.org", "username": "u", "password_env": "NOT_SET_ANYWHERE"},
            "delivery.smtp.password_env",
        ),
        (
            {"host": "mail.example.org", "ca_file": "missing.pem"},
            "delivery.smtp.ca_file",
        ),
    ],
)
def test_bad_options_are_config_errors(
    tmp_path: Path, options: dict[str, object], key: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        create_backend("smtp", options, tmp_path)
    assert caught.value.key == key


def test_password_over_plain_text_to_a_remote_host_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", "x")
    with pytest.raises(ConfigError, match="unencrypted"):
        create_backend(
            "smtp",
            {
                "host": "mail.example.org",
                "security": "none",
                "username": "u",
                "password_env": "SMTP_PASSWORD",
            },
            tmp_path,
        )


def test_concurrent_sends_use_one_connection_per_thread(
    server: SmtpTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with _backend(server, monkeypatch, connections=3) as backend:
        assert backend.concurrency == 3
        with ThreadPoolExecutor(max_workers=3) as pool:
            results = list(pool.map(lambda n: backend.send(_message(number=n)), range(30)))
    assert len(results) == 30
    subjects = sorted(server.received.parsed(i)["Subject"] for i in range(30))
    assert subjects == sorted(f"Digest {n}" for n in range(30))
    # Each thread logged in once on its own connection and reused it.
    assert 1 <= server.received.logins <= 3


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("421 4.7.0 Too busy, closing", TemporarySendError),
        ("451 4.3.0 Local error", TemporarySendError),
        ("550 5.7.1 Message refused", PermanentSendError),
    ],
)
def test_faults_at_data_map_onto_the_error_tree_and_the_next_send_works(
    server: SmtpTestServer, monkeypatch: pytest.MonkeyPatch, fault: str, error: type[Exception]
) -> None:
    server.received.data_faults.append(fault)
    with _backend(server, monkeypatch) as backend:
        with pytest.raises(error, match=fault.split()[0]):
            backend.send(_message(number=1))
        backend.send(_message(number=2))  # on the same connection, or a new one after 421
    assert [server.received.parsed(i)["Subject"] for i in range(1)] == ["Digest 2"]


def test_connection_dropped_before_data_is_reconnected_and_sent_once(
    server: SmtpTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.received.drops_at_rcpt = 1
    with _backend(server, monkeypatch) as backend:
        backend.send(_message(number=1))
    assert server.received.copies == 1
    assert server.received.logins == 2  # the second connection carried it


def test_no_answer_after_data_is_an_unknown_outcome_sent_once(
    server: SmtpTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server takes the content and hangs up: one copy, however often the run retries.

    Before this was handled, the backend reconnected once and the retry policy tried three
    times: six copies of each message.
    """
    server.received.drop_after_data = True
    waits: list[float] = []
    with _backend(server, monkeypatch) as backend:
        retry = SendRetry(3, 0.01, sleep=waits.append)
        with pytest.raises(SendError) as caught:
            retry.call(lambda: backend.send(_message(number=1)), "reader@example.org")
        assert server.received.copies == 1 and waits == []
        assert isinstance(caught.value, UnknownOutcomeError)
        assert "may have been delivered" in str(caught.value)
        # The next message goes over a new connection and is delivered normally.
        server.received.drop_after_data = False
        backend.send(_message(number=2))
    assert server.received.copies == 2
    assert [m[2] for m in server.received.messages] == [_message(number=2).message_bytes]


def test_lines_starting_with_a_dot_arrive_intact(
    server: SmtpTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = _message()
    body = b"Hello\r\n.\r\n..two dots\r\n.hidden"
    raw = message.message_bytes.replace(b"Hello 1\r\n", body)
    with _backend(server, monkeypatch) as backend:
        backend.send(
            OutgoingEmail(
                to=message.to,
                sender=message.sender,
                subject=message.subject,
                html="",
                text="",
                message_bytes=raw,
                message_id=message.message_id,
                digest_key=message.digest_key,
            )
        )
    assert server.received.messages[0][2] == raw + b"\r\n"
