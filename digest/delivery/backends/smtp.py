"""SMTP delivery: plain, STARTTLS or implicit TLS, with AUTH, a few connections per batch.

Works with any submission server (Postfix, Amazon SES, Gmail, Microsoft 365; see the README).
Certificates are verified by default; ``ca_file`` trusts a private CA instead of switching
verification off. Each sending thread opens its own connection lazily (up to ``connections``),
reuses it for every message it sends in the batch and reopens it once if the server dropped
it; ``messages_per_second`` limits all of them together. Server answers map onto the error
tree: 4xx and connection trouble are temporary (retry later), 5xx refusals are permanent.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import threading
import time
from collections.abc import Callable
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field

from digest.delivery.backends.base import MailBackend, parse_options
from digest.errors import ConfigError, PermanentSendError, TemporarySendError
from digest.models import OutgoingEmail, SendResult

log = logging.getLogger(__name__)


class SmtpOptions(BaseModel):
    """``[delivery.smtp]``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = Field(min_length=1)
    port: int | None = Field(default=None, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password_env: str | None = None
    timeout_seconds: float = Field(default=30.0, gt=0)
    verify_certificates: bool = True
    ca_file: str | None = None
    envelope_from: str | None = None
    messages_per_second: float = Field(default=0.0, ge=0)
    local_hostname: str | None = None
    # Messages sent at once, each over its own connection: a round trip per message is the
    # cost of SMTP, and several in flight hide it. Providers cap concurrent connections
    # (Gmail and Microsoft 365 a few, SES more): stay within yours.
    connections: int = Field(default=4, ge=1, le=64)


DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


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

    def _tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(
            cafile=str((self.base_dir / self.options.ca_file).expanduser())
            if self.options.ca_file
            else None
        )
        if not self.options.verify_certificates:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def _connect(self) -> smtplib.SMTP:
        options = self.options
        port = options.port or DEFAULT_PORTS[options.security]
        smtp: smtplib.SMTP | None = None
        try:
            if options.security == "tls":
                smtp = smtplib.SMTP_SSL(
                    options.host,
                    port,
                    timeout=options.timeout_seconds,
                    context=self._tls_context(),
                    local_hostname=options.local_hostname,
                )
            else:
                smtp = smtplib.SMTP(
                    options.host,
                    port,
                    timeout=options.timeout_seconds,
                    local_hostname=options.local_hostname,
                )
                if options.security == "starttls":
                    smtp.starttls(context=self._tls_context())
            if options.username and self.password is not None:
                smtp.login(options.username, self.password)
        except BaseException as exc:
            if smtp is not None:
                smtp.close()
            raise self._connect_error(exc, port) from exc
        log.info("smtp: connected to %s:%d (%s)", options.host, port, options.security)
        return smtp

    def _connect_error(self, exc: BaseException, port: int) -> BaseException:
        """The error-tree exception for a failure while connecting or logging in."""
        where = f"SMTP {self.options.host}:{port}"
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return PermanentSendError(
                f"{where} refused the login for {self.options.username!r}: "
                f"{exc.smtp_code} {_text(exc.smtp_error)}"
            )
        if isinstance(exc, ssl.SSLCertVerificationError):
            return PermanentSendError(
                f"{where}: certificate not trusted ({exc.verify_message}); "
                "set ca_file to the server's CA"
            )
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return PermanentSendError(f"{where} does not support {self.options.security.upper()}")
        if isinstance(exc, (OSError, smtplib.SMTPException)):
            return TemporarySendError(f"{where}: {exc}")
        return exc

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
        """Send ``message``; reconnect once if the server dropped the connection."""
        self._throttle()
        sender = self.options.envelope_from or parseaddr(message.sender)[1]
        for attempt in (1, 2):
            smtp = self._smtp
            if smtp is None:
                smtp = self._smtp = self._connect()
            try:
                refused = smtp.sendmail(sender, [message.to], message.message_bytes)
            except smtplib.SMTPServerDisconnected as exc:
                self._drop()
                if attempt == 2:
                    raise TemporarySendError(f"SMTP server disconnected: {exc}") from exc
                log.info("smtp: connection dropped, reconnecting")
                continue
            except smtplib.SMTPRecipientsRefused as exc:
                code, text = exc.recipients.get(message.to, (550, b"refused"))
                error = PermanentSendError if code >= 500 else TemporarySendError
                raise error(f"SMTP refused {message.to}: {code} {_text(text)}") from exc
            except smtplib.SMTPResponseException as exc:
                error = PermanentSendError if exc.smtp_code >= 500 else TemporarySendError
                raise error(f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}") from exc
            except (OSError, smtplib.SMTPException) as exc:
                self._drop()
                raise TemporarySendError(f"SMTP send failed: {exc}") from exc
            if refused:
                raise PermanentSendError(f"SMTP refused {message.to}: {refused}")
            return SendResult(backend=self.name, message_id=message.message_id)
        raise TemporarySendError("SMTP: could not send")  # pragma: no cover - loop returns
