"""Why a matched name is not the place or person it names, from the words around it.

The rules themselves are in ``evidence`` (clubs, outlets, fixtures, abroad, words before a
name, longer proper names, first names) and ``named`` (titles, longer names headed by a
place); this decides which of them a match needs, by the characters either side of it.
"""

from __future__ import annotations

from digest.models import EvidenceKind
from digest.seats import evidence as judge
from digest.seats import named
from digest.seats.matcher import SeatMatcher
from digest.seats.resolve import Pattern

# Enum members as module constants: an enum attribute lookup costs far more than a global
# one (bench/RESULTS.md), and this runs for every name an article holds.
_MP = EvidenceKind.MP
_CANDIDATE = EvidenceKind.CANDIDATE


def usage_reason(text: str, start: int, end: int, pattern: Pattern, matcher: SeatMatcher) -> str:
    """Why a match is not the place or person it names, from the words around it ("" if
    none). Most matches are followed by a lower-case word or punctuation and preceded by
    nothing special: one look at the characters either side skips every rule for them."""
    first_names = matcher.first_names
    after = text[end : end + 2]
    joined = len(after) == 2 and after[0] == " " and (after[1].isupper() or after[1] in "vlu")
    kind = pattern.kind
    follows_word = start > 1 and text[start - 1] == " " and text[start - 2].isalpha()
    if kind is _MP or kind is _CANDIDATE:
        if follows_word or (joined and after[1].isupper()):
            return judge.longer_name_reason(text, start, end, first_names)
        return ""
    reason = ""
    if joined:
        reason = judge.club_or_outlet_reason(text, end)
    elif after[:1] == ",":
        reason = judge.abroad_reason(text, end)
    if reason:
        return reason
    before = text[max(0, start - 4) : start]
    if " v" in before or "vs" in before:
        reason = judge.after_fixture_reason(text, start)
    if not reason and follows_word and " " not in text[start:end]:
        if text[start - 4 : start] == " of ":  # no first name, title or initial: a title?
            reason = named.title_of_reason(text, start)
        else:
            reason = judge.word_before_reason(text, start, first_names)
    if not reason and joined and pattern.word_like:
        reason = judge.longer_proper_name_reason(text, start, end)
    if not reason and joined and after[1].isupper() and " " not in text[start:end]:
        # A seat or town named like a first name, before a surname ("Gordon Strachan").
        reason = judge.first_name_reason(text, start, end, first_names)
    if not reason and joined and after[1].isupper() and " " not in text[start:end]:
        reason = named.heads_name_reason(text, start, end, first_names, matcher.place_words)
    return reason
