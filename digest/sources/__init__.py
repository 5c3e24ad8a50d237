"""Article sources: each polls one place and returns raw ``FeedItem`` objects."""

from digest.sources.base import PollResult, Source, SourceState
from digest.sources.factory import build_source

__all__ = ["PollResult", "Source", "SourceState", "build_source"]
