"""The error tree of seatwatch.

::

    SeatwatchError                   every error seatwatch raises on purpose
     ├── ConfigError(key, hint)      bad configuration: stops start-up (exit 2), and stops the
     │                               daemon if met at run time; no job loop catches it
     └── DigestError                 a runtime failure: caught per unit of work
          ├── SourceError            one source failed; the others carry on
          │    ├── FetchError        could not fetch (network, HTTP status, too large)
          │    └── FeedParseError    fetched, but not a feed we can read
          ├── StoreError             the database could not be opened or written
          ├── RenderError            a template failed to render
          └── SendError              a message could not be handed over
               ├── TemporarySendError   retry later
               ├── PermanentSendError   this recipient refused for good: do not retry
               ├── SenderSetupError     the sender's own setup was refused (TLS, login, API
               │                        key): stop the run, leave the queue as it was
               └── UnknownOutcomeError  the server may have taken the message (no answer
                                        after DATA): not resent in this run, resent once later

Runtime errors (``DigestError`` and below) are caught per unit of work (per source, per
message), logged with context and the loop carries on. ``ConfigError`` is deliberately
outside that tree (as django-anymail keeps its configuration errors apart): a loop catching
``DigestError`` can never swallow a bad configuration, which must stop start-up, or a
running daemon, with a message naming the file, key and fix. The CLI reports both kinds
(``SeatwatchError``) one way, with exit codes 2 and 1.
"""

from __future__ import annotations

from pathlib import Path


class SeatwatchError(Exception):
    """Base of every error seatwatch raises on purpose."""


class DigestError(SeatwatchError):
    """A runtime failure of one unit of work (a source, a message, a store write)."""


class ConfigError(SeatwatchError):
    """The configuration is wrong; the message says where and what to write instead."""

    def __init__(
        self,
        message: str,
        *,
        path: Path | None = None,
        key: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = path
        self.key = key
        self.hint = hint
        parts = []
        if path is not None:
            parts.append(str(path))
        if key:
            parts.append(key)
        prefix = ": ".join(parts)
        text = f"{prefix}: {message}" if prefix else message
        if hint:
            text = f"{text}\n  fix: {hint}"
        super().__init__(text)


class SourceError(DigestError):
    """A source could not be polled."""


class FetchError(SourceError):
    """The source's bytes could not be fetched."""


class FeedParseError(SourceError):
    """The bytes were fetched but hold no feed we can read."""


class StoreError(DigestError):
    """The store could not be opened, migrated or written."""


class RenderError(DigestError):
    """A digest could not be rendered."""


class SendError(DigestError):
    """A message could not be handed to the mail backend."""


class TemporarySendError(SendError):
    """The backend may accept the message later: retry with backoff."""


class PermanentSendError(SendError):
    """The backend refused the message for good: do not retry."""


class SenderSetupError(SendError):
    """The sender's own configuration or credentials were refused, not one recipient.

    An untrusted certificate, STARTTLS not offered, a failed login, an HTTP API answering
    401 or 403: every message would fail the same way. The send loop stops after the first
    one and leaves every digest unsent (not "rejected"), so the next run after the operator
    fixes the configuration delivers the whole period.
    """


class UnknownOutcomeError(SendError):
    """The message was handed over but the server never answered (e.g. dropped after DATA).

    It may have been delivered. It is not sent again in the same run (a new connection would
    likely deliver a second copy); it is left "unknown" and resent at most once by a later
    run, with the same Message-ID so receivers can drop a duplicate.
    """
