"""The in-memory backend: keeps every message in a process-wide outbox. For tests and dry runs.

``[delivery] backend = "memory"`` sends nothing anywhere: each message is appended to
``outbox``, a list shared by the whole process, where a test (or a dry pipeline that only
wants to count what it would send) reads it and ``clear_outbox()`` empties it. It takes no
options and never fails, so a pipeline test exercises claim, render and settle without a
server; to test failures use the SMTP or HTTP backends against the loopback servers in
``tests/``. Messages live until the process ends or the outbox is cleared: never use it for
a real send, nothing is delivered.

It plays the part of django-anymail's ``test`` backend (``mail.outbox``): a test double that
is a real, registered backend, built and validated through the same registry as the others.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict

from digest.delivery.backends.base import MailBackend, parse_options
from digest.models import OutgoingEmail, SendResult

# Every message any MemoryBackend in this process accepted, oldest first.
outbox: list[OutgoingEmail] = []
_lock = threading.Lock()


def clear_outbox() -> None:
    """Forget every message kept so far (a test calls this before it sends)."""
    with _lock:
        outbox.clear()


class MemoryOptions(BaseModel):
    """``[delivery.memory]``: no options, but an unknown one is still a config error."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class MemoryBackend(MailBackend):
    """Appends each message to the module's ``outbox`` instead of sending it."""

    name = "memory"

    @classmethod
    def from_config(cls, options: dict[str, Any], base_dir: Path) -> Self:
        """``[delivery.memory]`` takes no options."""
        parse_options(MemoryOptions, options, cls.name)
        return cls()

    def send(self, message: OutgoingEmail) -> SendResult:
        """Keep ``message``; its own Message-ID is the id a provider would have given."""
        with _lock:
            outbox.append(message)
        return SendResult(backend=self.name, message_id=message.message_id)
