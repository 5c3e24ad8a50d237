"""The one protocol every source implements, and the factory that picks one from config.

A source is told what it knew after the last poll (``SourceState``: validators for a
conditional GET) and returns the items it finds now plus the state to keep. Sources never
touch the store: the pipeline decides what is new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from digest.config import FullText, PollConfig, Settings, SourceConfig
from digest.errors import ConfigError
from digest.models import FeedItem, SourceKind

if TYPE_CHECKING:
    from digest.sources.fetch import Fetcher
    from digest.sources.page import PageCache


@dataclass(frozen=True, slots=True)
class SourceState:
    """What a source remembers between polls.

    ``url`` replaces the configured address once the publisher has moved the feed (301/308)
    or once the feed was discovered from a web page.
    """

    etag: str | None = None
    last_modified: str | None = None
    url: str | None = None


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


class Source(Protocol):
    """Anything that can be polled for items."""

    name: str

    def poll(self, state: SourceState) -> PollResult:
        """Fetch the items available now; raise ``SourceError`` when that fails."""
        ...


def build_source(
    config: SourceConfig,
    settings: Settings,
    fetcher: Fetcher | None = None,
    page_cache: PageCache | None = None,
) -> Source:
    """The source for one ``[[sources]]`` entry."""
    # Imported here to keep the protocol module free of implementation imports.
    from digest.sources.feed import FeedSource
    from digest.sources.folder import FolderSource

    if config.kind is SourceKind.FOLDER:
        return FolderSource(config.name, settings.resolve(config.location))
    location = config.location
    if not is_url(location):
        location = str(settings.resolve(location))
    return FeedSource(
        config.name,
        location,
        settings.poll,
        fetcher,
        full_text=config.full_text,
        page_cache=page_cache,
    )


def source_for_location(
    text: str, *, key: str, name: str | None = None, full_text: FullText = "auto"
) -> SourceConfig:
    """A source for an address typed on the command line: a feed URL, a feed file or a folder.

    ``ConfigError`` (naming ``key``, the option it came from) when it is neither a complete
    http(s) address nor an existing path.
    """
    if is_url(text):
        parts = urlsplit(text)
        if not parts.hostname:
            raise ConfigError(f"{text!r} has no host", key=key, hint="give a full feed address")
        default_name = f"{parts.hostname}{parts.path.rstrip('/')}"
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


def is_url(location: str) -> bool:
    """True for an http(s) address."""
    return location.startswith(("http://", "https://"))


__all__ = ["PollConfig", "PollResult", "Source", "SourceState", "build_source", "is_url"]
