"""Polling: fetch every due source concurrently, then clean, dedupe, tag and store its items.

``run`` (``poll_all``: sources fetched in threads, parsed and prepared there or in worker
processes, stored by the calling thread as each arrives) and ``records`` (what a poll
stores and reports: outcomes, items, next polls and backoff).
"""

from digest.polling.records import PollReport, SourceOutcome, all_sources, store_prepared
from digest.polling.run import PollWindow, poll_all

__all__ = ["PollReport", "PollWindow", "SourceOutcome", "all_sources", "poll_all", "store_prepared"]
