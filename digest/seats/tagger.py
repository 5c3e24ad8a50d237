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
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import ahocorasick

from digest.models import Evidence, EvidenceKind, Role, Seat, SeatTag
from digest.seats.gazetteer import CAMPAIGN_GRACE, Gazetteer, boundary_set_on, load_gazetteer

TITLE_WEIGHT = 3.0
BODY_WEIGHT = 1.0
MAX_BODY_HITS = 5
MP_WEIGHT = 0.5
MAX_MP_HITS = 3
# A seat is primary when it has at least this raw score and is within this ratio of the top.
PRIMARY_MIN_SCORE = 2.0
PRIMARY_RATIO = 0.8
# One-word seat names ("Colchester", "Bath") are also towns and words: weigh them less.
SINGLE_WORD_FACTOR = 0.75
SCORE_SCALE = 4.0


@dataclass(frozen=True, slots=True)
class _Pattern:
    kind: EvidenceKind
    keys: tuple[tuple[str, str], ...] = ()  # seats (code, set) with this written name
    mp_indexes: tuple[int, ...] = ()  # MP terms with this name
    candidate_indexes: tuple[int, ...] = ()  # candidacies with this name


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
        self._automaton.make_automaton()

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
            if _whole_word(text, start, end):
                found.append(_Hit(start, end, text[start:end], pattern))
        return found


def _form_of(pattern: _Pattern, gazetteer: Gazetteer, text: str, end_index: int) -> str:
    """The written form that matched: the longest of the pattern's forms ending here."""
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


def _whole_word(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or before == "-") and not (after.isalnum() or after == "-")


@lru_cache(maxsize=1)
def default_matcher() -> SeatMatcher:
    """The process-wide matcher over the shipped gazetteer (built on first use).

    Its hundreds of thousands of objects live as long as the process, so they are moved out
    of the garbage collector's view (``gc.freeze``): otherwise every full collection during
    a poll walks all of them again, a visible share of a warm poll's CPU.
    """
    matcher = SeatMatcher(load_gazetteer())
    gc.collect()
    gc.freeze()
    return matcher


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

    for hit in matcher.find(text):
        evidence = Evidence(hit.start, hit.end, hit.text, hit.pattern.kind)
        if hit.pattern.kind is EvidenceKind.SEAT:
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
            # A sitting MP first; otherwise a candidate around an election they fought.
            seats = {
                (t.seat_code, t.boundary_set)
                for t in (gazetteer.mp_terms[i] for i in hit.pattern.mp_indexes)
                if t.covers(day, CAMPAIGN_GRACE)
            }
            if not seats:
                seats = {
                    (c.seat_code, c.boundary_set)
                    for c in (gazetteer.candidacies[i] for i in hit.pattern.candidate_indexes)
                    if c.covers(day)
                }
                evidence = Evidence(hit.start, hit.end, hit.text, EvidenceKind.CANDIDATE)
            for key in seats:
                score = entry(gazetteer.seat(*key))
                score.mp_hits += 1
                if score.mp_hits <= MAX_MP_HITS:
                    score.raw += MP_WEIGHT / len(seats)
                score.evidence.append(evidence)
    return in_force, _roles(scores)


def _seat_in_force(gazetteer: Gazetteer, keys: tuple[tuple[str, str], ...], in_force: str) -> Seat:
    """Of the seats with one name, the one in the set in force, else the other set's."""
    for code, boundary_set in keys:
        if boundary_set == in_force:
            return gazetteer.seat(code, boundary_set)
    return gazetteer.seat(*keys[0])


def _roles(scores: dict[tuple[str, str], _SeatScore]) -> tuple[SeatTag, ...]:
    named = [s for s in scores.values() if s.title_hits or s.body_hits]
    top = max((s.raw for s in named), default=0.0)
    tags = []
    for score in scores.values():
        is_primary = (
            score in named and score.raw >= PRIMARY_MIN_SCORE and score.raw >= PRIMARY_RATIO * top
        )
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
