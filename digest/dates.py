"""An article's publication date, read from its own text or address.

Article files and some feed items carry no date, and a file's modification time says when it
was saved, not when the story ran: a 2017 story would be dated today and its seat's MP taken
from today's Parliament. Pages print their date in a dateline, so that is read first:

* a labelled date: "PUBLISHED: 17:14 20 September 2017 | UPDATED: ...", "Published 3 May
  2024", "Posted On: 1st July 2016", "date 2022-11-25" (the first published date of a line
  wins over an updated one);
* a dateline: a short line that is a date and little else ("Friday, 13th December 2019,
  11:30 am", "March 25 2024, 17.21pm", "23rd January 2015");
* a date in the address: /2019/12/13/, /2023-09-13/, a PressReader-style /20200803/.

A date inside a sentence ("polls open on 4 July 2024") is not the publication date and is
never read. Times are read as UTC (a British page's time is at most an hour off, which no
date here depends on); a date without a time is midnight UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

# Each month's name and the abbreviations news pages write for it.
_MONTH_NAMES = (
    ("january", "jan"),
    ("february", "feb"),
    ("march", "mar"),
    ("april", "apr"),
    ("may",),
    ("june", "jun"),
    ("july", "jul"),
    ("august", "aug"),
    ("september", "sep", "sept"),
    ("october", "oct"),
    ("november", "nov"),
    ("december", "dec"),
)
# Month names and abbreviations (lower case) to the month's number.
MONTHS = {name: number for number, names in enumerate(_MONTH_NAMES, start=1) for name in names}
# The abbreviations alone: a full stop after one does not end a sentence.
MONTH_ABBREVIATIONS = frozenset(short for names in _MONTH_NAMES for short in names[1:])

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_DATE_PATTERNS = [
    re.compile(rf"\b{_DAY}(?:\s+of)?\s+{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b"),
    re.compile(r"\b(?P<day>[0-3]?\d)/(?P<month>[01]?\d)/(?P<year>(?:19|20)\d\d)\b"),
]
_TIME = re.compile(r"\b(?P<hour>[012]?\d)[:.](?P<minute>[0-5]\d)\s*(?P<half>[ap]\.?m\b\.?)?", re.I)
# No word boundary before the label: pages glue it to the byline ("Abbie ChesherPublished").
_LABEL = re.compile(
    r"(?P<label>published|posted|created|first published|date|updated|last updated|modified)"
    r"(?:\s+(?:on|at|date))?\s*:?\s*",
    re.IGNORECASE,
)
_WEEKDAY = re.compile(r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b,?", re.IGNORECASE)
_URL_DATES = [
    re.compile(r"/(?P<year>(?:19|20)\d\d)[/-](?P<month>[01]\d)[/-](?P<day>[0-3]\d)(?:/|$|\b)"),
    re.compile(r"/(?P<year>(?:19|20)\d\d)(?P<month>[01]\d)(?P<day>[0-3]\d)/"),
]
# A dateline is a date with at most this many other words (a weekday, a time, "GMT", "|").
DATELINE_EXTRA_WORDS = 3
# Datelines stand near the top of a page; a date further down is in the story or a footer.
HEAD_LINES = 40


def published_from_text(text: str, url: str | None = None) -> datetime | None:
    """The publication date (UTC) the article's text or address gives, or None."""
    lines = [line.strip() for line in text.replace("\r", "\n").split("\n") if line.strip()]
    found = [_line_date(line) for line in lines[:HEAD_LINES]]
    dateline: datetime | None = None
    updated: datetime | None = None
    for number, date in enumerate(found):
        # Dates on neighbouring lines are a list of other stories ("- Published 8 December
        # 2022" under "Related topics"), not this page's dateline.
        if date is None:
            continue
        when, kind = date
        neighbours = (found[n] for n in (number - 1, number + 1) if 0 <= n < len(found))
        if any(other is not None and other[1] == kind for other in neighbours):
            continue
        if kind == "published":
            return when
        if kind == "updated":
            updated = updated or when
        else:
            dateline = dateline or when
    return dateline or _url_date(url) or updated


def opens_with_date(text: str) -> bool:
    """Whether ``text`` starts with a date or a dateline ("Published 3 May 2024 ...")."""
    label = _LABEL.match(text)
    rest = text[label.end() :] if label else text
    return _date_at_start(rest.lstrip()) is not None


def _line_date(line: str) -> tuple[datetime, str] | None:
    """(date, "published" | "updated" | "dateline") when ``line`` gives one."""
    labelled = _labelled_date(line)
    if labelled is not None:
        return labelled[0], "updated" if labelled[1] else "published"
    when = _dateline(line)
    return (when, "dateline") if when else None


def _labelled_date(line: str) -> tuple[datetime, bool] | None:
    """(date, whether it is an update) from a label directly before a date."""
    for label in _LABEL.finditer(line):
        rest = line[label.end() :]
        time = _TIME.match(rest)  # "PUBLISHED: 17:14 20 September 2017"
        after_time = rest[time.end() :].lstrip(" ,") if time else rest
        weekday = _WEEKDAY.match(after_time)
        after_time = after_time[weekday.end() :].lstrip() if weekday else after_time
        found = _date_at_start(after_time)
        if found is None:
            continue
        when, end = found
        clock = time or _TIME.match(after_time[end:].lstrip(" ,"))
        is_update = label.group("label").lower() in ("updated", "last updated", "modified")
        return _with_time(when, clock), is_update
    return None


def _dateline(line: str) -> datetime | None:
    """The date of a line that is a date and little else."""
    for pattern in _DATE_PATTERNS:
        match = pattern.search(line)
        if match is None:
            continue
        when = _date_of(match)
        if when is None:
            continue
        rest = line[: match.start()] + " " + line[match.end() :]
        clock = _TIME.search(rest)
        if clock:
            rest = rest[: clock.start()] + rest[clock.end() :]
        rest = _WEEKDAY.sub(" ", rest)
        words = [w for w in re.findall(r"[A-Za-z]+", rest) if w.lower() not in ("gmt", "bst")]
        if len(words) <= DATELINE_EXTRA_WORDS:
            return _with_time(when, clock)
    return None


def _date_at_start(text: str) -> tuple[datetime, int] | None:
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            when = _date_of(match)
            if when is not None:
                return when, match.end()
    return None


def _url_date(url: str | None) -> datetime | None:
    if not url:
        return None
    for pattern in _URL_DATES:
        match = pattern.search(url)
        if match:
            when = _date_of(match)
            if when is not None:
                return when
    return None


def _date_of(match: re.Match[str]) -> datetime | None:
    month = match.group("month")
    number = int(month) if month.isdigit() else MONTHS[month.lower().rstrip(".")]
    try:
        return datetime(int(match.group("year")), number, int(match.group("day")), tzinfo=UTC)
    except ValueError:
        return None


def _with_time(day: datetime, clock: re.Match[str] | None) -> datetime:
    if clock is None:
        return day
    hour, minute = int(clock.group("hour")), int(clock.group("minute"))
    half = (clock.group("half") or "").lower()
    if half.startswith("p") and hour < 12:
        hour += 12
    elif half.startswith("a") and hour == 12:
        hour = 0
    if hour > 23:
        return day
    return day.replace(hour=hour, minute=minute)
