"""The contract every mail backend fulfils, and the registry that finds them by name.

Implementers subclass ``MailBackend``:

- set ``name`` (the value of ``[delivery] backend``);
- validate options in ``from_config`` and raise ``ConfigError`` naming the key and the fix,
  so a bad setting stops start-up rather than the first send;
- in ``send``, hand the message over and return a ``SendResult`` with the provider's message
  id, or raise ``TemporarySendError`` (retry later), ``PermanentSendError`` (this recipient
  or message refused: do not retry), ``SenderSetupError`` (our own TLS, login, key or sender
  refused: the run stops, naming the key to fix) or ``UnknownOutcomeError`` (handed over
  but unanswered: never resent on a new connection); never return a failure value;
- acquire connections in ``open`` and release them in ``close`` (both may be called on a
  backend used as a context manager);
- set ``concurrency`` above 1 only if ``send`` may be called from that many threads at once
  (each SMTP thread gets its own connection; an HTTP client is shared).

Backends register through the ``seatwatch.backends`` entry-point group in ``pyproject.toml``,
so a new one is a new module and one line there.
"""

from __future__ import annotations

import difflib
from abc import ABC, abstractmethod
from importlib.metadata import entry_points
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Self, TypeGuard, TypeVar

from pydantic import BaseModel, ValidationError

from digest.errors import ConfigError
from digest.models import OutgoingEmail, SendResult

ENTRY_POINT_GROUP = "seatwatch.backends"


class MailBackend(ABC):
    """Delivers rendered messages."""

    name: ClassVar[str]

    @property
    def concurrency(self) -> int:
        """How many ``send`` calls may run at once (threads); 1 unless a backend says so."""
        return 1

    @classmethod
    @abstractmethod
    def from_config(cls, options: dict[str, Any], base_dir: Path) -> Self:
        """A backend built from its ``[delivery.<name>]`` table; ``ConfigError`` if invalid."""

    def open(self) -> None:  # noqa: B027 - optional hook, most backends need no set-up
        """Acquire connections before a batch."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections after a batch."""

    @abstractmethod
    def send(self, message: OutgoingEmail) -> SendResult:
        """Deliver one message or raise a ``SendError`` subclass."""

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


OptionsT = TypeVar("OptionsT", bound=BaseModel)


def parse_options(model: type[OptionsT], options: dict[str, Any], backend: str) -> OptionsT:
    """``[delivery.<backend>]`` validated by ``model``; ``ConfigError`` naming the key if not."""
    try:
        return model.model_validate(options)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        message = first["msg"]
        hint = f"see the {backend} backend in docs/delivery.md for every option"
        if first["type"] == "extra_forbidden":
            known = list(model.model_fields)
            close = difflib.get_close_matches(key, known, n=1)
            message = "unknown key"
            hint = (
                (f"did you mean {close[0]!r}? " if close else "")
                + "valid keys: "
                + ", ".join(known)
            )
        raise ConfigError(
            message, key=f"delivery.{backend}" + (f".{key}" if key else ""), hint=hint
        ) from exc


def available_backends() -> dict[str, type[MailBackend]]:
    """Every registered backend class by name."""
    found: dict[str, type[MailBackend]] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        backend = entry.load()
        if _is_backend(backend):
            found[entry.name] = backend
    return found


def _is_backend(value: object) -> TypeGuard[type[MailBackend]]:
    return isinstance(value, type) and issubclass(value, MailBackend)


def create_backend(name: str, options: dict[str, Any], base_dir: Path) -> MailBackend:
    """The backend registered as ``name``, configured; ``ConfigError`` if unknown.

    Only that backend's module is loaded: a send over SMTP has no use for the HTTP APIs'.
    """
    entries = {entry.name: entry for entry in entry_points(group=ENTRY_POINT_GROUP)}
    backend = entries[name].load() if name in entries else None
    if not _is_backend(backend):
        known = ", ".join(sorted(available_backends())) or "none (is seatwatch installed with pip?)"
        raise ConfigError(
            f"unknown mail backend {name!r}",
            key="delivery.backend",
            hint=f"use one of: {known}",
        )
    return backend.from_config(options, base_dir)
