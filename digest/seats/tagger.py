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
import os
import pickle
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path

import ahocorasick

from digest.models import Evidence, EvidenceKind, Rejection, Seat, SeatTag
from digest.seats import evidence as judge
from digest.seats.gazetteer import Gazetteer, boundary_set_on, load_gazetteer
from digest.seats.priors import is_word_like, usable_place_name, word_commonness
from digest.seats.resolve import (
    AREA,
    AREA_TYPES,
    VILLAGE,
    Hit,
    Pattern,
    PlaceContext,
    Resolution,
    resolve_pattern,
)
from digest.seats.scoring import SeatScore, roles

TITLE_WEIGHT = 3.0
BODY_WEIGHT = 1.0
MAX_BODY_HITS = 5
MP_WEIGHT = 0.5
MAX_MP_HITS = 3
PLACE_TITLE_WEIGHT = 2.0
PLACE_BODY_WEIGHT = 0.75
MAX_PLACE_HITS = 5
# One-word seat names ("Colchester", "Bath") are also towns and words: weigh them less.
SINGLE_WORD_FACTOR = 0.75
# A person named this far into the body still leads the story (its opening).
LEAD_CHARS = 300
# Names resolved per process and kept for the next article (seats and places by boundary
# set, people by date); the store is emptied when it reaches this size.
RESOLUTIONS_KEPT = 100_000
# The layout of the pickled matcher: bump when what it holds changes shape, so that an old
# cache is never read into new code.
CACHE_FORMAT = "3"

log = logging.getLogger(__name__)


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
        patterns: dict[str, Pattern] = {}

        def add(form: str, pattern: Pattern) -> None:
            patterns.setdefault(f"\0{_matching_copy(form)}", pattern._replace(length=len(form)))

        for form, keys in seats_by_form.items():
            # A one-word seat that is also a council or city of several seats keeps its
            # place name: which one is meant is decided per use.
            place = form if " " not in form and form in gazetteer.places else ""
            add(form, Pattern(EvidenceKind.SEAT, keys=tuple(keys), place=place))
        for form in sorted(mps_by_form.keys() | candidates_by_form.keys()):
            if form in seats_by_form:
                continue  # a seat name wins over a person of the same name
            pattern = Pattern(
                EvidenceKind.MP,
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
                EvidenceKind.PLACE,
                place=name,
                ambiguous=len(areas) > 1,
                county=next(iter(counties)) if len(counties) == 1 else "",
            )
            if is_word_like(name, options, first_names, commonness):
                pattern = pattern._replace(word_like=True, ambiguous=True)
            add(name, pattern)
        # The automaton stores integers (an index into ``_patterns``): it unpickles from
        # the cache ten times faster than one holding Python objects.
        self._patterns = list(patterns.values())
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        for index, word in enumerate(patterns):
            self._automaton.add_word(word, index)
        self._automaton.make_automaton()
        # "Ben Bradley" is a person even where "Bradley" is a village.
        self.first_names = first_names
        # Words before a name that can change what it means (``explain_text``'s first look).
        self.gate_words = first_names | judge.WORDS_BEFORE
        self._resolutions: dict[tuple[int, object], Resolution] = {}
        # The counties and districts each name stands for, per set (``PlaceContext``).
        self.areas_memo: dict[tuple[int, str], tuple[str, ...]] = {}

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["_resolutions"] = {}  # per process: keyed by object ids
        state["areas_memo"] = {}
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)

    def forget_resolutions(self) -> None:
        """Drop the names resolved so far (benchmarks measure a first pass with it)."""
        self._resolutions.clear()

    def resolve(
        self, pattern: Pattern, day: date, in_force: str, context: PlaceContext
    ) -> Resolution:
        """What a matched name means on ``day``; the same for every article unless the name
        is an ambiguous place, so remembered (up to ``RESOLUTIONS_KEPT`` answers)."""
        if pattern.ambiguous:
            return resolve_pattern(
                pattern, self.gazetteer, context, day, in_force, SINGLE_WORD_FACTOR
            )
        key = (id(pattern), day if pattern.kind is EvidenceKind.MP else in_force)
        answer = self._resolutions.get(key)
        if answer is None:
            if len(self._resolutions) >= RESOLUTIONS_KEPT:
                self._resolutions.clear()
            answer = resolve_pattern(
                pattern, self.gazetteer, None, day, in_force, SINGLE_WORD_FACTOR
            )
            self._resolutions[key] = answer
        if answer.scope == VILLAGE and context.has_home:  # in the source's own area?
            return resolve_pattern(
                pattern, self.gazetteer, context, day, in_force, SINGLE_WORD_FACTOR
            )
        return answer

    def find(self, text: str) -> list[Hit]:
        """Whole-word, non-overlapping matches, longest first where they overlap."""
        copy = f"\0{_matching_copy(text)}\0"
        # Offsets in the copy are one more than in the text. The automaton's own
        # leftmost-longest scan is right unless a longer name ran into a longer word
        # ("Norwich North" in "Norwich Northern"), hiding the whole word inside it.
        patterns = self._patterns
        chosen = []
        for end, index in self._automaton.iter_long(copy):
            if copy[end + 1] != "\0":
                return self._all_whole_words(copy, len(text))
            pattern = patterns[index]
            chosen.append((end - pattern.length, end, pattern))
        return chosen

    def _all_whole_words(self, copy: str, text_length: int) -> list[Hit]:
        """Every whole-word match, then the longest of overlapping ones."""
        patterns = self._patterns
        hits = [
            (end - patterns[index].length, end, patterns[index])
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
        + [f"{m}.py" for m in ("gazetteer", "tagger", "resolve", "priors", "evidence")]
    ):
        key.update(name.encode())
        key.update(package.joinpath(name).read_bytes())
    key.update(sys.version.encode())
    key.update(CACHE_FORMAT.encode())
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


@dataclass(frozen=True, slots=True)
class Explanation:
    """Every decision about one article: the tags, the areas named apart, and each matched
    name that was no evidence, with the reason (what ``digest tag`` prints)."""

    boundary_set: str
    tags: tuple[SeatTag, ...]
    areas: tuple[SeatTag, ...] = ()
    rejected: tuple[Rejection, ...] = ()


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
    Areas that hold several seats are not tags here (``explain_text`` lists them apart).
    """
    found = explain_text(title, body, day, matcher, area, explain=False)
    return found.boundary_set, found.tags


def explain_text(
    title: str,
    body: str,
    day: date | None,
    matcher: SeatMatcher | None = None,
    area: str = "",
    explain: bool = True,
) -> Explanation:
    """The tags of an article with the areas it names and the names it did not count
    (``explain=False``: the tags only, as ``tag_text`` wants them)."""
    matcher = matcher or default_matcher()
    gazetteer = matcher.gazetteer
    day = day or date.today()
    in_force = boundary_set_on(day)
    # No-break spaces are spaces to every rule here (one for one, so offsets hold).
    text = f"{title}\n\n{body}".replace("\xa0", " ")
    title_end = len(title)
    lead_end = title_end + 2 + LEAD_CHARS
    scores: dict[int, SeatScore] = {}  # by id of the gazetteer's Seat
    hits = matcher.find(text)
    home = gazetteer.areas.get(area, frozenset()) if area else frozenset()
    context = PlaceContext(hits, gazetteer, in_force, home, matcher.areas_memo)
    rejected: list[Rejection] = []
    # Each person's namings, in order: whether it is them is decided once per person.
    people: dict[int, tuple[Resolution, list[Evidence]]] = {}
    area_hits: list[tuple[Evidence, tuple[tuple[Seat, float], ...], bool]] = []
    # A name said ten times means the same thing each time: resolve each name once.
    resolved: dict[int, Resolution] = {}
    previous_end = -2
    furniture = judge.furniture_spans(text, title_end)
    seats_named: bool | None = None
    first_names = matcher.first_names
    gate_words = matcher.gate_words
    place_kind = EvidenceKind.PLACE
    for start, end, pattern in hits:
        reason = ""
        if furniture:
            reason = judge.furniture_reason(furniture, start)
        # One look at the characters either side: most names need no rule at all. Before a
        # name only a first name, a title, "River" or "v" can change it; after it, a
        # capital, "v", "league"/"union" or a comma.
        after = text[end : end + 2]
        gated = after[:1] == "," or (
            after[:1] == " " and after[1:] and (after[1].isupper() or after[1] in "vlu")
        )
        if not gated and start > 2 and text[start - 1] == " ":
            space = text.rfind(" ", start - 24 if start > 24 else 0, start - 1)
            before = text[space + 1 : start - 1]
            before = before[before.rfind("\n") + 1 :]
            gated = before in gate_words
        if not reason and gated:
            reason = _usage_reason(text, start, end, pattern, first_names)
        if (
            not reason
            and start == previous_end + 1
            and pattern.kind is place_kind
            and text[previous_end] == " "
        ):
            reason = "part of a longer place name (after another place)"
        previous_end = end
        if reason:
            rejected.append(Rejection(start, end, text[start:end], pattern.kind, reason))
            continue
        answer = resolved.get(id(pattern))
        if answer is None:
            answer = resolved[id(pattern)] = matcher.resolve(pattern, day, in_force, context)
        kind, targets, _, scope, why = answer
        evidence = Evidence(start, end, text[start:end], kind)
        if not targets:
            rejected.append(Rejection(start, end, evidence.text, kind, why))
            continue
        if kind is EvidenceKind.SEAT and pattern.place and seats_named is None:
            # Seats named in full ("Leeds North East"): a list, where "Pudsey" is one more.
            seats_named = any(p.kind is EvidenceKind.SEAT and not p.place for _, _, p in hits)
        if (
            kind is EvidenceKind.SEAT
            and pattern.place
            and (not seats_named or _names_council(gazetteer, pattern.place))
            and not judge.has_seat_context(text, start, end)
        ):
            # "Wakefield" is a seat and a council holding several: the seat only when the
            # words around it say so (MP, seat, by-election), else the council's area.
            as_place = resolve_pattern(
                pattern._replace(kind=EvidenceKind.PLACE, word_like=False),
                gazetteer,
                context,
                day,
                in_force,
                SINGLE_WORD_FACTOR,
            )
            if as_place.scope == AREA:
                answer = as_place
                kind, targets, scope = EvidenceKind.PLACE, as_place.targets, AREA
                evidence = evidence._replace(kind=kind)
        if kind is EvidenceKind.MP or kind is EvidenceKind.CANDIDATE:
            person = people.get(id(pattern))
            if person is None:
                people[id(pattern)] = (answer, [evidence])
            else:
                person[1].append(evidence)
            continue
        in_title = start < title_end
        if scope == AREA:
            # Kept apart: it adds to seats with evidence of their own (after this loop), and
            # seats only it reaches are built only when explaining.
            area_hits.append((evidence, targets, in_title))
            continue
        for seat, weight in targets:
            score = scores.get(id(seat))
            if score is None:
                score = scores[id(seat)] = SeatScore(seat)
            if kind is EvidenceKind.SEAT:
                score.evidence.append(evidence)
                if in_title:
                    score.title_hits += 1
                    score.raw += TITLE_WEIGHT * weight
                else:
                    score.body_hits += 1
                    if score.body_hits <= MAX_BODY_HITS:
                        score.raw += BODY_WEIGHT * weight
                continue
            gain = (PLACE_TITLE_WEIGHT if in_title else PLACE_BODY_WEIGHT) * weight
            score.evidence.append(evidence)
            score.place_hits += 1
            if scope == VILLAGE:
                score.minor_hits += 1
                score.minor_title = score.minor_title or in_title
            if in_title or score.place_hits <= MAX_PLACE_HITS:
                score.raw += gain
    in_areas = {id(seat) for _, targets, _ in area_hits for seat, _ in targets}
    for answer, namings in people.values():
        _add_person(text, namings, answer, scores, in_areas, context, rejected, title_end, lead_end)
    for evidence, targets, in_title in area_hits:
        for seat, weight in targets:
            score = scores.get(id(seat))
            if score is None:
                if not explain:
                    continue
                score = scores[id(seat)] = SeatScore(seat)
            score.area_evidence.append(evidence)
            score.area_raw += (PLACE_TITLE_WEIGHT if in_title else PLACE_BODY_WEIGHT) * weight
    for score in scores.values():
        if score.mp_hits and not score.named:  # member or mentioned: is one of them quoted?
            score.quoted = any(
                judge.is_quoted(text, e.start, e.end)
                for e in score.evidence
                if e.kind is EvidenceKind.MP or e.kind is EvidenceKind.CANDIDATE
            )
    tags, areas = roles(scores, rejected, explain)
    if not explain:
        return Explanation(in_force, tags)
    rejected.sort()
    return Explanation(in_force, tags, areas, tuple(rejected))


def _names_council(gazetteer: Gazetteer, name: str) -> bool:
    """Whether a seat's name is also the name of a council or county."""
    return any(o.place_type in AREA_TYPES for o in gazetteer.places[name])


def _usage_reason(
    text: str, start: int, end: int, pattern: Pattern, first_names: frozenset[str]
) -> str:
    """Why a match is not the place or person it names, from the words around it ("" if
    none). Most matches are followed by a lower-case word or punctuation and preceded by
    nothing special: one look at the characters either side skips every rule for them."""
    after = text[end : end + 2]
    joined = len(after) == 2 and after[0] == " " and (after[1].isupper() or after[1] in "vlu")
    kind = pattern.kind
    follows_word = start > 1 and text[start - 1] == " " and text[start - 2].isalpha()
    if kind is EvidenceKind.MP or kind is EvidenceKind.CANDIDATE:
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
        reason = judge.word_before_reason(text, start, first_names)
    if not reason and joined and pattern.word_like:
        reason = judge.longer_proper_name_reason(text, start, end)
    return reason


def _add_person(
    text: str,
    namings: list[Evidence],
    answer: Resolution,
    scores: dict[int, SeatScore],
    in_areas: set[int],
    context: PlaceContext,
    rejected: list[Rejection],
    title_end: int,
    lead_end: int,
) -> None:
    """Count an MP or candidate for their seat when the text shows it is them.

    Evidence that the person is the MP of that seat, not a namesake or a national figure
    named in passing: their seat, a place in it or its county is named; or, for one who is
    not a national figure, the words around one of the namings say MP, minister, party,
    candidate or quote them; or the headline names them.
    """
    shown: bool | None = None  # worked out only when the seat gives no support
    for seat, weight in answer.targets:
        score = scores.get(id(seat))
        supported = (
            (score is not None and score.named)
            or id(seat) in in_areas
            or context.names(seat.county)
        )
        if not supported and shown is None:
            # A namesake is rarely quoted next to MP, party or candidate words, or in a
            # headline; a national figure needs the headline or their seat.
            shown = namings[0].start < title_end or (
                not answer.national
                and any(judge.names_politician(text, e.start, e.end) for e in namings)
            )
        if not supported and not shown:
            why = (
                "a national figure named in passing"
                if answer.national
                else "no sign it is the MP or candidate (no seat, area or MP title near)"
            )
            rejected.extend(Rejection(e.start, e.end, e.text, e.kind, why) for e in namings)
            continue
        if score is None:
            score = scores[id(seat)] = SeatScore(seat)
        score.evidence.extend(namings)
        score.mp_hits += len(namings)
        first = namings[0].start
        if not answer.national and first < lead_end and (first < title_end or score.named):
            score.lead_person = True
        score.raw += MP_WEIGHT * weight * min(len(namings), MAX_MP_HITS)
