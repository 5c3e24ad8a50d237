"""Article files as the commands that take them (``tag``, ``summarise``, ``stories``) read them.

One reading for all of them: the title on line 1, the body below, cleaned as a polled
article is cleaned, so a command shows what the digest would make of the same text. What
cleaning needs is imported when a file is read, so loading the command line stays cheap.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import typer

from digest.cli.common import check_file
from digest.errors import ConfigError, DigestError


def read_article(file: str) -> tuple[str, str]:
    """Title and cleaned body of an article file, or of stdin for ``-``."""
    title, body, _ = read_dated_article(file)
    return title, body


def read_dated_article(file: str) -> tuple[str, str, date | None]:
    """Title, cleaned body and the date the text prints (before cleaning removes it)."""
    from digest.dates import published_from_text
    from digest.prepare.clean import clean_body, clean_title
    from digest.sources.folder import parse_article_text

    if file == "-":
        text = sys.stdin.read()
    else:
        path = check_file(Path(file), key="FILE", hint="give an article text file or - for stdin")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError as exc:
            raise ConfigError(
                f"{file}: no such file", key="FILE", hint="give an article text file or - for stdin"
            ) from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise DigestError(f"{file}: cannot read as UTF-8 text ({exc})") from exc
    try:
        item = parse_article_text(text, source_name="cli", guid=file, published=None)
    except ValueError as exc:
        raise DigestError(
            f"{file}: not an article file ({exc}); the title goes on line 1, the body below"
        ) from exc
    printed = published_from_text(text)
    day = printed.date() if printed else None
    return clean_title(item.title), clean_body(item.body, is_html=False), day


def parse_day(value: str | None) -> date | None:
    """A ``--date`` option's day, or None when it is not given; bad usage (exit 2) when it
    is no ISO date."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{value!r} is not a date; write YYYY-MM-DD", param_hint="--date"
        ) from exc
