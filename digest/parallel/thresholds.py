"""When a stage goes parallel: every threshold for using worker processes, in one place.

The numbers were measured on two cores (``bench/RESULTS.md``): below them, starting and
feeding workers costs more than the work saves. ``[poll] workers`` (``worker_count``) caps
the processes; 1 keeps everything in the calling process.
"""

from __future__ import annotations

# Below this many sources a poll is done before worker processes would have started.
PROCESSES_FROM_SOURCES = 16

# From this many distinct sections a send groups and summarises in worker processes.
PROCESSES_FROM_SECTIONS = 8

# Processes premailer runs in: a digest's frame and its sections not inlined yet, in one page
# per process, at once.
INLINING_PROCESSES = 2

# Seats whose stories are in flight per worker: enough to keep each busy, few enough that
# memory holds a few seats' articles, not every seat's.
SECTIONS_PER_WORKER = 2


def sections_in_flight(workers: int) -> int:
    """How many seats' stories the composer hands to ``workers`` processes at once."""
    return SECTIONS_PER_WORKER * max(1, workers)
