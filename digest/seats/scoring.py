"""From accepted evidence to a role per seat: areas apart, people by what they do, leads.

Each seat gathers the evidence that survived ``evidence.py`` and the priors. What it gets:

* Evidence of its own (its name, a town or village in it, its MP or a candidate) makes it a
  tag. An area that holds it among several seats (a county, a council, a city split into
  seats) adds to that evidence but never makes a tag alone: such a seat gets the ``area``
  role, which is kept apart and not shown to subscribers. That is how "Leeds" in a Leeds
  North East story counts for Leeds North East and for none of the other Leeds seats.
* A village (parish or ward) named once in the body, with nothing else for its seat, is a
  passing reference and no tag.
* A seat reached only through people, or named only as their label ("Batley and Spen MP
  Tracy Brabin"), is ``member`` when one of them is quoted or acts in the sentence in a
  story about something else, ``mentioned`` when only named.
* ``primary``: the seat clearly leads on score; or the story is centrally about its MP or a
  candidate (named in the title or the opening) and names the seat; or the story is a
  round-up of candidates or results (three seats each named with its MP or candidate, or two
  when the headline names no seat or place) and the seat is one of those it goes through:
  named as a seat, or reached through its own candidates within an area the story names
  ("Fife's four constituencies" listing Kirkcaldy's candidates).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from operator import itemgetter

from digest.models import Evidence, Rejection, Role, Seat, SeatTag

# Enum members as module constants: an enum attribute lookup costs far more than a global
# one (bench/RESULTS.md), and tagging looks these up for every name it meets.
_PRIMARY = Role.PRIMARY
_MENTIONED = Role.MENTIONED
_MEMBER = Role.MEMBER
_AREA_ROLE = Role.AREA

# A seat is primary when it has at least this raw score and is within this ratio of the top.
PRIMARY_MIN_SCORE = 2.0
PRIMARY_RATIO = 0.8
# Seats named with their person at least this many in one article make a round-up.
ROUND_UP_SEATS = 3
ROUND_UP_UNTITLED = 2
SCORE_SCALE = 4.0


class SeatScore:
    """The evidence gathered for one seat in one article.

    A plain class with slots and a hand-written constructor: tagging makes one for every
    seat an article reaches, and a dataclass's generated one (defaults, factories) cost
    more (bench/RESULTS.md).
    """

    __slots__ = (
        "area_evidence",
        "area_raw",
        "body_hits",
        "evidence",
        "lead_person",
        "minor_hits",
        "minor_title",
        "mp_hits",
        "place_hits",
        "raw",
        "seat",
        "title_hits",
    )

    def __init__(self, seat: Seat) -> None:
        self.seat = seat
        self.raw = 0.0
        self.title_hits = 0
        self.body_hits = 0
        self.mp_hits = 0
        self.place_hits = 0  # towns and villages in the seat
        self.minor_hits = 0  # of which villages (parishes, wards)
        self.minor_title = False
        self.area_raw = 0.0  # what areas holding it among several would add
        self.lead_person = False  # its MP or candidate (not a national figure) leads the story
        self.evidence: list[Evidence] = []
        self.area_evidence: list[Evidence] = []

    @property
    def named(self) -> bool:
        """Whether the article names the seat or a place in it (not only an area)."""
        return bool(self.title_hits or self.body_hits or self.place_hits)

    @property
    def own(self) -> bool:
        """Whether it has evidence of its own, beyond areas and a village in passing."""
        if self.title_hits or self.body_hits or self.mp_hits:
            return True
        towns = self.place_hits - self.minor_hits
        return bool(towns or self.minor_title or self.minor_hits >= 2)


def roles(
    scores: dict[int, SeatScore],
    rejected: list[Rejection],
    explain: bool = True,
    headline_place: bool = True,
    contested: Callable[[SeatScore], bool] | None = None,
    takes_part: Callable[[SeatScore], bool] | None = None,
    in_past: Callable[[SeatScore], bool] | None = None,
) -> tuple[tuple[SeatTag, ...], tuple[SeatTag, ...]]:
    """The seat tags, strongest first, and the ``area`` tags apart (only when explaining:
    tagging alone does not pay for them). ``contested``: whether the article names a seat in
    a sentence about its contest (asked last, of named seats nothing else makes primary);
    ``takes_part``: whether a seat that is not primary is ``member`` (one of its people is
    quoted or acts); ``in_past``: whether a seat a round-up names with none of its people is
    named only in an MP's past (then not one the round-up goes through). Each is asked only
    where it decides, as they read the text."""
    kept = []
    top = 0.0
    any_named = False
    round_up = 0
    for score in scores.values():
        # ``own`` and ``named``, written out: this loop runs for every seat reached.
        seat_named = score.title_hits or score.body_hits
        if (
            seat_named
            or score.mp_hits
            or score.place_hits - score.minor_hits
            or score.minor_title
            or score.minor_hits >= 2
        ):
            kept.append(score)
            if score.area_evidence:
                score.raw += score.area_raw
                score.evidence.extend(score.area_evidence)
            if seat_named or score.place_hits:
                any_named = True
                top = max(top, score.raw)
            if seat_named and score.mp_hits:
                round_up += 1
    bar = max(PRIMARY_MIN_SCORE, PRIMARY_RATIO * top)
    # With a seat or place in the headline the story is about it; without one, two seats
    # each named with its MP or candidate already make a round-up ("two more MPs to stand
    # down").
    in_round_up = round_up >= (ROUND_UP_SEATS if headline_place else ROUND_UP_UNTITLED)
    ranked = []
    for score in kept:
        seat_named = score.title_hits or score.body_hits
        is_named = seat_named or score.place_hits
        if (
            (is_named and (score.raw >= bar or score.lead_person))
            or (
                in_round_up
                and (
                    (seat_named and (score.mp_hits or in_past is None or not in_past(score)))
                    or (score.mp_hits and score.area_evidence)
                )
            )
            or (not any_named and score.lead_person)
            or (seat_named and contested is not None and contested(score))
        ):
            role = _PRIMARY
        else:
            role = _MEMBER if takes_part is not None and takes_part(score) else _MENTIONED
        ranked.append(_tag(score, role))
    ranked.sort(key=_ORDER)
    areas = []
    for score in scores.values() if explain else ():
        if score.own:
            continue
        if score.area_evidence:
            score.raw = score.area_raw
            score.evidence = score.area_evidence
            areas.append(_tag(score, _AREA_ROLE))
        else:
            for evidence in score.evidence:
                rejected.append(
                    Rejection(
                        evidence.start,
                        evidence.end,
                        evidence.text,
                        evidence.kind,
                        f"a village named once in passing ({score.seat.name})",
                    )
                )
    areas.sort(key=_ORDER)
    return tuple(map(_TAG, ranked)), tuple(map(_TAG, areas))


# ``Role.rank`` is a property over a dict: looked up here once per process, not per tag.
_RANK = {role: role.rank for role in Role}
_exp = math.exp


_new_tuple = tuple.__new__  # a named tuple without the call of its Python ``__new__``
# Tags sort by role, then score (highest first), name and set; the tag itself rides along.
_ORDER = itemgetter(0, 1, 2, 3)
_TAG = itemgetter(4)


# Score values by raw score: a few sums of weights recur in every article, and ``round``
# to three places is a decimal conversion each time.
_VALUES: dict[float, float] = {}


def _tag(score: SeatScore, role: Role) -> tuple[int, float, str, str, SeatTag]:
    seat = score.seat
    raw = score.raw
    value = _VALUES.get(raw)
    if value is None:
        value = round(1.0 - _exp(-raw / SCORE_SCALE), 3)
        if len(_VALUES) < 10_000:
            _VALUES[raw] = value
    name, boundary_set = seat.name, seat.boundary_set
    tag = _new_tuple(SeatTag, (seat.code, name, boundary_set, role, value, tuple(score.evidence)))
    return (_RANK[role], -value, name, boundary_set, tag)
