"""Why a matched name is not the place or person it names, from the words around it.

The rules themselves are in ``evidence`` (clubs, outlets, fixtures, abroad, words before a
name, longer proper names, first names) and ``named`` (titles, longer names headed by a
place); this decides which of them a match needs, by the characters either side of it.
"""

from __future__ import annotations

from collections.abc import Callable

from digest.models import EvidenceKind
from digest.seats import evidence as judge
from digest.seats import named
from digest.seats.matcher import SeatMatcher
from digest.seats.resolve import AREA, Pattern, Resolution, council_of

# Enum members as module constants: an enum attribute lookup costs far more than a global
# one (bench/RESULTS.md), and this runs for every name an article holds.
_MP = EvidenceKind.MP
_CANDIDATE = EvidenceKind.CANDIDATE
_SEAT = EvidenceKind.SEAT


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


# What stands between the items of a list of names: "Bradford, Wakefield and Leeds".
_LIST_SEPARATORS = frozenset((", ", " and ", ", and ", " or ", " & ", "; "))
LIST_ITEMS = 3  # names in a row that make a list


def names_in_list(
    text: str, found: list[tuple[int, int]], lengths: list[int], position: int
) -> list[int]:
    """The positions in ``found`` of the other names of a list of three or more one-word
    names in a row that ``found[position]`` stands in ("the five authorities of Bradford,
    Wakefield, Calderdale, Kirklees and Leeds"); empty when it stands in none."""
    end, index = found[position]
    start = end - lengths[index]
    if " " in text[start:end]:
        return []
    others = _listed_beside(text, found, lengths, range(position - 1, -1, -1), start, True)
    others += _listed_beside(text, found, lengths, range(position + 1, len(found)), end, False)
    return others if len(others) + 1 >= LIST_ITEMS else []


def _listed_beside(
    text: str,
    found: list[tuple[int, int]],
    lengths: list[int],
    positions: range,
    edge: int,
    before: bool,
) -> list[int]:
    """The one-word names in a row on one side of a name (``before`` it, nearest first,
    from its start ``edge``; or after it, from its end), each apart from the next only by a
    list separator."""
    listed = []
    for position in positions:
        e, i = found[position]
        s = e - lengths[i]
        between = text[e:edge] if before else text[edge:s]
        if between not in _LIST_SEPARATORS or " " in text[s:e]:
            break
        listed.append(position)
        edge = s if before else e
    return listed


def listed_council(
    text: str,
    found: list[tuple[int, int]],
    match: tuple[int, int],
    matcher: SeatMatcher,
    meaning: Callable[[int], Resolution],
    in_force: str,
) -> Resolution | None:
    """A seat that is also a council ("Wakefield"), read as the council when it stands in a
    list of names that are mostly areas ("Voters in Leeds, Wakefield, Kirklees, Calderdale
    and Bradford"): such a list names councils, and each of its names is one, as the rest
    are. A list of towns ("Cardiff, Bangor, Aberystwyth and Wrexham") keeps the seat, and
    so does a seat word after the name ("Wakefield MP"). ``meaning``: what the name at a
    pattern index means in this article; ``match``: the name's (end, pattern index) in
    ``found``."""
    end, index = match
    start = end - matcher.lengths[index]
    if (
        text[end : end + 2] != ", "
        and text[start - 2 : start] != ", "
        and text[start - 5 : start] != " and "
    ):
        return None  # in a list of three a comma or "and" stands by each name
    others = names_in_list(text, found, matcher.lengths, found.index(match))
    if not others or judge.seat_word_follows(text, end):
        return None
    patterns = matcher.patterns
    areas = 0
    for other in others:
        named = found[other][1]
        pattern = patterns[named]
        if (pattern.kind is _SEAT and pattern.place) or meaning(named).scope == AREA:
            areas += 1
    if 2 * areas < len(others):
        return None
    return council_of(matcher.gazetteer, patterns[index].place, in_force)
