"""The retry policy never tries a sender setup error or an unknown outcome again in the run."""

from __future__ import annotations

import pytest

from digest.delivery.retry import SendRetry
from digest.errors import SenderSetupError, TemporarySendError, UnknownOutcomeError


class _Once:
    """Fails with ``error`` first, then would succeed."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls == 1:
            raise self.error
        return "sent"


class _AmbiguousDrop(TemporarySendError, UnknownOutcomeError):
    """A third-party backend's error that is both: the unknown outcome must win."""


class _SetupAndTemporary(TemporarySendError, SenderSetupError):
    """Likewise for a setup error."""


@pytest.mark.parametrize(
    "error",
    [
        SenderSetupError("535 login refused"),
        UnknownOutcomeError("no answer after DATA"),
        _AmbiguousDrop("dropped after DATA"),
        _SetupAndTemporary("401 from the API"),
    ],
)
def test_setup_errors_and_unknown_outcomes_are_never_retried(error: Exception) -> None:
    waits: list[float] = []
    send = _Once(error)
    with pytest.raises(type(error)):
        SendRetry(3, 2.0, sleep=waits.append).call(send, "reader")
    assert send.calls == 1 and waits == []


def test_temporary_errors_are_still_retried() -> None:
    waits: list[float] = []
    send = _Once(TemporarySendError("421 busy"))
    assert SendRetry(3, 2.0, sleep=waits.append).call(send, "reader") == "sent"
    assert send.calls == 2 and len(waits) == 1
