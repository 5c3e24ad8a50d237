"""The SMTP backend's options and its connections: TCP, TLS (implicit or STARTTLS), AUTH.

Everything here happens before a message is handed over, and its failures are about the
server or our own set-up, never about one message: a certificate, TLS handshake, missing
STARTTLS or refused login is a ``SenderSetupError`` naming the ``[delivery.smtp]`` key to
fix, and a refused or dropped connection a ``TemporarySendError``. What happens once a
connection is open (the mail transaction and what each reply means) is ``smtp.py``'s.
"""

from __future__ import annotations

import smtplib
import ssl
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from digest.errors import SenderSetupError, TemporarySendError


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


def port_of(options: SmtpOptions) -> int:
    """The port to connect to: the configured one, else the usual one for ``security``."""
    return options.port or DEFAULT_PORTS[options.security]


def reply_text(value: bytes | str) -> str:
    """A server's reply as text (smtplib gives bytes or str depending on the call)."""
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def tls_context(options: SmtpOptions, base_dir: Path) -> ssl.SSLContext:
    """The TLS context: the system's CAs, or ``ca_file`` (relative to the config's folder)."""
    context = ssl.create_default_context(
        cafile=str((base_dir / options.ca_file).expanduser()) if options.ca_file else None
    )
    if not options.verify_certificates:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def open_connection(options: SmtpOptions, password: str | None, base_dir: Path) -> smtplib.SMTP:
    """A connection ready for a mail transaction: connected, TLS started, logged in.

    Raises the error-tree exception for a failure (``_connect_error``, ``_login_error``);
    a half-open connection is closed first.
    """
    port = port_of(options)
    smtp: smtplib.SMTP | None = None
    try:
        if options.security == "tls":
            smtp = smtplib.SMTP_SSL(
                options.host,
                port,
                timeout=options.timeout_seconds,
                context=tls_context(options, base_dir),
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
                smtp.starttls(context=tls_context(options, base_dir))
    except BaseException as exc:
        if smtp is not None:
            smtp.close()
        raise _connect_error(options, exc, port) from exc
    if options.username and password is not None:
        try:
            smtp.login(options.username, password)
        except BaseException as exc:
            smtp.close()
            raise _login_error(options, exc, port) from exc
    return smtp


def _connect_error(options: SmtpOptions, exc: BaseException, port: int) -> BaseException:
    """The error-tree exception for a failure while connecting and starting TLS.

    Certificate and TLS set-up failures are about our configuration (every message would
    fail the same way): ``SenderSetupError``, naming the key to fix. A refused or dropped
    connection may clear up: temporary.
    """
    where = f"SMTP {options.host}:{port}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return SenderSetupError(
            f"{where}: certificate not trusted ({exc.verify_message}); "
            "set [delivery.smtp] ca_file to the server's CA, or host to the name in its "
            "certificate"
        )
    if isinstance(exc, ssl.SSLError) and not isinstance(
        exc, ssl.SSLEOFError | ssl.SSLZeroReturnError
    ):
        # e.g. WRONG_VERSION_NUMBER: implicit TLS against a plain-text or STARTTLS port.
        return SenderSetupError(
            f"{where}: TLS handshake failed ({exc.reason or exc}); check [delivery.smtp] "
            'security and port ("tls" is for port 465, "starttls" for 587)'
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return SenderSetupError(
            f"{where} does not offer STARTTLS; check [delivery.smtp] host and port, or "
            'set security = "tls" if the server expects TLS from the first byte'
        )
    if isinstance(exc, OSError):  # smtplib's own errors are OSErrors too
        return TemporarySendError(f"{where}: {exc}")
    return exc


def _login_error(options: SmtpOptions, exc: BaseException, port: int) -> BaseException:
    """The error-tree exception for a failed login: ours to fix unless the server said 4xx."""
    where = f"SMTP {options.host}:{port}"
    fix = f"check [delivery.smtp] username and the password in ${options.password_env}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        text = f"{where} refused the login for {options.username!r}: "
        text += f"{exc.smtp_code} {reply_text(exc.smtp_error)}"
        if exc.smtp_code < 500:  # 454 temporary authentication failure
            return TemporarySendError(text)
        return SenderSetupError(f"{text}; {fix}")
    if isinstance(exc, smtplib.SMTPNotSupportedError) or (
        type(exc) is smtplib.SMTPException and "authentication method" in str(exc)
    ):
        return SenderSetupError(
            f"{where} offers no login we can use ({exc}); check [delivery.smtp] security "
            "(servers offer AUTH only after STARTTLS or TLS) and username"
        )
    if isinstance(exc, OSError):
        return TemporarySendError(f"{where}: {exc}")
    return exc
