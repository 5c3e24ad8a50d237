"""What one matched name means in one article: the seats it points at, and how.

A seat name resolves to the seat in the boundary set in force (a name known only in the
other set, an abolished or renamed seat, to its one clear successor or predecessor). A place
resolves to the one of its namesakes the text supports, and says whether it is a town or
village inside one seat, or an area holding several (a county, a council, a split city). A
person resolves by the article's date to the seat they held or fought, always in the boundary
set in force on that date.
"""

from __future__ import annotations

from datetime import date
from itertools import chain
from operator import itemgetter
from typing import NamedTuple
from weakref import WeakKeyDictionary

from digest.models import EvidenceKind, Seat
from digest.seats.gazetteer import Gazetteer
from digest.seats.records import CAMPAIGN_GRACE, PLACE_TYPE_RANK, PlaceOption

# Enum members as module constants: an enum attribute lookup costs far more than a global
# one (bench/RESULTS.md), and tagging looks these up for every name it meets.
_SEAT = EvidenceKind.SEAT
_MP = EvidenceKind.MP
_CANDIDATE = EvidenceKind.CANDIDATE
_PLACE = EvidenceKind.PLACE

# A place counts for each seat it lies in, in proportion to the share of its people there;
# seats with a smaller share than this are not reached through the place at all.
MIN_PLACE_SHARE = 0.2
# An area (or split city) also adds to any seat holding this share of it that has evidence
# of its own ("Leeds" for Leeds West, a smaller part of Leeds).
AREA_MIN_SHARE = 0.05
# A district or county counts as the place of one seat when that seat holds this share.
ONE_SEAT_AREA = 0.7
AREA_TYPES = frozenset({"local_authority_district", "county_or_unitary_authority"})
SMALL_TYPES = frozenset({"parish", "ward"})

# How a place stands to its seats.
TOWN, VILLAGE, AREA = "", "village", "area"


class Pattern(NamedTuple):
    """What one written name in the automaton stands for (a named tuple: the cache holds
    22,000 and unpickles them at every start)."""

    kind: EvidenceKind
    length: int = 0  # characters in the written name
    keys: tuple[tuple[str, str], ...] = ()  # seats (code, set) with this written name
    mp_indexes: tuple[int, ...] = ()  # MP terms with this name
    candidate_indexes: tuple[int, ...] = ()  # candidacies with this name
    place: str = ""  # the place name, a key of ``Gazetteer.places``
    person: str = ""  # the person's name as written, for MPs and candidates
    # A place name shared by places in different areas: which one is meant depends on the
    # article, so its meaning is worked out per article rather than cached.
    ambiguous: bool = False
    # The county every place of this name lies in ("" when they differ): context for others.
    county: str = ""
    # The name is also a common English word, a month or a first name ("March", "Deal",
    # "Paul"): as a place it counts only where the text names its district or county.
    word_like: bool = False
    # A person's name or a one-word name: a first name or title before it can change what
    # it means (``explain_text`` looks at the word before only for these, and for names
    # written across a line break).
    word_before_matters: bool = False


# A match: start and end offsets in the text, what was matched, and its index in the
# matcher's patterns (a cheaper key than the pattern for per-article tables).
Hit = tuple[int, int, Pattern, int]
# A match as the tagger reads it: its end offset and its pattern's index.
Match = tuple[int, int]
_INDEX = itemgetter(1)


class Resolution(NamedTuple):
    """What a name means here: its kind, seats with a weight each, whether it is a national
    figure, how a place stands to its seats (town, village, area), and why it points at
    nothing when it does not."""

    kind: EvidenceKind
    targets: tuple[tuple[Seat, float], ...]
    national: bool = False
    scope: str = TOWN
    reason: str = ""


class PlaceContext:
    """What tells same-named places apart in one article: the counties and districts it
    names (the automaton found them as places), the counties of the seats and unambiguous
    places it names, and the source's home area.

    "Rochford" next to "Essex" (or next to Southend, a seat in Essex) is the Essex town, not
    the Worcestershire parish. Worked out only when an ambiguous place is met.
    """

    def __init__(
        self,
        found: list[Match],
        areas_named: list[tuple[str, ...]],
        home: frozenset[str] = frozenset(),
    ) -> None:
        self._home = home
        self._found = found
        # What each name tells, by pattern index (``SeatMatcher.areas_named``, this set's).
        self._areas_named = areas_named
        self._counties: set[str] | None = None
        self._answers: dict[str, bool] = {}
        self._known: frozenset[str] | set[str] | None = None  # named or covered

    @property
    def has_home(self) -> bool:
        """Whether the source covers an area (a local outlet)."""
        return bool(self._home)

    def covers(self, option: PlaceOption) -> bool:
        """Whether the source's home area holds this place."""
        return bool(self._home) and (option.county in self._home or option.district in self._home)

    def among(self, areas: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
        """Of these counties and districts, the ones the article names (or the source
        covers) and the ones the source covers: all ``names`` and ``covers`` can say of
        places in them."""
        known = self._known
        if known is None:
            known = self._known = self._home | self._named_areas()
        return areas & known, areas & self._home

    def names(self, area: str) -> bool:
        """Whether the article names this county or district, or a place in it."""
        answer = self._answers.get(area)
        if answer is None:
            answer = self._answers[area] = area in self._home or area in self._named_areas()
        return answer

    def _named_areas(self) -> set[str]:
        """The places the automaton found (a county or district named is among them), and
        the counties of the seats and unambiguous places named."""
        if self._counties is None:
            # Each name once (an article names the same ones again and again), gathered by
            # C-level maps, cheaper than a Python loop here (bench/RESULTS.md).
            indexes = set(map(_INDEX, self._found))
            self._counties = set(chain.from_iterable(map(self._areas_named.__getitem__, indexes)))
        return self._counties


def resolve_pattern(
    pattern: Pattern,
    gazetteer: Gazetteer,
    context: PlaceContext | None,
    day: date,
    in_force: str,
    single_word_factor: float,
) -> Resolution:
    """What one matched name means in this article. ``context`` is needed for ambiguous and
    word-like places only."""
    if pattern.kind is _PLACE:
        return _resolve_place_name(pattern, gazetteer, context, in_force)
    if pattern.kind is _SEAT:
        seat = seat_in_force(gazetteer, pattern.keys, in_force)
        if seat is None:
            why = "a seat name not in force on the article's date (abolished, or a proposal)"
            return Resolution(pattern.kind, (), reason=why)
        factor = single_word_factor if len(seat.name.split()) == 1 else 1.0
        return Resolution(pattern.kind, ((seat, factor),))
    return _resolve_person(pattern, gazetteer, day, in_force)


def _resolve_place_name(
    pattern: Pattern, gazetteer: Gazetteer, context: PlaceContext | None, in_force: str
) -> Resolution:
    kind = _PLACE
    options = gazetteer.places[pattern.place]
    supports = [support(o, context) for o in options]
    if pattern.word_like and not any(supports):
        return Resolution(
            kind, (), reason="also a common word, month or first name; its area is not named"
        )
    option = _pick_place(options, supports)
    if option is None:
        return Resolution(kind, (), reason="places of this name in several areas, none named")
    targets, scope = _place_targets(option, gazetteer, in_force)
    if scope == VILLAGE and context is not None and context.covers(option):
        # A village in the area the source covers is as good as a town (a local paper's
        # own patch); elsewhere one naming of it is a passing reference.
        scope = TOWN
    return Resolution(kind, targets, scope=scope)


def council_of(gazetteer: Gazetteer, name: str, in_force: str) -> Resolution | None:
    """``name`` as an area holding several seats: what "Stockport" means in a list of
    boroughs, where the town of the name would be one seat. The council or county of the
    name where the gazetteer has one; else the place's own spread over seats (a town that
    gives a borough its name covers most of it). None when it lies in one seat only."""
    options = gazetteer.places.get(name, ())
    for option in options:
        if option.place_type in AREA_TYPES:
            targets, scope = _place_targets(option, gazetteer, in_force)
            if scope == AREA:
                return Resolution(_PLACE, targets, scope=AREA)
    for option in options:
        spread = [
            (gazetteer.seat(code, in_force), share)
            for code, share in option.seats_in(in_force)
            if share >= AREA_MIN_SHARE
        ]
        if len(spread) >= 2:
            return Resolution(_PLACE, tuple(spread), scope=AREA)
    return None


# A place's seats with a weight each, and how it stands to them (town, village, area).
_Targets = tuple[tuple[tuple[Seat, float], ...], str]

# Per gazetteer: (id of a place option, boundary set) -> its seats with weights, and how it
# stands to them. Options live as long as their gazetteer, so their ids stay valid; another
# gazetteer (a test's, a rebuilt one) gets its own table.
_TARGETS: WeakKeyDictionary[Gazetteer, dict[tuple[int, str], _Targets]] = WeakKeyDictionary()


def _place_targets(option: PlaceOption, gazetteer: Gazetteer, in_force: str) -> _Targets:
    """The seats a place points at in one set, and whether it is a town, a village or an
    area (a district or county not mostly in one seat, or a place split over seats)."""
    table = _TARGETS.get(gazetteer)
    if table is None:
        table = _TARGETS[gazetteer] = {}
    key = (id(option), in_force)
    found = table.get(key)
    if found is None:
        shares = option.seats_in(in_force)
        main = [(code, share) for code, share in shares if share >= MIN_PLACE_SHARE]
        one_seat = bool(main) and main[0][1] >= ONE_SEAT_AREA
        if (option.place_type in AREA_TYPES and not one_seat) or len(main) >= 2:
            scope = AREA
            main = [(code, share) for code, share in shares if share >= AREA_MIN_SHARE]
        else:
            scope = VILLAGE if option.place_type in SMALL_TYPES else TOWN
        seats = tuple((gazetteer.seat(code, in_force), share) for code, share in main)
        found = table[key] = (seats, scope)
    return found


def _resolve_person(pattern: Pattern, gazetteer: Gazetteer, day: date, in_force: str) -> Resolution:
    """A sitting MP first; else a candidate of an election in the set in force; else a
    former MP during a campaign, or the winner-to-be; the seat always in the set in force."""
    terms = [gazetteer.mp_terms[i] for i in pattern.mp_indexes]
    keys = {(t.seat_code, t.boundary_set) for t in terms if t.covers(day)}
    kind = _MP
    if not keys:
        keys = {
            (c.seat_code, c.boundary_set)
            for c in (gazetteer.candidacies[i] for i in pattern.candidate_indexes)
            if c.covers(day) and c.boundary_set == in_force
        }
        kind = _CANDIDATE
    if not keys:
        kind = _MP
        keys = {(t.seat_code, t.boundary_set) for t in terms if t.covers(day, CAMPAIGN_GRACE)}
    if not keys:
        kind = _CANDIDATE
        keys = {
            (t.seat_code, t.boundary_set)
            for t in terms
            if t.boundary_set == in_force and day < t.start <= day + CAMPAIGN_GRACE
        }
    seats = {}
    for key in keys:
        seat = gazetteer.seat(*key)
        if seat.boundary_set != in_force:
            successors = gazetteer.counterparts(seat)
            if len(successors) != 1:
                continue
            seat = successors[0]
        seats[(seat.code, seat.boundary_set)] = seat
    national = gazetteer.is_national_figure(pattern.person, day)
    if not seats:
        reason = "no MP or candidate of this name on the article's date"
        return Resolution(kind, (), national, reason=reason)
    targets = tuple((seats[key], 1.0 / len(seats)) for key in sorted(seats))
    return Resolution(kind, targets, national)


def support(option: PlaceOption, context: PlaceContext | None) -> int:
    """How many of the place's district and county the article names (or the source covers)."""
    if context is None:
        return 0
    named = 0
    if option.county and option.county != option.name and context.names(option.county):
        named += 1
    if option.district and option.district != option.name and context.names(option.district):
        named += 1
    return named


def resolve_place(
    options: tuple[PlaceOption, ...], context: PlaceContext | None
) -> PlaceOption | None:
    """The place a name means here: the one whose district or county the context names,
    else the most specific kind of place (a town over a parish); ``None`` when two places of
    the same kind in different counties remain equally likely."""
    return _pick_place(options, [support(o, context) for o in options])


def _pick_place(options: tuple[PlaceOption, ...], supports: list[int]) -> PlaceOption | None:
    if len(options) == 1:
        return options[0]
    ranked = sorted(
        range(len(options)),
        key=lambda i: (-supports[i], PLACE_TYPE_RANK.get(options[i].place_type, 9)),
    )
    best, runner_up = options[ranked[0]], options[ranked[1]]
    if (supports[ranked[0]], best.place_type) == (supports[ranked[1]], runner_up.place_type) and (
        best.county != runner_up.county
    ):
        return None
    return best


def seat_in_force(
    gazetteer: Gazetteer, keys: tuple[tuple[str, str], ...], in_force: str
) -> Seat | None:
    """Of the seats with one name, the one in the set in force; else, for a name of a later
    set used early (a proposal, a renaming announced), the one seat in force that holds most
    of it ("Perth and Kinross-shire" written in 2023 is Perth and North Perthshire); ``None``
    for an abolished name or when there is no such one seat."""
    for code, boundary_set in keys:
        if boundary_set == in_force:
            return gazetteer.seat(code, boundary_set)
    if all(boundary_set < in_force for _, boundary_set in keys):
        return None  # a seat abolished or renamed before the article: history, not a tag
    found = {
        (s.code, s.boundary_set): s
        for key in keys
        for s in gazetteer.counterparts(gazetteer.seat(*key))
        if s.boundary_set == in_force
    }
    return next(iter(found.values())) if len(found) == 1 else None
