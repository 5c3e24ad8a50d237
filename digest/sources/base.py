"""The one protocol every source implements, and the factory that picks one from config.

A source is told what it knew after the last poll (``SourceState``: validators for a
conditional GET) and returns the items it finds now plus the state to keep. Sources never
touch the store: the pipeline decides what is new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import httpx

from digest.config import PollConfig, Settings, SourceConfig
from digest.models import FeedItem, SourceKind


@dataclass(frozen=True, slots=True)
class SourceState:
    """What a source remembers between polls."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class PollResult:
    """Items found by one poll, the state to keep, and what the operator should know."""

    items: tuple[FeedItem, ...]
    state: SourceState
    not_modified: bool = False
    warnings: tuple[str, ...] = field(default_factory=tuple)


class Source(Protocol):
    """Anything that can be polled for items."""

    name: str

    def poll(self, state: SourceState) -> PollResult:
        """Fetch the items available now; raise ``SourceError`` when that fails."""
        ...


def build_source(
    config: SourceConfig, settings: Settings, client: httpx.Client | None = None
) -> Source:
    """The source for one ``[[sources]]`` entry."""
    # Imported here to keep the protocol module free of implementation imports.
    from digest.sources.feed import FeedSource
    from digest.sources.folder import FolderSource

    if config.kind is SourceKind.FOLDER:
        return FolderSource(config.name, settings.resolve(config.location))
    location = config.location
    if not location.startswith(("http://", "https://")):
        location = str(settings.resolve(location))
    return FeedSource(config.name, location, settings.poll, client)


def is_url(location: str) -> bool:
    """True for an http(s) address."""
    return location.startswith(("http://", "https://"))


__all__ = ["PollConfig", "PollResult", "Source", "SourceState", "build_source", "is_url"]
