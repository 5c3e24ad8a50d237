"""The factory: the source for one ``[[sources]]`` entry of the config.

Kept out of the protocol module (``base``) so that the protocol imports no implementation
and the implementations can import the protocol without a circle. A source gets what it
uses of the configuration: its own entry, the ``[poll]`` table and the config file's folder
(relative locations are read from there), never the whole ``Settings``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from digest.config import PollConfig, SourceConfig, resolve_path
from digest.models import SourceKind
from digest.sources.base import Source, is_url

if TYPE_CHECKING:
    from digest.sources.fetch import Fetcher
    from digest.sources.page import PageCache


def build_source(
    config: SourceConfig,
    poll: PollConfig,
    base_dir: Path,
    fetcher: Fetcher | None = None,
    page_cache: PageCache | None = None,
) -> Source:
    """The source for one ``[[sources]]`` entry; a relative ``location`` is read from
    ``base_dir``, the config file's folder."""
    # Imported here: feed parsing and page extraction load only for a source that needs them.
    from digest.sources.feed import FeedSource
    from digest.sources.folder import FolderSource

    if config.kind is SourceKind.FOLDER:
        return FolderSource(config.name, resolve_path(base_dir, config.location))
    location = config.location
    if not is_url(location):
        location = str(resolve_path(base_dir, location))
    return FeedSource(
        config.name,
        location,
        poll,
        fetcher,
        full_text=config.full_text,
        page_cache=page_cache,
    )
