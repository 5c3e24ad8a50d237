"""Loaded once by the fork server that worker processes are forked from (``workers.py``).

Importing this module imports what workers run (cleaning, tagging, fingerprinting,
grouping, summarising, CSS inlining) and loads the seat matcher, so every worker starts
with them in memory, shared copy-on-write. It is a warm-up only: if any of it fails here,
each worker loads the same things when it first needs them and reports the failure then.

It also lowers the fork server's scheduling priority (``WORKER_NICENESS``), which every
worker inherits: the command's own process fetches, stores and sends, and must never wait
for a core behind its workers' batch work (nor, at start, behind this warm-up: a ``send``
with nothing new finishes before the warm-up would, and lost time sharing the cores with
it). When cores are free, the workers get them just the same.
"""

from __future__ import annotations

import importlib
import os

from digest.parallel.workers import WORKER_NICENESS

# Not the feed parsers: a worker parses only what the poll's own fast parser refused (a
# broken or odd feed, rare), and loads feedparser and httpx the first time it does;
# preloading them kept every poll's first workers waiting for them.
WORKER_MODULES = (
    "digest.prepare.items",
    "digest.stories.seat_stories",
    "digest.stories.grouping",  # numpy with it
    "digest.stories.summarise",  # and what a seat job imports only when it summarises
    "digest.stories.live",
    "premailer",  # requests and cssutils with it: the slowest import
)
# Then called: the seat matcher, loaded (from its cache) into the fork server's memory.
# Named, like the modules, rather than imported: this package sits below the stages it warms.
WORKER_LOADERS = (("digest.seats.matcher_cache", "default_matcher"),)

if hasattr(os, "nice"):
    os.nice(WORKER_NICENESS)

try:
    for name in WORKER_MODULES:
        importlib.import_module(name)
    for module, function in WORKER_LOADERS:
        getattr(importlib.import_module(module), function)()
except Exception:  # see the docstring: errors surface in the workers
    pass
