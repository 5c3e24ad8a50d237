"""A folder of article text files: UTF-8, the title on line 1, the body below.

This is the format of hand-collected articles (and of ``../shared/seeds``). The file's path
relative to the folder is its identity, so renaming a file makes a new item while editing one
keeps it. The format has no date field: the date the text itself prints (a dateline, "Published
3 May 2024", see ``digest/dates.py``) is its publication date, the file's modification time
only when the text gives none.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from pathlib import Path

from digest.dates import published_from_text
from digest.errors import FetchError
from digest.models import FeedItem
from digest.sources.base import ON_ITS_OWN, PollContext, PollResult, SourceState

log = logging.getLogger(__name__)

ARTICLE_SUFFIXES = frozenset({".txt", ".text"})


class FolderSource:
    """Reads every article file in one folder (not recursively)."""

    def __init__(self, name: str, folder: Path) -> None:
        self.name = name
        self.folder = folder

    def poll(self, state: SourceState, context: PollContext = ON_ITS_OWN) -> PollResult:
        """Every readable article file; unreadable files are reported, not fatal."""
        if not self.folder.is_dir():
            raise FetchError(f"{self.folder} is not a folder (source {self.name!r})")
        items: list[FeedItem] = []
        warnings: list[str] = []
        for path in sorted(self.folder.iterdir()):
            if not path.is_file() or path.suffix.lower() not in ARTICLE_SUFFIXES:
                continue
            try:
                items.append(read_article_file(path, self.name, relative_to=self.folder))
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                message = f"{path}: skipped ({exc})"
                log.warning("source %r: %s", self.name, message)
                warnings.append(message)
        return PollResult(items=tuple(items), state=state, warnings=tuple(warnings))


def read_article_file(path: Path, source_name: str, relative_to: Path | None = None) -> FeedItem:
    """One article file as a ``FeedItem``; ``ValueError`` when it has no title or body."""
    text = path.read_text(encoding="utf-8-sig")
    published = published_from_text(text) or datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    return parse_article_text(
        text, source_name=source_name, guid=_file_guid(path, relative_to), published=published
    )


def parse_article_text(
    text: str, *, source_name: str, guid: str, published: datetime | None
) -> FeedItem:
    """Split article text into title (first non-blank line) and body."""
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise ValueError("empty file")
    title = lines[0].strip()
    body = "\n".join(lines[1:]).strip()
    if not body:
        raise ValueError("no body below the title line")
    return FeedItem(
        source_name=source_name,
        guid=guid,
        url=None,
        title=title,
        body=body,
        published=published,
    )


def _file_guid(path: Path, relative_to: Path | None) -> str:
    name = path.relative_to(relative_to).as_posix() if relative_to else path.name
    base = str(relative_to.resolve()) if relative_to else str(path.parent.resolve())
    digest = hashlib.sha256(base.encode()).hexdigest()[:12]
    return f"file:{digest}/{name}"
