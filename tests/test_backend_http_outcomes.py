"""Mail APIs that take a request in full and never answer: sent once, or retried with one key.

A provider that got the whole request may have accepted the message even though no answer
came back. Sending it again would likely deliver a second copy, unless the provider takes an
idempotency key (Resend does; ../shared/mail-apis/SUMMARY.md): then the same key makes a
retry safe.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from digest.delivery.backends import create_backend
from digest.delivery.backends.http import HttpMailBackend
from digest.delivery.backends.postmark import PostmarkBackend, PostmarkOptions
from digest.delivery.retry import SendRetry
from digest.errors import SendError, TemporarySendError, UnknownOutcomeError
from tests.conftest import LoopbackServer
from tests.mail_apis import MESSAGE, PROVIDERS
from tests.mail_apis import api_options as _options


class HangUpServer:
    """Reads each HTTP request in full (headers and Content-Length body), then hangs up."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.base_url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:  # the listener was closed: the test is over
                return
            with connection:
                self._take(connection)

    def _take(self, connection: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = connection.recv(65_536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        headers = {}
        for line in head.decode("latin-1").split("\r\n")[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = connection.recv(65_536)
            if not chunk:
                return
            body += chunk
        self.requests.append((headers, body))  # then close without a word

    def close(self) -> None:
        # shutdown wakes the accept() blocked in the serving thread; close alone does not.
        self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        self.thread.join()


@pytest.fixture
def hang_up() -> Iterator[HangUpServer]:
    server = HangUpServer()
    yield server
    server.close()


def _backend(name: str, server: HangUpServer, monkeypatch: pytest.MonkeyPatch) -> HttpMailBackend:
    monkeypatch.setenv("MAIL_API_KEY", "secret-key")
    monkeypatch.setenv("HOOK_SECRET", "hook-secret")
    where = LoopbackServer(server.base_url, {}, [])
    backend = create_backend(name, _options(name, where), Path("."))
    assert isinstance(backend, HttpMailBackend)
    return backend


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_a_request_left_unanswered_is_not_sent_twice(
    name: str, hang_up: HangUpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    retry = SendRetry(3, 0.01, sleep=waits.append)
    backend = _backend(name, hang_up, monkeypatch)
    with backend, pytest.raises(SendError) as caught:
        retry.call(lambda: backend.send(MESSAGE), MESSAGE.to)
    if name == "resend":
        # Resend takes an idempotency key: retried in the run, always with the same key.
        assert isinstance(caught.value, TemporarySendError)
        assert len(hang_up.requests) == 3
        keys = {headers["idempotency-key"] for headers, _ in hang_up.requests}
        assert keys == {"0123abcd@example.org"}
        return
    assert len(hang_up.requests) == 1 and waits == []
    assert isinstance(caught.value, UnknownOutcomeError)
    assert "may have been delivered" in str(caught.value)


def _postmark(error: type[httpx.TransportError]) -> PostmarkBackend:
    def fail(request: httpx.Request) -> httpx.Response:
        raise error("simulated", request=request)

    return PostmarkBackend(
        PostmarkOptions(api_key_env="MAIL_API_KEY"), "k", transport=httpx.MockTransport(fail)
    )


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        # Waiting for the answer: the request went out whole.
        (httpx.ReadTimeout, UnknownOutcomeError),
        (httpx.ReadError, UnknownOutcomeError),
        (httpx.RemoteProtocolError, UnknownOutcomeError),
        # Before or while sending: the provider cannot have acted on it.
        (httpx.ConnectError, TemporarySendError),
        (httpx.ConnectTimeout, TemporarySendError),
        (httpx.WriteError, TemporarySendError),
        (httpx.WriteTimeout, TemporarySendError),
        (httpx.PoolTimeout, TemporarySendError),
    ],
)
def test_transport_failures_by_whether_the_request_went_out(
    error: type[httpx.TransportError], expected: type[Exception]
) -> None:
    backend = _postmark(error)
    with backend, pytest.raises(SendError) as caught:
        backend.send(MESSAGE)
    assert type(caught.value) is expected
