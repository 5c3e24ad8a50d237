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

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Pattern:
    kind: EvidenceKind
    keys: tuple[tuple[str, str], ...] = ()  # seats (code, set) with this written name
    mp_indexes: tuple[int, ...] = ()  # MP terms with this name
    candidate_indexes: tuple[int, ...] = ()  # candidacies with this name
    place: str = ""  # the place name, a key of ``Gazetteer.places``


@dataclass(slots=True)
class _Hit:
    start: int
    end: int
    text: str
    pattern: _Pattern


@dataclass(slots=True)
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
        self._automaton = ahocorasick.Automaton()
        for form, keys in seats_by_form.items():
            self._automaton.add_word(form, _Pattern(EvidenceKind.SEAT, keys=tuple(keys)))
        for form in mps_by_form.keys() | candidates_by_form.keys():
            if form in seats_by_form:
                continue  # a seat name wins over a person of the same name
            pattern = _Pattern(
                EvidenceKind.MP,
                mp_indexes=tuple(mps_by_form.get(form, ())),
                candidate_indexes=tuple(candidates_by_form.get(form, ())),
            )
            self._automaton.add_word(form, pattern)
        people = mps_by_form.keys() | candidates_by_form.keys()
        for name, options in gazetteer.places.items():
            if name in seats_by_form or name in people or not usable_place_name(name, options):
                continue
            self._automaton.add_word(name, _Pattern(EvidenceKind.PLACE, place=name))
        self._automaton.make_automaton()
        # "Ben Bradley" is a person even where "Bradley" is a village.
        self.first_names = frozenset(form.split()[0] for form in people)

    def find(self, text: str) -> list[_Hit]:
        """Whole-word, non-overlapping matches, longest first where they overlap."""
        chosen: list[_Hit] = []
        for hit in sorted(self._candidates(text), key=lambda h: (-(h.end - h.start), h.start)):
            if all(hit.end <= c.start or hit.start >= c.end for c in chosen):
                chosen.append(hit)
        return sorted(chosen, key=lambda h: h.start)

    def _candidates(self, text: str) -> list[_Hit]:
        found = []
        for end_index, pattern in self._automaton.iter(text):
            form_length = len(_form_of(pattern, self.gazetteer, text, end_index))
            start = end_index - form_length + 1
            end = end_index + 1
            if not _whole_word(text, start, end):
                continue
            if pattern.kind is EvidenceKind.PLACE and self._after_first_name(text, start):
                continue
            found.append(_Hit(start, end, text[start:end], pattern))
        return found

    def _after_first_name(self, text: str, start: int) -> bool:
        before = text[max(0, start - 20) : start]
        words = before.split()
        return bool(words) and before.endswith(" ") and words[-1] in self.first_names


def _form_of(pattern: _Pattern, gazetteer: Gazetteer, text: str, end_index: int) -> str:
    """The written form that matched: the longest of the pattern's forms ending here."""
    if pattern.kind is EvidenceKind.PLACE:
        return pattern.place
    candidates: list[str] = []
    if pattern.kind is EvidenceKind.SEAT:
        for key in pattern.keys:
            candidates.extend(gazetteer.seat_names[key])
    else:
        for index in pattern.mp_indexes:
            candidates.extend(gazetteer.mp_terms[index].variants)
        for index in pattern.candidate_indexes:
            candidates.append(gazetteer.candidacies[index].name)
    end = end_index + 1
    matching = [c for c in candidates if text.startswith(c, end - len(c)) and end - len(c) >= 0]
    return max(matching, key=len)


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


def _whole_word(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or before == "-") and not (after.isalnum() or after == "-")


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
    gc.collect()
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
    try:
        with path.open("rb") as handle:
            matcher = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
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


def tag_text(
    title: str, body: str, day: date | None, matcher: SeatMatcher | None = None
) -> tuple[str, tuple[SeatTag, ...]]:
    """The boundary set used and the seat tags of an article, strongest first.

    Evidence offsets index ``title + "\\n\\n" + body``. Without a date, today is used, so
    the current boundary set and MPs apply.
    """
    matcher = matcher or default_matcher()
    gazetteer = matcher.gazetteer
    day = day or date.today()
    in_force = boundary_set_on(day)
    text = f"{title}\n\n{body}"
    title_end = len(title)
    scores: dict[tuple[str, str], _SeatScore] = {}

    def entry(seat: Seat) -> _SeatScore:
        key = (seat.code, seat.boundary_set)
        if key not in scores:
            scores[key] = _SeatScore(seat)
        return scores[key]

    hits = matcher.find(text)
    context = _place_context(text, hits, gazetteer, in_force)
    for hit in hits:
        evidence = Evidence(hit.start, hit.end, hit.text, hit.pattern.kind)
        if hit.pattern.kind is EvidenceKind.PLACE:
            option = _resolve_place(gazetteer.places[hit.pattern.place], context)
            if option is None:
                continue
            in_title = hit.start < title_end
            for code, share in option.seats_in(in_force):
                if share < MIN_PLACE_SHARE:
                    continue
                score = entry(gazetteer.seat(code, in_force))
                score.place_hits += 1
                if in_title or score.place_hits <= MAX_PLACE_HITS:
                    score.raw += (PLACE_TITLE_WEIGHT if in_title else PLACE_BODY_WEIGHT) * share
                score.evidence.append(evidence)
        elif hit.pattern.kind is EvidenceKind.SEAT:
            seat = _seat_in_force(gazetteer, hit.pattern.keys, in_force)
            score = entry(seat)
            factor = SINGLE_WORD_FACTOR if len(seat.name.split()) == 1 else 1.0
            if hit.start < title_end:
                score.title_hits += 1
                score.raw += TITLE_WEIGHT * factor
            else:
                score.body_hits += 1
                if score.body_hits <= MAX_BODY_HITS:
                    score.raw += BODY_WEIGHT * factor
            score.evidence.append(evidence)
        else:
            # A sitting MP first (a former one during a campaign); otherwise a candidate
            # around an election they fought.
            terms = [gazetteer.mp_terms[i] for i in hit.pattern.mp_indexes]
            seats = {(t.seat_code, t.boundary_set) for t in terms if t.covers(day)} or {
                (t.seat_code, t.boundary_set) for t in terms if t.covers(day, CAMPAIGN_GRACE)
            }
            leads = hit.start < title_end and not gazetteer.is_national_figure(hit.text, day)
            if not seats:
                seats = {
                    (c.seat_code, c.boundary_set)
                    for c in (gazetteer.candidacies[i] for i in hit.pattern.candidate_indexes)
                    if c.covers(day)
                }
                evidence = Evidence(hit.start, hit.end, hit.text, EvidenceKind.CANDIDATE)
            for key in seats:
                score = entry(gazetteer.seat(*key))
                score.lead_mp = score.lead_mp or leads
                score.mp_hits += 1
                if score.mp_hits <= MAX_MP_HITS:
                    score.raw += MP_WEIGHT / len(seats)
                score.evidence.append(evidence)
    return in_force, _roles(scores)


def _place_context(text: str, hits: list[_Hit], gazetteer: Gazetteer, in_force: str) -> str:
    """Words that tell same-named places apart: the text, and the counties of named seats.

    "Rochford" next to "Essex" (or next to Southend, a seat in Essex) is the Essex town, not
    the Worcestershire parish.
    """
    counties = {
        _seat_in_force(gazetteer, hit.pattern.keys, in_force).county
        for hit in hits
        if hit.pattern.kind is EvidenceKind.SEAT
    }
    for hit in hits:
        if hit.pattern.kind is EvidenceKind.PLACE:
            options = gazetteer.places[hit.pattern.place]
            if len({o.county for o in options}) == 1:
                counties.add(options[0].county)
    return text + "\n" + "\n".join(sorted(c for c in counties if c))


def _resolve_place(options: tuple[PlaceOption, ...], context: str) -> PlaceOption | None:
    """The place a name means here: the one whose district or county the context names,
    else the most specific kind of place (a town over a parish); ``None`` when two places of
    the same kind in different counties remain equally likely."""

    def support(option: PlaceOption) -> int:
        named = 0
        if option.county and option.county != option.name and option.county in context:
            named += 1
        if option.district and option.district != option.name and option.district in context:
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


def _roles(scores: dict[tuple[str, str], _SeatScore]) -> tuple[SeatTag, ...]:
    named = [s for s in scores.values() if s.title_hits or s.body_hits or s.place_hits]
    top = max((s.raw for s in named), default=0.0)
    tags = []
    for score in scores.values():
        is_primary = (
            score in named and score.raw >= PRIMARY_MIN_SCORE and score.raw >= PRIMARY_RATIO * top
        ) or (not named and score.lead_mp)
        tags.append(
            SeatTag(
                code=score.seat.code,
                name=score.seat.name,
                boundary_set=score.seat.boundary_set,
                role=Role.PRIMARY
                if is_primary
                else (Role.MENTIONED if score in named else Role.MEMBER),
                score=round(1.0 - math.exp(-score.raw / SCORE_SCALE), 3),
                evidence=tuple(score.evidence),
            )
        )
    tags.sort(key=lambda t: (t.role.rank, -t.score, t.name))
    return tuple(tags)
