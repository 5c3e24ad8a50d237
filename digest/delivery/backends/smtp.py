"""SMTP delivery: plain, STARTTLS or implicit TLS, with AUTH, a few connections per batch.

Works with any submission server (Postfix, Amazon SES, Gmail, Microsoft 365; see the README).
Certificates are verified by default; ``ca_file`` trusts a private CA instead of switching
verification off. Each sending thread opens its own connection lazily (up to ``connections``),
reuses it for every message it sends in the batch and reopens it once if the connection was
lost before the message content went out; ``messages_per_second`` limits all of them
together. Server answers map onto the error tree:

- our own set-up refused (certificate, TLS, STARTTLS not offered, login, 5xx to MAIL FROM):
  ``SenderSetupError``, naming the ``[delivery.smtp]`` key to fix;
- one recipient or message refused (5xx to RCPT TO or DATA): ``PermanentSendError``;
- 4xx and connection trouble before the content was sent: ``TemporarySendError``;
- no answer after the content was sent: ``UnknownOutcomeError`` (it may have been delivered).

The options and opening a connection (TLS, login and what their failures mean) are in
``smtp_connection.py``; this module holds the backend: a connection per thread, the mail
transaction step by step and what the server's replies mean.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import threading
import time
from collections.abc import Callable
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Self

from digest.delivery.backends.base import MailBackend, parse_options
from digest.delivery.backends.smtp_connection import (
    DEFAULT_PORTS,
    SmtpOptions,
    open_connection,
    port_of,
    reply_text,
)
from digest.errors import (
    ConfigError,
    PermanentSendError,
    SendError,
    SenderSetupError,
    TemporarySendError,
    UnknownOutcomeError,
)
from digest.models import OutgoingEmail, SendResult

__all__ = ["DEFAULT_PORTS", "SmtpBackend", "SmtpOptions"]

log = logging.getLogger(__name__)


class SmtpBackend(MailBackend):
    """Sends through an SMTP server."""

    name = "smtp"

    def __init__(
        self,
        options: SmtpOptions,
        password: str | None,
        base_dir: Path,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.options = options
        self.password = password
        self.base_dir = base_dir
        self.sleep = sleep
        self._local = threading.local()  # this thread's connection
        self._open: list[smtplib.SMTP] = []  # every thread's, to close at the end
        self._lock = threading.Lock()
        self._last_send = 0.0

    @property
    def concurrency(self) -> int:
        """One sending thread per connection."""
        return self.options.connections

    @property
    def _smtp(self) -> smtplib.SMTP | None:
        return getattr(self._local, "smtp", None)

    @_smtp.setter
    def _smtp(self, smtp: smtplib.SMTP | None) -> None:
        current = self._smtp
        with self._lock:
            if current is not None and current in self._open:
                self._open.remove(current)
            if smtp is not None:
                self._open.append(smtp)
        self._local.smtp = smtp

    @classmethod
    def from_config(cls, options: dict[str, Any], base_dir: Path) -> Self:
        """Validate ``[delivery.smtp]``; read the password from ``password_env``."""
        parsed = parse_options(SmtpOptions, options, cls.name)
        password = None
        if parsed.username:
            if not parsed.password_env:
                raise ConfigError(
                    "username is set but password_env is not",
                    key="delivery.smtp.password_env",
                    hint='name the environment variable holding the password, e.g. "SMTP_PASSWORD"',
                )
            password = os.environ.get(parsed.password_env)
            if not password:
                raise ConfigError(
                    f"environment variable {parsed.password_env} is not set",
                    key="delivery.smtp.password_env",
                    hint=f"export {parsed.password_env}=... before starting seatwatch",
                )
        if (
            parsed.security == "none"
            and parsed.username
            and parsed.host
            not in (
                "127.0.0.1",
                "localhost",
                "::1",
            )
        ):
            raise ConfigError(
                "refusing to send a password over an unencrypted connection",
                key="delivery.smtp.security",
                hint='use security = "starttls" or "tls"',
            )
        if parsed.ca_file and not (base_dir / parsed.ca_file).expanduser().is_file():
            raise ConfigError(
                f"CA file {parsed.ca_file} does not exist",
                key="delivery.smtp.ca_file",
                hint="give the path of a PEM file with the server's CA certificate",
            )
        return cls(parsed, password, base_dir)

    def _connect(self) -> smtplib.SMTP:
        """A new connection for this thread (``smtp_connection.open_connection``)."""
        smtp = open_connection(self.options, self.password, self.base_dir)
        options = self.options
        log.info("smtp: connected to %s:%d (%s)", options.host, port_of(options), options.security)
        return smtp

    def open(self) -> None:
        """Connections are opened on first send, so an empty batch never connects."""

    def close(self) -> None:
        """Say QUIT and close every thread's connection."""
        with self._lock:
            connections, self._open = self._open, []
        for smtp in connections:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
        self._local = threading.local()

    def _drop(self) -> None:
        """Close this thread's connection after an error (the next send reconnects)."""
        smtp = self._smtp
        if smtp is not None:
            self._smtp = None
            smtp.close()

    def _throttle(self) -> None:
        rate = self.options.messages_per_second
        if rate <= 0:
            return
        with self._lock:  # one schedule for every connection: each send takes the next slot
            slot = max(self._last_send + 1.0 / rate, time.monotonic())
            self._last_send = slot
        wait = slot - time.monotonic()
        if wait > 0:
            self.sleep(wait)

    def send(self, message: OutgoingEmail) -> SendResult:
        """Send ``message``; reconnect once if the connection was lost before DATA was sent.

        A connection lost after the whole message went out and before the server answered
        is different: the server may have taken it, and sending it again on a new
        connection would likely deliver a second copy. That raises ``UnknownOutcomeError``
        and is never retried here.
        """
        self._throttle()
        sender = self.options.envelope_from or parseaddr(message.sender)[1]
        for attempt in (1, 2):
            smtp = self._smtp
            if smtp is None:
                smtp = self._smtp = self._connect()
            try:
                self._transact(smtp, sender, message)
            except _ConnectionLost as lost:
                self._drop()
                if attempt == 2:
                    raise TemporarySendError(
                        f"SMTP connection lost at {lost.step}: {lost.__cause__}"
                    ) from lost.__cause__
                log.info("smtp: connection lost at %s, reconnecting", lost.step)
                continue
            return SendResult(backend=self.name, message_id=message.message_id)
        raise TemporarySendError("SMTP: could not send")  # pragma: no cover - loop returns

    def _transact(self, smtp: smtplib.SMTP, sender: str, message: OutgoingEmail) -> None:
        """One mail transaction, step by step, so each failure is known by its step.

        ``smtplib.sendmail`` would hide whether the message content had gone out when the
        connection broke, which decides between "safe to send again" and "may be delivered".
        """
        step = "EHLO"
        try:
            smtp.ehlo_or_helo_if_needed()
            size = [f"SIZE={len(message.message_bytes)}"] if smtp.has_extn("size") else []
            step = "MAIL FROM"
            code, reply = smtp.mail(sender, size)
            if code != 250:
                raise self._refused(smtp, step, code, reply, sender, message)
            step = "RCPT TO"
            code, reply = smtp.rcpt(message.to)
            if code not in (250, 251):
                raise self._refused(smtp, step, code, reply, sender, message)
            step = "DATA"
            code, reply = smtp.docmd("DATA")
            if code != 354:
                raise self._refused(smtp, step, code, reply, sender, message)
            step = "message content"
            smtp.send(_data_content(message.message_bytes))
            step = "the end of DATA"
            code, reply = smtp.getreply()
        except smtplib.SMTPResponseException as exc:  # e.g. 5xx to both EHLO and HELO
            self._drop()
            error = PermanentSendError if exc.smtp_code >= 500 else TemporarySendError
            raise error(f"SMTP {step}: {exc.smtp_code} {reply_text(exc.smtp_error)}") from exc
        except OSError as exc:  # SMTPServerDisconnected, a timeout, a reset
            if step == "the end of DATA":
                self._drop()
                raise UnknownOutcomeError(
                    f"SMTP {self.options.host}: no answer after the message was sent "
                    f"({exc}); it may have been delivered, so it is not sent again in this run"
                ) from exc
            raise _ConnectionLost(step) from exc
        if code != 250:
            raise self._refused(smtp, step, code, reply, sender, message)

    def _refused(
        self,
        smtp: smtplib.SMTP,
        step: str,
        code: int,
        reply: bytes,
        sender: str,
        message: OutgoingEmail,
    ) -> SendError:
        """The error-tree exception for a refusal at ``step``; the connection made ready again.

        5xx at MAIL FROM is about our sender address or login, so about every message:
        ``SenderSetupError``. 5xx at RCPT TO or DATA refuses this message: permanent.
        """
        if code == 421:  # the server is closing the connection
            self._drop()
        else:
            try:
                smtp.rset()
            except OSError:
                self._drop()
        answer = f"{code} {reply_text(reply)}"
        if code < 500:
            return TemporarySendError(f"SMTP {step} for {message.to}: {answer}")
        if step == "MAIL FROM":
            fix = (
                "set [delivery.smtp] username and password_env: the server wants a login"
                if code == 530
                else "set [digest] from_address (or [delivery.smtp] envelope_from) to an "
                "address this server lets you send from"
            )
            return SenderSetupError(f"SMTP refused the sender {sender!r}: {answer}; {fix}")
        if step == "RCPT TO":
            return PermanentSendError(f"SMTP refused {message.to}: {answer}")
        return PermanentSendError(f"SMTP refused the message to {message.to} at {step}: {answer}")


class _ConnectionLost(Exception):
    """The connection broke before the message content was sent: safe to send again."""

    def __init__(self, step: str) -> None:
        super().__init__(step)
        self.step = step


_LINE_START_DOT = re.compile(rb"(?m)^\.")


def _data_content(message: bytes) -> bytes:
    """``message`` as sent after DATA: leading dots doubled, ended by CRLF "." CRLF."""
    content = _LINE_START_DOT.sub(b"..", message)
    if not content.endswith(b"\r\n"):
        content += b"\r\n"
    return content + b".\r\n"
