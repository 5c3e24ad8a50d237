"""A real SMTP server on loopback for tests: aiosmtpd with STARTTLS or implicit TLS and AUTH."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER = "digest"
PASSWORD = "correct horse battery staple"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    """What the server accepted, and how."""

    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    logins: int = 0
    refuse: dict[str, str] = field(default_factory=dict)  # recipient -> SMTP answer
    refuse_times: dict[str, int] = field(default_factory=dict)  # refuse only this often
    delay_seconds: float = 0.0  # before answering DATA: a slow server, for crash tests
    # Faults for the next DATA commands, in order: an SMTP answer ("451 ...", "550 ..."; a
    # 421 also closes the connection, as servers do) or "drop" (close without answering).
    data_faults: list[str] = field(default_factory=list)
    # Take every message's content, then drop the connection without answering: the client
    # cannot know whether it was delivered. What arrived that way is in ``unanswered``.
    drop_after_data: bool = False
    unanswered: list[bytes] = field(default_factory=list)
    drops_at_rcpt: int = 0  # drop this many connections at RCPT TO, before any content
    refuse_sender: str | None = None  # the answer to every MAIL FROM, e.g. "553 ..."
    # Keep the first ``hold_first`` messages unanswered until ``release`` is set: messages
    # in flight for as long as a test needs (``held`` counts those waiting), no timing.
    hold_first: int = 0
    held: int = 0
    answering: int = 0  # DATA commands being handled right now
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def copies(self) -> int:
        """Every message content the server took, answered or not."""
        return len(self.messages) + len(self.unanswered)

    def parsed(self, index: int = -1) -> Message:
        return message_from_bytes(self.messages[index][2])


class _Handler:
    def __init__(self, received: Received) -> None:
        self.received = received

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.received.refuse_sender is not None:
            return self.received.refuse_sender
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.received.drops_at_rcpt > 0:
            self.received.drops_at_rcpt -= 1
            server.transport.abort()
            return "421 closing"  # never reaches the client: the connection is gone
        if address in self.received.refuse:
            answer = self.received.refuse[address]
            left = self.received.refuse_times.get(address)
            if left is not None:
                if left <= 1:
                    del self.received.refuse[address]
                self.received.refuse_times[address] = left - 1
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.answering += 1
        try:
            return await self._answer_data(server, envelope)
        finally:
            self.received.answering -= 1

    async def _answer_data(self, server: Any, envelope: Any) -> str:
        if self.received.hold_first > 0:
            self.received.hold_first -= 1
            self.received.held += 1
            while not self.received.release.is_set():
                await asyncio.sleep(0.01)
        if self.received.delay_seconds:
            await asyncio.sleep(self.received.delay_seconds)
        if self.received.drop_after_data:
            self.received.unanswered.append(bytes(envelope.original_content))
            server.transport.abort()
            return "421 closing"  # never reaches the client: the connection is gone
        if self.received.data_faults:
            fault = self.received.data_faults.pop(0)
            if fault == "drop":
                self.received.unanswered.append(bytes(envelope.original_content))
                server.transport.abort()
                return "421 closing"  # never reaches the client: the connection is gone
            if fault.startswith("421"):
                asyncio.get_running_loop().call_later(0.05, server.transport.close)
            return fault
        self.received.messages.append(
            (envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content))
        )
        return "250 Message accepted"


class _ClosingController(Controller):
    """A controller that closes its sessions' transports when it stops.

    aiosmtpd leaves server-side TLS transports to the garbage collector, which pytest (with
    warnings as errors) reports as leaks of ours.
    """

    def factory(self) -> Any:
        protocol = super().factory()
        self.protocols.append(protocol)
        return protocol

    def stop(self, no_assert: bool = False) -> None:
        loop = self.loop
        for protocol in getattr(self, "protocols", []):
            transport = getattr(protocol, "transport", None)
            if transport is not None:
                # abort, not close: a TLS close waits for a goodbye from a peer that has gone.
                loop.call_soon_threadsafe(transport.abort)
        super().stop(no_assert=no_assert)


class SmtpTestServer:
    """aiosmtpd on 127.0.0.1 with a throwaway CA (trustme)."""

    def __init__(self, tmp_path: Path, security: str) -> None:
        self.security = security
        self.port = free_port()
        self.received = Received()
        ca = trustme.CA()
        self.ca_file = tmp_path / "ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)

        def authenticate(
            server: Any, session: Any, envelope: Any, mechanism: str, data: Any
        ) -> AuthResult:
            ok = (
                isinstance(data, LoginPassword)
                and data.login == USER.encode()
                and data.password == PASSWORD.encode()
            )
            if ok:
                self.received.logins += 1
            # handled=False: aiosmtpd then answers "535" itself instead of staying silent.
            return AuthResult(success=ok, handled=False)

        kwargs: dict[str, Any] = {
            "authenticator": authenticate,
            # smtplib answers aiosmtpd's LOGIN challenge slowly after a failed PLAIN; PLAIN
            # alone is what submission servers offer over TLS anyway.
            "auth_exclude_mechanism": ["LOGIN"],
            # With implicit TLS aiosmtpd cannot see the TLS layer it runs under, so it would
            # hide AUTH; the connection is encrypted from the first byte anyway.
            "auth_require_tls": security == "starttls",
        }
        if security == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        self._make = lambda: _ClosingController(
            _Handler(self.received),
            hostname="127.0.0.1",
            port=self.port,
            ssl_context=context if security == "tls" else None,
            server_hostname="127.0.0.1",
            **kwargs,
        )
        self.controller: Controller | None = None

    def delivery_toml(self, password_env: str) -> str:
        """The [delivery] tables that send through this server with STARTTLS and AUTH."""
        return (
            # Retries in the same run wait milliseconds here, not seconds.
            '[delivery]\nbackend = "smtp"\nretry_wait_seconds = 0.05\n'
            '[delivery.smtp]\nhost = "127.0.0.1"\n'
            f'port = {self.port}\nsecurity = "{self.security}"\nusername = "{USER}"\n'
            f'password_env = "{password_env}"\nca_file = "{self.ca_file}"\n'
        )

    def start(self) -> None:
        # A stopped aiosmtpd controller cannot start again: each start gets a new one.
        self.controller = self._make()
        self.controller.protocols = []
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
