"""Find the Westminster seats an article is about, and the ones it merely mentions.

One Aho-Corasick automaton, built once per process over every written form of every seat
name (both boundary sets) and every MP's name, finds all candidates in a single pass over the
text. Matches must stand as whole words; where matches overlap the longest wins ("Rochford
and Southend East" beats a shorter name inside it). Seat names resolve to the boundary set in
force on the article's date; MPs' names resolve to the seat they held on that date.

Scoring is deliberately simple and explainable: a seat named in the title counts most, then
each naming in the body, then its MP being named. A seat is ``primary`` only when the
article names the seat itself and it clearly leads; a seat reached only through its MP (a
party leader visiting somewhere else) is at most ``mentioned``.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import math
import os
import pickle
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import ahocorasick

from digest.models import Evidence, EvidenceKind, Role, Seat, SeatTag
from digest.seats.gazetteer import (
    CAMPAIGN_GRACE,
    PLACE_TYPE_RANK,
    Gazetteer,
    PlaceOption,
    boundary_set_on,
    load_gazetteer,
)

TITLE_WEIGHT = 3.0
BODY_WEIGHT = 1.0
MAX_BODY_HITS = 5
MP_WEIGHT = 0.5
MAX_MP_HITS = 3
# A place counts for each seat it lies in, in proportion to the share of its people there;
# seats with a smaller share than this are not reached through the place at all.
PLACE_TITLE_WEIGHT = 2.0
PLACE_BODY_WEIGHT = 0.75
MAX_PLACE_HITS = 5
MIN_PLACE_SHARE = 0.2
# A seat is primary when it has at least this raw score and is within this ratio of the top.
PRIMARY_MIN_SCORE = 2.0
PRIMARY_RATIO = 0.8
# One-word seat names ("Colchester", "Bath") are also towns and words: weigh them less.
SINGLE_WORD_FACTOR = 0.75
SCORE_SCALE = 4.0
# Names resolved per process and kept for the next article (seats and places by boundary
# set, people by date); the store is emptied when it reaches this size.
RESOLUTIONS_KEPT = 100_000

log = logging.getLogger(__name__)


class _Pattern(NamedTuple):
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


@dataclass(slots=True, eq=False)
class _SeatScore:
    seat: Seat
    raw: float = 0.0
    title_hits: int = 0
    body_hits: int = 0
    mp_hits: int = 0
    place_hits: int = 0
    # Its MP (not a national figure) is named in the title: the story is about them, so
    # about their seat when no other place is named.
    lead_mp: bool = False
    evidence: list[Evidence] = field(default_factory=list)


class SeatMatcher:
    """The compiled automaton over seat names, MPs' names and candidates' names."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        seats_by_form: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for key, forms in gazetteer.seat_names.items():
            for form in forms:
                seats_by_form[form].append(key)
        mps_by_form: dict[str, list[int]] = defaultdict(list)
        for index, term in enumerate(gazetteer.mp_terms):
            for form in term.variants:
                if len(form.split()) >= 2:
                    mps_by_form[form].append(index)
        candidates_by_form: dict[str, list[int]] = defaultdict(list)
        for index, candidacy in enumerate(gazetteer.candidacies):
            if len(candidacy.name.split()) >= 2:
                candidates_by_form[candidacy.name].append(index)
        # Matching runs over a copy of the text in which every character that ends a word
        # is NUL (``_matching_copy``); keys are written the same way after a NUL, so every
        # match starts a word, and one followed by NUL is a whole word.
        patterns: dict[str, _Pattern] = {}

        def add(form: str, pattern: _Pattern) -> None:
            patterns.setdefault(f"\0{_matching_copy(form)}", pattern._replace(length=len(form)))

        for form, keys in seats_by_form.items():
            add(form, _Pattern(EvidenceKind.SEAT, keys=tuple(keys)))
        for form in sorted(mps_by_form.keys() | candidates_by_form.keys()):
            if form in seats_by_form:
                continue  # a seat name wins over a person of the same name
            pattern = _Pattern(
                EvidenceKind.MP,
                person=form,
                mp_indexes=tuple(mps_by_form.get(form, ())),
                candidate_indexes=tuple(candidates_by_form.get(form, ())),
            )
            add(form, pattern)
        people = mps_by_form.keys() | candidates_by_form.keys()
        for name, options in gazetteer.places.items():
            if name in seats_by_form or name in people or not usable_place_name(name, options):
                continue
            areas = {(option.county, option.district) for option in options}
            counties = {option.county for option in options}
            pattern = _Pattern(
                EvidenceKind.PLACE,
                place=name,
                ambiguous=len(areas) > 1,
                county=next(iter(counties)) if len(counties) == 1 else "",
            )
            add(name, pattern)
        # The automaton stores integers (an index into ``_patterns``): it unpickles from
        # the cache ten times faster than one holding Python objects.
        self._patterns = list(patterns.values())
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        for index, word in enumerate(patterns):
            self._automaton.add_word(word, index)
        self._automaton.make_automaton()
        # "Ben Bradley" is a person even where "Bradley" is a village.
        self.first_names = frozenset(form.split()[0] for form in people)
        self._resolutions: dict[tuple[int, object], _Resolution] = {}

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["_resolutions"] = {}  # per process: keyed by object ids
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)

    def forget_resolutions(self) -> None:
        """Drop the names resolved so far (benchmarks measure a first pass with it)."""
        self._resolutions.clear()

    def resolve(
        self, pattern: _Pattern, day: date, in_force: str, context: _PlaceContext
    ) -> _Resolution:
        """What a matched name means on ``day``; the same for every article unless the name
        is an ambiguous place, so remembered (up to ``RESOLUTIONS_KEPT`` answers)."""
        if pattern.ambiguous:
            return _resolve_pattern(pattern, self.gazetteer, context, day, in_force)
        key = (id(pattern), day if pattern.kind is EvidenceKind.MP else in_force)
        answer = self._resolutions.get(key)
        if answer is None:
            if len(self._resolutions) >= RESOLUTIONS_KEPT:
                self._resolutions.clear()
            answer = _resolve_pattern(pattern, self.gazetteer, None, day, in_force)
            self._resolutions[key] = answer
        return answer

    def find(self, text: str) -> list[_Hit]:
        """Whole-word, non-overlapping matches, longest first where they overlap; a place
        right after a person's first name is taken for the person's surname."""
        copy = f"\0{_matching_copy(text)}\0"
        # Offsets in the copy are one more than in the text. The automaton's own
        # leftmost-longest scan is right unless a longer name ran into a longer word
        # ("Norwich North" in "Norwich Northern"), hiding the whole word inside it.
        patterns = self._patterns
        chosen = []
        for end, index in self._automaton.iter_long(copy):
            if copy[end + 1] != "\0":
                return [
                    h for h in self._all_whole_words(copy, len(text)) if not self._surname(text, h)
                ]
            pattern = patterns[index]
            hit = (end - pattern.length, end, pattern)
            if pattern.kind is not EvidenceKind.PLACE or not self._surname(text, hit):
                chosen.append(hit)
        return chosen

    def _all_whole_words(self, copy: str, text_length: int) -> list[_Hit]:
        """Every whole-word match, then the longest of overlapping ones."""
        patterns = self._patterns
        hits = [
            (end - patterns[index].length, end, patterns[index])
            for end, index in self._automaton.iter(copy)
            if copy[end + 1] == "\0"
        ]
        hits.sort()
        chosen: list[_Hit] = []
        # Sorted by start, a match overlapping the last one kept is usually a name inside a
        # longer one ("Norwich" in "Norwich North"); only partly overlapping names need the
        # general rule.
        for hit in hits:
            if chosen and hit[0] < chosen[-1][1]:
                last = chosen[-1]
                if hit[1] <= last[1]:
                    continue
                if hit[0] != last[0]:
                    return _longest_first(hits, text_length)
                chosen[-1] = hit
            else:
                chosen.append(hit)
        return chosen

    def _surname(self, text: str, hit: _Hit) -> bool:
        """ "Ben Bradley" is a person even where "Bradley" is a village."""
        start, _, pattern = hit
        if pattern.kind is not EvidenceKind.PLACE or start < 2 or text[start - 1] != " ":
            return False
        word_start = max(text.rfind(" ", 0, start - 1), text.rfind("\n", 0, start - 1)) + 1
        return text[word_start : start - 1] in self.first_names


# A match: start and end offsets in the text, and what was matched.
_Hit = tuple[int, int, _Pattern]


def _longest_first(hits: list[_Hit], text_length: int) -> list[_Hit]:
    """Of overlapping matches keep the longest ("Rochford and Southend East" over
    "Southend East"), the earlier of two as long."""
    claimed = bytearray(text_length)  # one byte per character: taken by a longer match
    chosen: list[_Hit] = []
    for hit in sorted(hits, key=lambda h: (h[0] - h[1], h[0])):
        start, end, _ = hit
        if claimed.find(1, start, end) == -1:
            claimed[start:end] = b"\x01" * (end - start)
            chosen.append(hit)
    chosen.sort(key=lambda h: h[0])
    return chosen


def _matching_copy(text: str) -> str:
    """The text as the automaton reads it: same length, every character that ends a word
    (anything but ASCII letters, digits and hyphens) turned into NUL.

    Non-ASCII characters become "?" first (one each, so offsets hold), then NUL: curly
    quotes and dashes end words as they should, and the rare accented letter ("Ynys Môn")
    is written the same way in the keys, so names with one still match. All of it stays on
    the fast ASCII paths of encode and translate (about 20 µs for 600 words).
    """
    return text.encode("ascii", "replace").decode("ascii").translate(_WORD_ENDS)


_WORD_ENDS = {code: 0 for code in range(128) if not (chr(code).isalnum() or chr(code) == "-")}


def _ambiguous_place_names() -> frozenset[str]:
    listing = resources.files("digest.seats").joinpath("data/ambiguous_places.txt")
    lines = listing.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


AMBIGUOUS_PLACE_NAMES = _ambiguous_place_names()


def usable_place_name(name: str, options: tuple[PlaceOption, ...]) -> bool:
    """Whether a place name is worth matching at all.

    Words that are also places ("Street", "March", "Westminster" for Parliament) are listed
    in ``data/ambiguous_places.txt``; one-word ward names ("Abbey", "Central") are generic;
    anything not capitalised or shorter than three letters is noise.
    """
    if name in AMBIGUOUS_PLACE_NAMES or len(name) < 3 or not name[0].isupper():
        return False
    return " " in name or any(o.place_type != "ward" for o in options)


@lru_cache(maxsize=1)
def default_matcher() -> SeatMatcher:
    """The process-wide matcher over the shipped gazetteer (built on first use).

    Building it reads 55,000 place rows and compiles the automaton, about a second; the
    result is pickled into the user's cache directory (``$SEATWATCH_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/seatwatch`` or ``~/.cache/seatwatch``) under a key made of the data
    files and this code, so later processes load it in a fraction of that. A cache that
    cannot be read or written is rebuilt or skipped, never an error.

    Its objects live as long as the process, so they are moved out of the garbage
    collector's view (``gc.freeze``): otherwise every full collection during a poll walks
    all of them again, a visible share of a warm poll's CPU.
    """
    path = _cache_path()
    matcher = _load_cached(path)
    if matcher is None:
        gazetteer = load_gazetteer()
        matcher = SeatMatcher(gazetteer)
        for table in ("seats", "seat_names", "mp_terms", "candidacies", "results", "successors"):
            getattr(gazetteer, table)  # computed now so that the cache holds them
        _store_cached(path, matcher)
    # Frozen as they are, without a collection first: one now would walk every object of
    # the process (60 ms of the fork server's warm-up, which workers wait for), to find
    # the few cycles importing left behind.
    gc.freeze()
    return matcher


def _cache_path() -> Path:
    root = os.environ.get("SEATWATCH_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "seatwatch"
    )
    key = hashlib.sha256()
    package = resources.files("digest.seats")
    for name in sorted(
        [f"data/{e.name}" for e in package.joinpath("data").iterdir()]
        + ["gazetteer.py", "tagger.py"]
    ):
        key.update(name.encode())
        key.update(package.joinpath(name).read_bytes())
    key.update(sys.version.encode())
    return Path(root) / f"matcher-{key.hexdigest()[:16]}.pickle"


def _load_cached(path: Path) -> SeatMatcher | None:
    # The collector is paused while the matcher's hundreds of thousands of objects are made:
    # it would otherwise scan them again and again as they pile up (a third of the load).
    collecting = gc.isenabled()
    gc.disable()
    try:
        with path.open("rb") as handle:
            matcher = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    finally:
        if collecting:
            gc.enable()
    return matcher if isinstance(matcher, SeatMatcher) else None


def _store_cached(path: Path, matcher: SeatMatcher) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            pickle.dump(matcher, handle, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(path)
    except OSError as exc:
        log.info("matcher cache not written to %s (%s); it is rebuilt per process", path, exc)
        return
    # Caches of older data or code are never read again: do not let upgrades pile them up.
    for stale in path.parent.glob("matcher-*.pickle"):
        if stale != path:
            stale.unlink(missing_ok=True)


def tag_text(
    title: str,
    body: str,
    day: date | None,
    matcher: SeatMatcher | None = None,
    area: str = "",
) -> tuple[str, tuple[SeatTag, ...]]:
    """The boundary set used and the seat tags of an article, strongest first.

    Evidence offsets index ``title + "\\n\\n" + body``. Without a date, today is used, so
    the current boundary set and MPs apply. ``area`` is the county or district the source
    covers: a local paper's "Rochford" is the one in its area when the article does not say.
    """
    matcher = matcher or default_matcher()
    gazetteer = matcher.gazetteer
    day = day or date.today()
    in_force = boundary_set_on(day)
    text = f"{title}\n\n{body}"
    title_end = len(title)
    scores: dict[int, _SeatScore] = {}  # by id of the gazetteer's Seat
    hits = matcher.find(text)
    home = gazetteer.areas.get(area, frozenset()) if area else frozenset()
    context = _PlaceContext(hits, gazetteer, in_force, home)
    place, seat_name = EvidenceKind.PLACE, EvidenceKind.SEAT
    # A name said ten times means the same thing each time: resolve each name once.
    resolved: dict[int, _Resolution] = {}
    for start, end, pattern in hits:
        answer = resolved.get(id(pattern))
        if answer is None:
            answer = resolved[id(pattern)] = matcher.resolve(pattern, day, in_force, context)
        kind, targets, national = answer
        if not targets:
            continue
        evidence = Evidence(start, end, text[start:end], kind)
        in_title = start < title_end
        for seat, weight in targets:
            score = scores.get(id(seat))
            if score is None:
                score = scores[id(seat)] = _SeatScore(seat)
            score.evidence.append(evidence)
            if kind is place:
                score.place_hits += 1
                if in_title or score.place_hits <= MAX_PLACE_HITS:
                    score.raw += (PLACE_TITLE_WEIGHT if in_title else PLACE_BODY_WEIGHT) * weight
            elif kind is seat_name:
                if in_title:
                    score.title_hits += 1
                    score.raw += TITLE_WEIGHT * weight
                else:
                    score.body_hits += 1
                    if score.body_hits <= MAX_BODY_HITS:
                        score.raw += BODY_WEIGHT * weight
            else:
                score.lead_mp = score.lead_mp or (in_title and not national)
                score.mp_hits += 1
                if score.mp_hits <= MAX_MP_HITS:
                    score.raw += MP_WEIGHT * weight
    return in_force, _roles(scores)


_Resolution = tuple[EvidenceKind, tuple[tuple[Seat, float], ...], bool]


def _resolve_pattern(
    pattern: _Pattern,
    gazetteer: Gazetteer,
    context: _PlaceContext | None,
    day: date,
    in_force: str,
) -> _Resolution:
    """What one matched name means in this article: its evidence kind, the seats it points
    at with a weight each, and whether it is a national figure (for people). ``context`` is
    needed for ambiguous places only."""
    if pattern.kind is EvidenceKind.PLACE:
        option = _resolve_place(gazetteer.places[pattern.place], context)
        if option is None:
            return pattern.kind, (), False
        seats = tuple(
            (gazetteer.seat(code, in_force), share)
            for code, share in option.seats_in(in_force)
            if share >= MIN_PLACE_SHARE
        )
        return pattern.kind, seats, False
    if pattern.kind is EvidenceKind.SEAT:
        seat = _seat_in_force(gazetteer, pattern.keys, in_force)
        factor = SINGLE_WORD_FACTOR if len(seat.name.split()) == 1 else 1.0
        return pattern.kind, ((seat, factor),), False
    # A sitting MP first (a former one during a campaign); otherwise a candidate around an
    # election they fought. The name is the matched text: one pattern per written form.
    terms = [gazetteer.mp_terms[i] for i in pattern.mp_indexes]
    keys = {(t.seat_code, t.boundary_set) for t in terms if t.covers(day)} or {
        (t.seat_code, t.boundary_set) for t in terms if t.covers(day, CAMPAIGN_GRACE)
    }
    kind = EvidenceKind.MP
    if not keys:
        keys = {
            (c.seat_code, c.boundary_set)
            for c in (gazetteer.candidacies[i] for i in pattern.candidate_indexes)
            if c.covers(day)
        }
        kind = EvidenceKind.CANDIDATE
    seats = tuple((gazetteer.seat(*key), 1.0 / len(keys)) for key in sorted(keys))
    return kind, seats, gazetteer.is_national_figure(pattern.person, day)


class _PlaceContext:
    """What tells same-named places apart in one article: the counties and districts it
    names (the automaton found them as places), the counties of the seats and unambiguous
    places it names, and the source's home area.

    "Rochford" next to "Essex" (or next to Southend, a seat in Essex) is the Essex town, not
    the Worcestershire parish. Worked out only when an ambiguous place is met.
    """

    def __init__(
        self,
        hits: list[_Hit],
        gazetteer: Gazetteer,
        in_force: str,
        home: frozenset[str] = frozenset(),
    ) -> None:
        self._home = home
        self._hits = hits
        self._gazetteer = gazetteer
        self._in_force = in_force
        self._counties: set[str] | None = None
        self._answers: dict[str, bool] = {}

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
            self._counties = set()
            for pattern in {id(p): p for _, _, p in self._hits}.values():
                if pattern.kind is EvidenceKind.SEAT:
                    seat = _seat_in_force(self._gazetteer, pattern.keys, self._in_force)
                    self._counties.add(seat.county)
                elif pattern.kind is EvidenceKind.PLACE:
                    self._counties.add(pattern.place)
                    if pattern.county:
                        self._counties.add(pattern.county)
        return self._counties


def _resolve_place(
    options: tuple[PlaceOption, ...], context: _PlaceContext | None
) -> PlaceOption | None:
    """The place a name means here: the one whose district or county the context names,
    else the most specific kind of place (a town over a parish); ``None`` when two places of
    the same kind in different counties remain equally likely."""

    def support(option: PlaceOption) -> int:
        if context is None:
            return 0
        named = 0
        if option.county and option.county != option.name and context.names(option.county):
            named += 1
        if option.district and option.district != option.name and context.names(option.district):
            named += 1
        return named

    if len(options) == 1:
        return options[0]
    ranked = sorted(options, key=lambda o: (-support(o), PLACE_TYPE_RANK.get(o.place_type, 9)))
    best, runner_up = ranked[0], ranked[1]
    if (support(best), best.place_type) == (support(runner_up), runner_up.place_type) and (
        best.county != runner_up.county
    ):
        return None
    return best


def _seat_in_force(gazetteer: Gazetteer, keys: tuple[tuple[str, str], ...], in_force: str) -> Seat:
    """Of the seats with one name, the one in the set in force, else the other set's."""
    for code, boundary_set in keys:
        if boundary_set == in_force:
            return gazetteer.seat(code, boundary_set)
    return gazetteer.seat(*keys[0])


def _roles(scores: dict[int, _SeatScore]) -> tuple[SeatTag, ...]:
    named = [s for s in scores.values() if s.title_hits or s.body_hits or s.place_hits]
    top = max((s.raw for s in named), default=0.0)
    ranked = []
    for score in scores.values():
        is_named = bool(score.title_hits or score.body_hits or score.place_hits)
        leads = is_named and score.raw >= PRIMARY_MIN_SCORE and score.raw >= PRIMARY_RATIO * top
        if leads or (not named and score.lead_mp):
            role = Role.PRIMARY
        else:
            role = Role.MENTIONED if is_named else Role.MEMBER
        seat = score.seat
        value = round(1.0 - math.exp(-score.raw / SCORE_SCALE), 3)
        tag = SeatTag(seat.code, seat.name, seat.boundary_set, role, value, tuple(score.evidence))
        ranked.append((role.rank, -value, seat.name, seat.boundary_set, tag))
    ranked.sort(key=lambda entry: entry[:4])
    return tuple(entry[4] for entry in ranked)
