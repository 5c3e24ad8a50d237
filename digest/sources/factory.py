"""The factory: the source for one ``[[sources]]`` entry of the config.

Kept out of the protocol module (``base``) so that the protocol imports no implementation
and the implementations can import the protocol without a circle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from digest.config import Settings, SourceConfig
from digest.models import SourceKind
from digest.sources.base import Source, is_url

if TYPE_CHECKING:
    from digest.sources.fetch import Fetcher
    from digest.sources.page import PageCache


def build_source(
    config: SourceConfig,
    settings: Settings,
    fetcher: Fetcher | None = None,
    page_cache: PageCache | None = None,
) -> Source:
    """The source for one ``[[sources]]`` entry."""
    # Imported here: feed parsing and page extraction load only for a source that needs them.
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
