"""Loaded once by the fork server that worker processes are forked from (``workers.py``).

Importing this module imports what workers run (parsing, cleaning, tagging, fingerprinting,
grouping, summarising) and loads the seat matcher, so every worker starts with them in
memory, shared copy-on-write. It is a warm-up only: if any of it fails here, each worker
loads the same things when it first needs them and reports the failure then.
"""

from __future__ import annotations

try:
    import digest.prepare
    import digest.seat_stories
    import digest.sources.feed
    import digest.stories  # noqa: F401  (numpy with it)
    from digest.seats.tagger import default_matcher

    default_matcher()
except Exception:  # see the docstring: errors surface in the workers
    pass
