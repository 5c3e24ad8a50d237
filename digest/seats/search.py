"""Find seats from what a person types: a seat's name, an MP's or candidate's name, a place.

People type "norwich", "Cloe Smith" or "Hellesdon" and expect the seat. Every kind of name is
ranked the same way, so results of different kinds compare: the exact name first (1.0), then
names holding the typed words as whole words (0.8 to 0.9, shorter names first), then names
within a typo or two (rapidfuzz's edit-distance ratio of at least 0.85, scaled to 0.68 to
0.8). Partial-word matches ("Ford" for "Rochford") are left out: they are noise to a reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

from rapidfuzz import fuzz, process, utils

from digest.models import Seat
from digest.seats.gazetteer import Gazetteer
from digest.seats.records import MpTerm, PlaceOption, SeatMatch, boundary_set_on

FUZZY_CUTOFF = 85.0  # rapidfuzz ratio, 0-100: "cloe smith" vs "chloe smith" is 95


@dataclass(frozen=True, slots=True)
class PersonMatch:
    """An MP whose name matches, with their time in one seat (first term's start to last
    term's end)."""

    term: MpTerm
    score: float


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    """A seat a matching place lies in, with the share of the place's people in it."""

    place: PlaceOption
    seat: Seat
    share: float
    score: float


@dataclass(frozen=True, slots=True)
class SearchResults:
    seats: list[SeatMatch]
    people: list[PersonMatch]
    places: list[PlaceMatch]


def search(
    gazetteer: Gazetteer, text: str, limit: int = 10, day: date | None = None
) -> SearchResults:
    """Seats, MPs' terms and places matching ``text``, best first, at most ``limit`` each.

    Places are shown in the seats of the boundary set in force on ``day`` (default today).
    """
    query = utils.default_process(text)
    if not query:
        return SearchResults([], [], [])
    in_force = boundary_set_on(day or date.today())

    people: list[PersonMatch] = []
    for name, score in _ranked(query, _person_names(gazetteer), limit):
        # One row per seat a person held, from their first term there to their last.
        held: dict[tuple[str, str], list[MpTerm]] = {}
        for term in gazetteer.mp_terms:
            if term.name == name:
                held.setdefault((term.seat_code, term.boundary_set), []).append(term)
        for terms in held.values():
            ends = [t.end for t in terms]
            last = None if None in ends else max(e for e in ends if e is not None)
            first = min(terms, key=lambda t: t.start)
            people.append(PersonMatch(replace(first, end=last), score))

    places: list[PlaceMatch] = []
    for name, score in _ranked(query, tuple(gazetteer.places), limit):
        for option in gazetteer.places[name]:
            for code, share in option.seats_in(in_force):
                seat = gazetteer.seat(code, in_force)
                places.append(PlaceMatch(option, seat, round(share, 3), score))
    return SearchResults(gazetteer.search(text, limit=limit), people, places[: limit * 2])


def _ranked(query: str, names: tuple[str, ...], limit: int) -> list[tuple[str, float]]:
    """The names that match ``query`` (already processed), best first."""
    folded = _folded(names)
    words = re.compile(rf"(?<!\w){re.escape(query)}(?!\w)")
    scored: dict[str, float] = {}
    for name, form in zip(names, folded, strict=True):
        if form == query:
            scored[name] = 1.0
        elif query in form and words.search(form):
            scored[name] = 0.8 + 0.1 * len(query) / len(form)
    for _, ratio, index in process.extract(
        query, folded, scorer=fuzz.ratio, processor=None, limit=limit, score_cutoff=FUZZY_CUTOFF
    ):
        scored.setdefault(names[index], ratio / 100 * 0.8)
    ranked = sorted(scored.items(), key=lambda item: (-item[1], item[0]))
    return [(name, round(score, 3)) for name, score in ranked[:limit]]


@lru_cache(maxsize=4)
def _folded(names: tuple[str, ...]) -> list[str]:
    return [utils.default_process(name) for name in names]


def _person_names(gazetteer: Gazetteer) -> tuple[str, ...]:
    return tuple(sorted({term.name for term in gazetteer.mp_terms}))
