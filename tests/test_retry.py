"""Temporarily failed sends are tried again in the run: backoff, Retry-After, a limit."""

from __future__ import annotations

import pytest

from digest.delivery.retry import MAX_WAIT_SECONDS, SendRetry
from digest.errors import PermanentSendError, TemporarySendError


class _Flaky:
    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "sent"


class _RetryAfter(TemporarySendError):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"429, retry after {seconds} s")
        self.retry_after = seconds


def test_temporary_failures_are_retried_with_growing_jittered_waits() -> None:
    waits: list[float] = []
    send = _Flaky([TemporarySendError("421 busy"), TemporarySendError("421 busy")])
    assert SendRetry(3, 2.0, sleep=waits.append).call(send, "reader") == "sent"
    assert send.calls == 3
    # First wait 2 s plus up to 2 s of jitter, the second about twice that.
    assert 2.0 <= waits[0] <= 4.0 and 4.0 <= waits[1] <= 6.0


def test_the_servers_retry_after_wins_up_to_a_cap() -> None:
    waits: list[float] = []
    send = _Flaky([_RetryAfter(7), _RetryAfter(3600)])
    assert SendRetry(3, 2.0, sleep=waits.append).call(send, "reader") == "sent"
    assert waits == [7.0, MAX_WAIT_SECONDS]


def test_permanent_failures_are_not_retried_and_the_last_error_is_raised() -> None:
    waits: list[float] = []
    refused = _Flaky([PermanentSendError("550 no such user")])
    with pytest.raises(PermanentSendError):
        SendRetry(3, 2.0, sleep=waits.append).call(refused, "reader")
    assert refused.calls == 1 and waits == []
    busy = _Flaky([TemporarySendError(f"451 try {n}") for n in range(5)])
    with pytest.raises(TemporarySendError, match="451 try 2"):
        SendRetry(3, 2.0, sleep=waits.append).call(busy, "reader")
    assert busy.calls == 3
