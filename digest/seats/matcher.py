"""The compiled matcher: one Aho-Corasick automaton over every seat, place and person name.

Built once per process (or loaded from the on-disk cache) and shared by every article. It
finds whole-word, non-overlapping candidates in one pass; what they mean is for
``resolve.py`` and ``tagger.py``.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from datetime import date
from operator import itemgetter

import ahocorasick

from digest.models import EvidenceKind
from digest.seats import evidence as judge
from digest.seats.gazetteer import Gazetteer
from digest.seats.priors import is_word_like, usable_place_name, word_commonness
from digest.seats.records import SET_2010, SET_2024
from digest.seats.resolve import (
    VILLAGE,
    Hit,
    Match,
    Pattern,
    PlaceContext,
    Resolution,
    resolve_pattern,
    seat_in_force,
)

# One-word seat names ("Colchester", "Bath") are also towns and words: weigh them less.
SINGLE_WORD_FACTOR = 0.75
# Ambiguous places' answers kept per process for the next article (by what the article
# names of their areas); the store is emptied when it reaches this size.
RESOLUTIONS_KEPT = 100_000
# Days whose people's answers are kept (``SeatMatcher.people_on``); all are dropped when a
# new day would make one more (a poll's articles span a few days, a backfill many).
PEOPLE_DAYS_KEPT = 64
# How far before a name ``explain_text`` looks for the word before it.
GATE_REACH = 24

log = logging.getLogger(__name__)
_END = itemgetter(0)
_TOWN_POINT = re.compile(
    r"^([A-Z][a-z]+) (North|South|East|West|Central|North East|North West|South East|South West)$"
)

# Enum members as module constants: an enum attribute lookup costs far more than a global
# one (bench/RESULTS.md), and tagging looks these up for every name it meets.
_SEAT = EvidenceKind.SEAT
_MP = EvidenceKind.MP
_PLACE = EvidenceKind.PLACE


class SeatMatcher:
    """The compiled automaton over seat names, MPs' names and candidates' names."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        seats_by_form: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for key, forms in gazetteer.seat_names.items():
            for form in forms:
                seats_by_form[form].append(key)
        # Articles write "South Belfast" for Belfast South: the reversed form of a
        # "<town> <compass point>" seat, unless it is some seat's own name.
        reversed_forms: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for form, keys in seats_by_form.items():
            match = _TOWN_POINT.match(form)
            if match:
                turned = f"{match.group(2)} {match.group(1)}"
                if turned not in seats_by_form:
                    reversed_forms[turned].extend(keys)
        seats_by_form.update(reversed_forms)
        # Lists of candidates and results head each seat in capitals ("ELMET AND ROTHWELL"):
        # a name of two words or more in capitals is still the seat (one word in capitals is
        # as often a shouted word or a label).
        shouted: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for form, keys in seats_by_form.items():
            if " " in form and form.upper() not in seats_by_form:
                shouted[form.upper()].extend(keys)
        seats_by_form.update(shouted)
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
        patterns: dict[str, Pattern] = {}
        place_words: set[str] = set()

        def add(form: str, pattern: Pattern) -> None:
            copy = _matching_copy(form)
            if " " not in form and pattern.kind is not _MP and not pattern.word_like:
                place_words.add(form)
            # A person, or one word: no space can stand inside what it matches.
            matters = pattern.kind is _MP or "\0" not in copy
            patterns.setdefault(
                f"\0{copy}", pattern._replace(length=len(form), word_before_matters=matters)
            )

        for form, keys in seats_by_form.items():
            # A one-word seat that is also a council or city of several seats keeps its
            # place name: which one is meant is decided per use.
            place = form if " " not in form and form in gazetteer.places else ""
            add(form, Pattern(_SEAT, keys=tuple(keys), place=place))
        for form in sorted(mps_by_form.keys() | candidates_by_form.keys()):
            if form in seats_by_form:
                continue  # a seat name wins over a person of the same name
            pattern = Pattern(
                _MP,
                person=form,
                mp_indexes=tuple(mps_by_form.get(form, ())),
                candidate_indexes=tuple(candidates_by_form.get(form, ())),
            )
            add(form, pattern)
        people = mps_by_form.keys() | candidates_by_form.keys()
        first_names = frozenset(form.split()[0] for form in people)
        commonness = word_commonness()
        for name, options in gazetteer.places.items():
            if name in seats_by_form or name in people or not usable_place_name(name, options):
                continue
            areas = {(option.county, option.district) for option in options}
            counties = {option.county for option in options}
            pattern = Pattern(
                _PLACE,
                place=name,
                ambiguous=len(areas) > 1,
                county=next(iter(counties)) if len(counties) == 1 else "",
            )
            if is_word_like(name, options, first_names, commonness):
                pattern = pattern._replace(word_like=True, ambiguous=True)
            add(name, pattern)
        # The automaton stores integers (an index into ``_patterns``): it unpickles from
        # the cache far faster than one holding Python objects (bench/RESULTS.md).
        self.patterns = list(patterns.values())
        self.lengths = [pattern.length for pattern in self.patterns]
        # Whether the word before a name can change it, by pattern index (the tagger's
        # first look): ``Pattern.word_before_matters`` without reading the pattern.
        self.word_before_matters = bytes(p.word_before_matters for p in self.patterns)
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        for index, word in enumerate(patterns):
            self._automaton.add_word(word, index)
        self._automaton.make_automaton()
        # "Ben Bradley" is a person even where "Bradley" is a village.
        self.first_names = first_names
        # One-word seats and places (not the word-like ones): a place before one of them
        # is a list or a longer place ("Calderdale Kirklees"), not a named thing.
        self.place_words = frozenset(place_words)
        # Words before a name that can change what it means (``explain_text``'s first look,
        # which reads at most GATE_REACH characters back: a longer word is never seen whole).
        self.gate_words = frozenset(
            word for word in first_names | judge.WORDS_BEFORE if len(word) < GATE_REACH - 1
        )
        # The counties and districts each name stands for in each set, by pattern index:
        # what an article naming it tells about which of same-named places is meant
        # (``PlaceContext``). Built here, once, and kept in the cache.
        self.areas_named = {
            boundary_set: [self._areas_of(pattern, boundary_set) for pattern in self.patterns]
            for boundary_set in (SET_2010, SET_2024)
        }
        self._init_memos()

    def _init_memos(self) -> None:
        """The answers remembered per process (not cached on disk: keyed by object ids)."""
        self._resolutions: dict[tuple[object, ...], Resolution] = {}
        # The counties and districts of every place a name can mean, by id of its pattern:
        # all an ambiguous place's meaning depends on (``_resolve_in_context``).
        self._place_areas: dict[int, frozenset[str]] = {}
        # What a name means whatever the article, by pattern index, per set and whether the
        # source covers an area (``answers_for``); None where it depends on the article.
        self._fixed: dict[tuple[str, bool], list[Resolution | None]] = {}
        # What people's names mean, by day and pattern index (``people_on``).
        self._people: dict[date, dict[int, Resolution]] = {}

    def _areas_of(self, pattern: Pattern, boundary_set: str) -> tuple[str, ...]:
        """The counties and districts naming this name tells of: a seat's county, a place
        and its county (the place may be a county or district itself)."""
        if pattern.kind is _SEAT:
            seat = seat_in_force(self.gazetteer, pattern.keys, boundary_set)
            return (seat.county,) if seat is not None else ()
        if pattern.kind is _PLACE and not pattern.word_like:
            return (pattern.place, pattern.county) if pattern.county else (pattern.place,)
        return ()

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        for memo in ("_resolutions", "_place_areas", "_fixed", "_people"):
            del state[memo]
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._init_memos()

    def forget_resolutions(self) -> None:
        """Drop the names resolved so far (benchmarks measure a first pass with it)."""
        self._resolutions.clear()
        self._fixed.clear()
        self._people.clear()

    def answers_for(self, in_force: str, has_home: bool) -> list[Resolution | None]:
        """By pattern index, the answers ``resolve`` has found that hold for every article
        in this set (with or without a source area): a list index per name, not a call.
        None where not known yet or where the answer depends on the article."""
        answers = self._fixed.get((in_force, has_home))
        if answers is None:
            answers = self._fixed[(in_force, has_home)] = [None] * len(self.patterns)
        return answers

    def people_on(self, day: date) -> dict[int, Resolution]:
        """By pattern index, what the people's names ``resolve`` has met mean on ``day``
        (the same in every article of that day): a dictionary look-up per naming, not a
        call. Kept for up to ``PEOPLE_DAYS_KEPT`` days at a time."""
        people = self._people.get(day)
        if people is None:
            if len(self._people) >= PEOPLE_DAYS_KEPT:
                self._people.clear()
            people = self._people[day] = {}
        return people

    def resolve(
        self, pattern: Pattern, index: int, day: date, in_force: str, context: PlaceContext
    ) -> Resolution:
        """What a matched name (``index``: its pattern's) means on ``day``; the same for
        every article unless the name is an ambiguous place or a person (by date), so
        remembered (people in the tables of ``people_on``; seats and places in those of
        ``answers_for``)."""
        if pattern.ambiguous:
            return self._resolve_in_context(pattern, day, in_force, context)
        if pattern.kind is _MP:
            people = self.people_on(day)
            answer = people.get(index)
            if answer is None:
                answer = people[index] = resolve_pattern(
                    pattern, self.gazetteer, None, day, in_force, SINGLE_WORD_FACTOR
                )
            return answer
        answer = resolve_pattern(pattern, self.gazetteer, None, day, in_force, SINGLE_WORD_FACTOR)
        self.answers_for(in_force, False)[index] = answer
        if answer.scope == VILLAGE:
            # In the source's own area, a village is as good as a town: with an area, it
            # depends on the article.
            if context.has_home:
                return self._resolve_in_context(pattern, day, in_force, context)
        else:
            self.answers_for(in_force, True)[index] = answer
        return answer

    def _resolve_in_context(
        self, pattern: Pattern, day: date, in_force: str, context: PlaceContext
    ) -> Resolution:
        """What a place name means in this article, remembered by what it depends on.

        A place's meaning here depends only on which of its places' counties and districts
        the article names or the source covers, so articles naming the same of them share
        one answer (working it out walks every place of the name, hundreds for "Newton").
        """
        if pattern.kind is not _PLACE:
            return resolve_pattern(
                pattern, self.gazetteer, context, day, in_force, SINGLE_WORD_FACTOR
            )
        areas = self._place_areas.get(id(pattern))
        if areas is None:
            areas = self._place_areas[id(pattern)] = frozenset(
                area
                for option in self.gazetteer.places[pattern.place]
                for area in (option.county, option.district)
                if area
            )
        key = (id(pattern), in_force, *context.among(areas))
        answer = self._resolutions.get(key)
        if answer is None:
            if len(self._resolutions) >= RESOLUTIONS_KEPT:
                self._resolutions.clear()
            answer = resolve_pattern(
                pattern, self.gazetteer, context, day, in_force, SINGLE_WORD_FACTOR
            )
            self._resolutions[key] = answer
        return answer

    def find(self, text: str) -> list[Hit]:
        """Whole-word, non-overlapping matches, longest first where they overlap: start,
        end, pattern and pattern index of each."""
        lengths, patterns = self.lengths, self.patterns
        return [(end - lengths[i], end, patterns[i], i) for end, i in self.scan(text)]

    def scan(self, text: str, ascii_text: bytes | None = None) -> list[Match]:
        """``find``'s matches as (end, pattern index) only: the start is the end less
        ``lengths[index]``, the pattern ``patterns[index]``. Tagging reads these, as
        building a tuple of four per match cost more than looking the two up where needed.

        ``ascii_text``: the text already encoded as ASCII with "?" for the rest, when the
        caller has it (``explain_text`` shares it with ``furniture_spans``)."""
        if ascii_text is None:
            ascii_text = text.encode("ascii", "replace")
        copy = f"\0{ascii_text.translate(_WORD_ENDS).decode('ascii')}\0"
        # Offsets in the copy are one more than in the text. The automaton's own
        # leftmost-longest scan is right unless a longer name ran into a longer word
        # ("Norwich North" in "Norwich Northern"), hiding the whole word inside it.
        found: list[Match] = list(self._automaton.iter_long(copy))
        # The character after each match: a whole word is followed by NUL.
        if found and itemgetter(*map(_END, found))(copy[1:]).count("\0") != len(found):
            return [(hit[1], hit[3]) for hit in self._all_whole_words(copy, len(text))]
        return found

    def _all_whole_words(self, copy: str, text_length: int) -> list[Hit]:
        """Every whole-word match, then the longest of overlapping ones."""
        patterns = self.patterns
        hits = [
            (end - patterns[index].length, end, patterns[index], index)
            for end, index in self._automaton.iter(copy)
            if copy[end + 1] == "\0"
        ]
        hits.sort()
        chosen: list[Hit] = []
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


def _longest_first(hits: list[Hit], text_length: int) -> list[Hit]:
    """Of overlapping matches keep the longest ("Rochford and Southend East" over
    "Southend East"), the earlier of two as long."""
    claimed = bytearray(text_length)  # one byte per character: taken by a longer match
    chosen: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (h[0] - h[1], h[0])):
        start, end = hit[0], hit[1]
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
    is written the same way in the keys, so names with one still match. The translation is
    done on bytes, with a 256-entry table: a str's translate looks each character up in a
    dict, far more work (bench/RESULTS.md).
    """
    return text.encode("ascii", "replace").translate(_WORD_ENDS).decode("ascii")


_WORD_ENDS = bytes(
    code if chr(code).isalnum() or chr(code) == "-" else 0 for code in range(128)
) + bytes(128)
