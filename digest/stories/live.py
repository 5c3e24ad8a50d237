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
_MATCH_TERMS = (
    "kick-off",
    "full-time",
    "half-time",
    "stoppage time",
    "penalty area",
    "clean sheet",
    "signing",
    "striker",
    "midfielder",
    "goalkeeper",
    "defender",
    "winger",
    "loan deal",
    "transfer window",
    "head coach",
    "league one",
    "league two",
    "championship",
    "premier league",
    "scored",
    "equaliser",
    "free-kick",
    "fixture",
)
_MATCH_WORDS = re.compile(rf"\b(?:{'|'.join(_MATCH_TERMS)})\b", re.IGNORECASE)
# Every match of ``_LIVE_PAGE`` holds one of these phrases, lower-cased.
_LIVE_PAGE_PHRASES = (
    "follow live",
    "follow our live",
    "follow the live",
    "follow all the live",
    "refresh",
    "as it happened",
    "this live",
    "our live",
    "live updates as they happen",
)
# Lines opening with a time that make a page a stack of updates.
MIN_TIMESTAMPS = 3
# Distinct match words that make a page a sports report (or one club hashtag): three flag
# match reports among the sport stories and no other story of the bench/summaries.py data
# (figures in bench/RESULTS.md).
MIN_MATCH_WORDS = 3


def coverage_kind(title: str, text: str) -> str:
    """ "live", "match" or "" (a report a summary can be drawn from)."""
    if _LIVE_TITLE.search(title) or _live_page(text[:5_000]):
        return "live"
    paragraphs = split_paragraphs(text)
    if sum(1 for p in paragraphs if _TIMESTAMP.match(p)) >= MIN_TIMESTAMPS:
        return "live"
    head = f"{title} {' '.join(paragraphs[:12])}"
    if "#" in head and _CLUB_TAG.search(head):
        return "match"
    return "match" if _match_words(head) >= MIN_MATCH_WORDS else ""


# Case-insensitive expressions are slow to run over a whole page, and most pages hold none
# of their phrases: a page is searched only once its lower-cased text holds a phrase that
# every match holds. That text holds them wherever the expression would match, but for
# three letters: the dotted capital I, the dotless i and the long s match "i" and "s" while
# ``str.lower`` keeps them apart.
_UNLIKE_LOWERED = ("\u0130", "\u0131", "\u017f")


def _lowered(text: str) -> str | None:
    """``text`` lower-cased, or None when it holds a letter ``_UNLIKE_LOWERED`` names."""
    if any(letter in text for letter in _UNLIKE_LOWERED):
        return None
    return text.lower()


def _live_page(text: str) -> bool:
    """Whether ``text`` says that it is a page of running updates."""
    lowered = _lowered(text)
    if lowered is not None and not any(phrase in lowered for phrase in _LIVE_PAGE_PHRASES):
        return False
    return _LIVE_PAGE.search(text) is not None


def _match_words(text: str) -> int:
    """The number of distinct match words in ``text``; 0 where fewer than
    ``MIN_MATCH_WORDS`` of them appear (the count is then all that matters)."""
    lowered = _lowered(text)
    if lowered is not None and sum(term in lowered for term in _MATCH_TERMS) < MIN_MATCH_WORDS:
        return 0
    return len({w.lower() for w in _MATCH_WORDS.findall(text)})


def coverage_summary(kind: str) -> tuple[str, ...]:
    """What a summary says instead of extracts for coverage of ``kind``."""
    return (LIVE_SUMMARY,) if kind == "live" else (MATCH_SUMMARY,)
