"""The process-wide matcher and its on-disk cache.

Building the matcher reads the whole gazetteer and compiles the automaton; it is pickled
once into the user's cache directory and loaded by every later process. Apart from
``matcher`` so that the automaton's code does not carry its storage.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import pickle
import sys
from functools import lru_cache
from importlib import resources
from pathlib import Path

from digest.seats.gazetteer import load_gazetteer
from digest.seats.matcher import SeatMatcher

# The layout of the pickled matcher: bump when what it holds changes shape, so that an old
# cache is never read into new code.
CACHE_FORMAT = "10"

# Named as before the cache moved out of ``matcher``: operators filter on it.
log = logging.getLogger("digest.seats.matcher")


@lru_cache(maxsize=1)
def default_matcher() -> SeatMatcher:
    """The process-wide matcher over the shipped gazetteer (built on first use).

    Building it reads 55,000 place rows and compiles the automaton, too slow to repeat at
    every start (bench/RESULTS.md); the result is pickled into the user's cache directory
    (``$SEATWATCH_CACHE_DIR``, else ``$XDG_CACHE_HOME/seatwatch`` or ``~/.cache/seatwatch``)
    under a key made of the data files and this code, so later processes load it in a
    fraction of the time. A cache that cannot be read or written is rebuilt or skipped,
    never an error.

    Its objects live as long as the process, so they are moved out of the garbage
    collector's view (``gc.freeze``): otherwise every full collection during a poll walks
    all of them again, a visible share of a warm poll's CPU.
    """
    path = _cache_path()
    matcher = _load_cached(path)
    if matcher is None:
        gazetteer = load_gazetteer()
        matcher = SeatMatcher(gazetteer)
        for table in ("seats", "seat_names", "mp_terms", "candidacies", "results", "successors"):
            getattr(gazetteer, table)  # computed now so that the cache holds them
        _store_cached(path, matcher)
    # Frozen as they are, without a collection first: one now would walk every object of
    # the process (a measurable part of the fork server's warm-up, which workers wait for;
    # bench/RESULTS.md), to find the few cycles importing left behind.
    gc.freeze()
    return matcher


def _cache_path() -> Path:
    root = os.environ.get("SEATWATCH_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "seatwatch"
    )
    key = hashlib.sha256()
    package = resources.files("digest.seats")
    for name in sorted(
        [f"data/{e.name}" for e in package.joinpath("data").iterdir()]
        + [
            f"{m}.py"
            for m in (
                "gazetteer",
                "records",
                "rows",
                "matcher",
                "resolve",
                "priors",
                "evidence",
                "wordlists",
            )
        ]
    ):
        key.update(name.encode())
        key.update(package.joinpath(name).read_bytes())
    key.update(sys.version.encode())
    key.update(CACHE_FORMAT.encode())
    return Path(root) / f"matcher-{key.hexdigest()[:16]}.pickle"


def _load_cached(path: Path) -> SeatMatcher | None:
    # The collector is paused while the matcher's hundreds of thousands of objects are made:
    # it would otherwise scan them again and again as they pile up (bench/RESULTS.md).
    collecting = gc.isenabled()
    gc.disable()
    try:
        with path.open("rb") as handle:
            matcher = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    finally:
        if collecting:
            gc.enable()
    return matcher if isinstance(matcher, SeatMatcher) else None


def _store_cached(path: Path, matcher: SeatMatcher) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            pickle.dump(matcher, handle, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(path)
    except OSError as exc:
        log.info("matcher cache not written to %s (%s); it is rebuilt per process", path, exc)
        return
    # Caches of older data or code are never read again: do not let upgrades pile them up.
    for stale in path.parent.glob("matcher-*.pickle"):
        if stale != path:
            stale.unlink(missing_ok=True)
