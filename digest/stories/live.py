"""Live coverage: running pages (live blogs, match reports) that no extract can summarise.

A live blog is a stack of timestamped updates ("14:32 The count has begun ..."); a match or
transfer report is a sports page ("Town have completed the signing of ...", "#itfc"). Any
sentences taken from them read as nonsense out of context, so a story that is one of them is
summarised by saying so (``LIVE_SUMMARY``, after the headline) or, with ``[digest]
live_coverage = "omit"``, left out of seat sections.

Signals, each common on such pages and rare in a news report:

* the headline says it: "live", "as it happened", "live updates";
* the page says it: "Follow live updates", "Refresh for the latest", "Live coverage";
* several lines open with a clock time ("14:32", "2.15pm", "10:05 BST");
* club hashtags ("#itfc", "#ncfc") and match vocabulary ("kick-off", "full-time").

One signal from the headline or the page is enough; lines opening with a time need several
of them, match vocabulary needs several words, so one "14:32" or one "goal" in a report
changes nothing.
"""

from __future__ import annotations

import re

from digest.text import split_paragraphs

LIVE_SUMMARY = "Live coverage: a page of running updates; open it for the latest."
MATCH_SUMMARY = "Sports coverage: a match or club report."

_LIVE_TITLE = re.compile(
    r"[–—:|-]\s*live\b|^live\b|\blive[!:]|\blive (?:updates?|blog|coverage|reaction|results?|"
    r"stream|text|commentary)\b|\bas it happened\b|\blatest updates\b",
    re.IGNORECASE,
)
_LIVE_PAGE = re.compile(
    r"\b(?:follow (?:our |the |all the )?live\b|refresh (?:this page )?for (?:the )?latest|"
    r"as it happened|(?:this|our) live (?:page|blog)|live updates as they happen)",
    re.IGNORECASE,
)
_TIMESTAMP = re.compile(r"^\s*(?:[01]?\d|2[0-3])[:.][0-5]\d(?:\s*(?:am|pm|bst|gmt))?\b", re.I)
_CLUB_TAG = re.compile(r"(?<!\w)#[a-z]{2,6}fc\b|(?<!\w)#(?:coyb|utt|otbc|ktbffh)\b", re.I)
_MATCH_WORDS = re.compile(
    r"\b(?:kick-off|full-time|half-time|stoppage time|penalty area|clean sheet|"
    r"signing|striker|midfielder|goalkeeper|defender|winger|loan deal|transfer window|"
    r"head coach|league one|league two|championship|premier league|scored|equaliser|"
    r"free-kick|fixture)\b",
    re.IGNORECASE,
)
# Lines opening with a time that make a page a stack of updates.
MIN_TIMESTAMPS = 3
# Distinct match words that make a page a sports report (or one club hashtag): three flag
# match reports among the sport stories and no other story of the bench/summaries.py data
# (figures in bench/RESULTS.md).
MIN_MATCH_WORDS = 3


def coverage_kind(title: str, text: str) -> str:
    """ "live", "match" or "" (a report a summary can be drawn from)."""
    if _LIVE_TITLE.search(title) or _LIVE_PAGE.search(text[:5_000]):
        return "live"
    paragraphs = split_paragraphs(text)
    if sum(1 for p in paragraphs if _TIMESTAMP.match(p)) >= MIN_TIMESTAMPS:
        return "live"
    head = " ".join(paragraphs[:12])
    words = {w.lower() for w in _MATCH_WORDS.findall(f"{title} {head}")}
    if _CLUB_TAG.search(f"{title} {head}") or len(words) >= MIN_MATCH_WORDS:
        return "match"
    return ""


def coverage_summary(kind: str) -> tuple[str, ...]:
    """What a summary says instead of extracts for coverage of ``kind``."""
    return (LIVE_SUMMARY,) if kind == "live" else (MATCH_SUMMARY,)
