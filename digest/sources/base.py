"""The one protocol every source implements, and what it is told and returns.

A source is told what it knew after the last poll (``SourceState``: validators for a
conditional GET) and returns the items it finds now plus the state to keep. Sources do not
import the store, and the poll decides what is new; a feed source that fetches full-text
pages reads and writes them through the ``PageCache`` it is given (the store, in a poll,
from the poll's threads). The factory that picks a source from config is
``digest.sources.factory``, so this module imports no implementation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

from digest.config import FullText, PollConfig, SourceConfig
from digest.errors import ConfigError
from digest.models import FeedItem, SourceKind, SourceState


@dataclass(frozen=True, slots=True)
class PollResult:
    """Items found by one poll, the state to keep, and what the operator should know.

    ``min_interval_seconds`` is the publisher's own floor on the next poll (Cache-Control
    max-age, RSS ttl); the scheduler never polls sooner.
    """

    items: tuple[FeedItem, ...]
    state: SourceState
    not_modified: bool = False
    warnings: tuple[str, ...] = field(default_factory=tuple)
    min_interval_seconds: float | None = None
    # The feed's own title, cleaned ("" when it has none); ``None`` when nothing was read
    # (not modified, a folder), so the title the store keeps stays as it is.
    title: str | None = None


T = TypeVar("T")


class CpuRunner(Protocol):
    """Runs a CPU-bound function here or in a worker process."""

    def __call__(self, fn: Callable[..., T], /, *args: Any) -> T: ...


def run_here(fn: Callable[..., T], /, *args: Any) -> T:
    """The ``CpuRunner`` of a poll without worker processes."""
    return fn(*args)


@dataclass(frozen=True, slots=True)
class PollContext:
    """What a poll lends a source: where CPU-bound work may run (a worker process, in a big
    poll; the source decides which of its steps are worth sending there) and the time the
    poll started, which dates what the source remembers (page failures)."""

    run_cpu: CpuRunner = run_here
    now: datetime | None = None


# The context of a source polled on its own (a command checking one source, a test).
ON_ITS_OWN = PollContext()


class Source(Protocol):
    """Anything that can be polled for items."""

    name: str

    def poll(self, state: SourceState, context: PollContext = ON_ITS_OWN) -> PollResult:
        """Fetch the items available now; raise ``SourceError`` when that fails."""
        ...


def source_for_location(
    text: str, *, key: str, name: str | None = None, full_text: FullText = "auto"
) -> SourceConfig:
    """A source for an address typed on the command line: a feed URL, a feed file or a folder.

    ``ConfigError`` (naming ``key``, the option it came from) when it is neither a complete
    http(s) address nor an existing path.
    """
    if is_url(text):
        if not urlsplit(text).hostname:
            raise ConfigError(f"{text!r} has no host", key=key, hint="give a full feed address")
        default_name = _url_name(text)
        kind, location = SourceKind.FEED, text
    else:
        path = Path(text).expanduser().resolve()
        if not path.exists():
            raise ConfigError(
                f"{text!r} is neither an http(s) address nor an existing path",
                key=key,
                hint="give a feed URL, a feed file, or a folder of article .txt files",
            )
        kind = SourceKind.FOLDER if path.is_dir() else SourceKind.FEED
        location, default_name = str(path), path.name or str(path)
    return SourceConfig(
        name=name or default_name, kind=kind, location=location, full_text=full_text
    )


def _url_name(url: str) -> str:
    """The name a source at ``url`` gets when none is given: host and path."""
    parts = urlsplit(url)
    return f"{parts.hostname}{parts.path.rstrip('/')}"


def _path_parts(location: str) -> list[str]:
    return [p for p in location.replace("\\", "/").split("/") if p]


# " (2)", " (3)": what ``with_unique_names`` adds to tell clashing names apart.
_NUMBERED = re.compile(r" \(\d+\)$")


def is_location_name(name: str, location: str) -> bool:
    """True when ``name`` only repeats ``location``: the name ``source_for_location`` gives
    a source when none is given (a file's name, a URL's host and path), or one
    ``with_unique_names`` made of it.

    Such a name says where the feed is, not whose it is: the digest shows the feed's own
    title instead. A name the operator chose says more, and is shown as it is.
    """
    name = _NUMBERED.sub("", name)
    if is_url(location):
        try:
            return name == _url_name(location)
        except ValueError:  # a malformed port: no name was made of it
            return False
    parts = _path_parts(location)
    return any(name == "/".join(parts[-count:]) for count in range(1, len(parts) + 1))


def outlet_name(name: str, location: str, feed_title: str | None) -> str:
    """The outlet a reader sees for a source: the feed's own title when the source's name
    only repeats its location, else the name (and the name when the feed has no title).
    The digest, ``digest status`` and ``digest sources list`` all say it this one way."""
    if feed_title and is_location_name(name, location):
        return feed_title
    return name


def with_unique_names(sources: list[SourceConfig]) -> list[SourceConfig]:
    """``sources`` with names derived from their locations made unique.

    Two feed files called ``feed.xml`` in different folders both default to "feed.xml",
    and a store keeps one source per name: a clash takes as many of the location's
    trailing parts as tell them apart ("a/feed.xml", "b/feed.xml"), then a number.
    """
    taken: set[str] = set()
    clashing = {s.name for s in sources if [t.name for t in sources].count(s.name) > 1}
    named: list[SourceConfig] = []
    for source in sources:
        name = source.name
        if name in clashing:
            name = _distinct_name(source, sources, taken)
        suffix = 2
        base = name
        while name in taken:
            name, suffix = f"{base} ({suffix})", suffix + 1
        taken.add(name)
        named.append(source if name == source.name else source.model_copy(update={"name": name}))
    return named


def _distinct_name(source: SourceConfig, sources: list[SourceConfig], taken: set[str]) -> str:
    """The shortest trailing part of ``source``'s location no other clashing source shares."""
    parts = _path_parts(source.location)
    others = [_path_parts(s.location) for s in sources if s is not source and s.name == source.name]
    for count in range(2, len(parts) + 1):
        tail = parts[-count:]
        if all(o[-count:] != tail for o in others) and "/".join(tail) not in taken:
            return "/".join(tail)
    return source.name


def is_url(location: str) -> bool:
    """True for an http(s) address."""
    return location.startswith(("http://", "https://"))


__all__ = [
    "PollConfig",
    "PollResult",
    "Source",
    "SourceState",
    "is_location_name",
    "is_url",
    "with_unique_names",
]
