"""Retrying a send that failed for a reason that may clear up (tenacity).

A 421 from a busy SMTP server, a 429 or a 503 from a mail API, a dropped connection: most
clear up within seconds, so a send is tried again in the same run, after an exponentially
growing, jittered wait (jitter keeps a batch of threads from retrying in lock-step), or
after the server's own ``Retry-After`` when it gave one. Permanent refusals are never
retried, nor are ``SenderSetupError`` (every message would fail the same way until the
operator fixes the configuration) and ``UnknownOutcomeError`` (the server may already have
the message: a second attempt would likely deliver a second copy), even should a backend
ever raise one that is also a ``TemporarySendError``. What still fails after the last
attempt is left to the next run (the period stays "failed" in the store, with its attempts
and last error).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    retry_if_not_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from digest.errors import SenderSetupError, TemporarySendError, UnknownOutcomeError

log = logging.getLogger(__name__)

T = TypeVar("T")

# Never tried again in the run, whatever else they are.
NEVER_RETRIED = (SenderSetupError, UnknownOutcomeError)

# The longest wait between two attempts, whatever a server asks for: a send that has to wait
# longer is better left to the next run than holding a thread.
MAX_WAIT_SECONDS = 60.0


class SendRetry:
    """How often, and after how long, a temporarily failed send is tried again."""

    def __init__(
        self,
        attempts: int,
        first_wait_seconds: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.attempts = attempts
        self.first_wait_seconds = first_wait_seconds
        self.sleep = sleep
        self._backoff = wait_exponential_jitter(
            multiplier=first_wait_seconds, max=MAX_WAIT_SECONDS, jitter=first_wait_seconds
        )

    def wait_seconds(self, state: RetryCallState) -> float:
        """The server's ``Retry-After`` when it gave one, else exponential backoff."""
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        asked = getattr(error, "retry_after", None)
        if isinstance(asked, int | float) and asked > 0:
            return min(float(asked), MAX_WAIT_SECONDS)
        return float(self._backoff(state))

    def call(self, send: Callable[[], T], what: str) -> T:
        """``send()``, tried up to ``attempts`` times while it fails temporarily."""

        def before_sleep(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome is not None else None
            wait = state.next_action.sleep if state.next_action is not None else 0.0
            log.warning(
                "%s: attempt %d failed (%s); trying again in %.1f s",
                what,
                state.attempt_number,
                error,
                wait,
            )

        retrying = Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=self.wait_seconds,
            retry=retry_if_exception_type(TemporarySendError)
            & retry_if_not_exception_type(NEVER_RETRIED),
            before_sleep=before_sleep,
            sleep=self.sleep,
            reraise=True,
        )
        return retrying(send)
