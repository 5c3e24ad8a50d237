"""The error tree of seatwatch.

::

    DigestError
     ├── ConfigError(key, hint)      bad configuration: stops start-up, never caught in the pipeline
     ├── SourceError                 one source failed; the others carry on
     │    ├── FetchError             could not fetch (network, HTTP status, too large)
     │    └── FeedParseError         fetched, but not a feed we can read
     ├── StoreError                  the database could not be opened or written
     ├── RenderError                 a template failed to render
     └── SendError                   a message could not be handed over
          ├── TemporarySendError     retry later
          ├── PermanentSendError     this recipient refused for good: do not retry
          ├── SenderSetupError       the sender's own setup was refused (TLS, login, API key):
          │                          stop the run, leave the queue as it was
          └── UnknownOutcomeError    the server may have taken the message (no answer after
                                     DATA): not resent in this run, resent once later

Runtime errors are caught per unit of work (per source, per message), logged with context and
the loop carries on. ``ConfigError`` sits in the same tree so the CLI can report every failure
one way, but the pipeline never catches it: a bad configuration must stop start-up.
"""

from __future__ import annotations

from pathlib import Path


class DigestError(Exception):
    """Base of every error seatwatch raises on purpose."""


class ConfigError(DigestError):
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
