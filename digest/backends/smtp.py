"""SMTP delivery: plain, STARTTLS or implicit TLS, with AUTH, one connection per batch.

Works with any submission server (Postfix, Amazon SES, Gmail, Microsoft 365; see the README).
Certificates are verified by default; ``ca_file`` trusts a private CA instead of switching
verification off. The connection is opened lazily, reused for every message of a batch and
reopened once if the server dropped it. Server answers map onto the error tree: 4xx and
connection trouble are temporary (retry later), 5xx refusals are permanent.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import time
from collections.abc import Callable
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field

from digest.backends.base import MailBackend, parse_options
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
        self._smtp: smtplib.SMTP | None = None
        self._last_send = 0.0

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
        """Say QUIT and close the connection, if one is open."""
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None

    def _throttle(self) -> None:
        rate = self.options.messages_per_second
        if rate <= 0:
            return
        wait = self._last_send + 1.0 / rate - time.monotonic()
        if wait > 0:
            self.sleep(wait)
        self._last_send = time.monotonic()

    def send(self, message: OutgoingEmail) -> SendResult:
        """Send ``message``; reconnect once if the server dropped the connection."""
        self._throttle()
        sender = self.options.envelope_from or parseaddr(message.sender)[1]
        for attempt in (1, 2):
            if self._smtp is None:
                self._smtp = self._connect()
            try:
                refused = self._smtp.sendmail(sender, [message.to], message.message_bytes)
            except smtplib.SMTPServerDisconnected as exc:
                self._smtp = None
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
                self.close()
                raise TemporarySendError(f"SMTP send failed: {exc}") from exc
            if refused:
                raise PermanentSendError(f"SMTP refused {message.to}: {refused}")
            return SendResult(backend=self.name, message_id=message.message_id)
        raise TemporarySendError("SMTP: could not send")  # pragma: no cover - loop returns
