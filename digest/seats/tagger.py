"""Find the Westminster seats an article is about, and the ones it merely mentions.

The matcher (``matcher.py``) finds every written form of a seat, place or person in one
pass. Each match is then weighed as evidence: where it stands and what is next to it
(``evidence.py``), how likely its name means the place at all (``priors.py``), and what it
means on the article's date, in the boundary set in force (``resolve.py``). Seats gather what
survives; ``scoring.py`` gives each a role, keeps areas that hold several seats apart, and
says why. Every rejected name keeps its reason, which ``digest tag`` prints.

Scoring stays simple and explainable: a seat named in the title counts most, then each
naming in the body, a town in it, its MP or a candidate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from digest.models import Evidence, EvidenceKind, Rejection, Seat, SeatTag
from digest.seats import evidence as judge
from digest.seats.gazetteer import Gazetteer
from digest.seats.matcher import (
    GATE_REACH,
    SINGLE_WORD_FACTOR,
    SeatMatcher,
)
from digest.seats.matcher_cache import _cache_path, default_matcher
from digest.seats.people import add_person, seat_only_labels
from digest.seats.records import boundary_set_on
from digest.seats.resolve import (
    AREA,
    AREA_TYPES,
    ONE_SEAT_AREA,
    VILLAGE,
    PlaceContext,
    Resolution,
    resolve_pattern,
)
from digest.seats.scoring import SeatScore, roles
from digest.seats.usage import listed_council, usage_reason

# Enum members as module constants: an enum attribute lookup costs far more than a global
# one (bench/RESULTS.md), and tagging looks these up for every name it meets.
_SEAT = EvidenceKind.SEAT
_MP = EvidenceKind.MP
_CANDIDATE = EvidenceKind.CANDIDATE
_PLACE = EvidenceKind.PLACE
_PERSON_REASONS = judge.PERSON_REASONS

__all__ = [
    "Explanation",
    "SeatMatcher",
    "_cache_path",
    "default_matcher",
    "explain_text",
    "tag_text",
]

TITLE_WEIGHT = 3.0
BODY_WEIGHT = 1.0
MAX_BODY_HITS = 5
PLACE_TITLE_WEIGHT = 2.0
PLACE_BODY_WEIGHT = 0.75
MAX_PLACE_HITS = 5
PEOPLE = frozenset({_MP, _CANDIDATE})
# A person named this far into the body still leads the story (its opening).
LEAD_CHARS = 300


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
    *,
    as_people: dict[int, str] | None = None,
) -> Explanation:
    """The tags of an article with the areas it names and the names it did not count
    (``explain=False``: the tags only, as ``tag_text`` wants them).

    ``as_people``: names (by pattern index) the article uses as a person's name somewhere,
    with the reason seen there; every naming of them is that person. Found by a first pass,
    which tags again with them only when one was counted as a place before it was seen as
    a person (rare: a headline "Radcliffe wins" above "Paula Radcliffe ...")."""
    matcher = matcher or default_matcher()
    gazetteer = matcher.gazetteer
    day = day or date.today()
    in_force = boundary_set_on(day)
    # No-break spaces are spaces to every rule here (one for one, so offsets hold).
    text = f"{title}\n\n{body}".replace("\xa0", " ")
    title_end = len(title)
    lead_end = title_end + 2 + LEAD_CHARS
    scores: dict[int, SeatScore] = {}  # by id of the gazetteer's Seat
    ascii_text = text.encode("ascii", "replace")  # read by the matcher and furniture_spans
    found = matcher.scan(text, ascii_text)
    patterns, lengths = matcher.patterns, matcher.lengths
    home = gazetteer.areas.get(area, frozenset()) if area else frozenset()
    context = PlaceContext(found, matcher.areas_named[in_force], home)
    # What most names mean whatever the article: one list index each.
    fixed = matcher.answers_for(in_force, bool(home))
    # What people's names mean on this day, the same for every article of the day.
    people_today = matcher.people_on(day)
    rejected: list[Rejection] = []
    # Each person's namings, in order: whether it is them is decided once per person.
    people: dict[int, tuple[Resolution, list[Evidence]]] = {}
    area_hits: list[tuple[Evidence, tuple[tuple[Seat, float], ...], bool]] = []
    headline_place = False  # the headline names a seat, a place or an area
    # A name said ten times means the same thing each time: resolve each name once.
    resolved: dict[int, Resolution] = {}
    previous_end = -2
    furniture = judge.furniture_spans(text, title_end, ascii_text)
    seats_named: bool | None = None
    as_places: dict[int, Resolution] = {}  # one-word seats read as places, per name
    short_forms: dict[str, tuple[tuple[Seat, float], ...]] = {}  # words of seats named
    gate_words = matcher.gate_words
    # The text after GATE_REACH spaces: ``padded[start : start + _BEFORE_REACH]`` is the
    # stretch before ``start`` where the word before a name is looked for (the same slice of
    # the text, spaces standing for what lies before its start).
    padded = _PADDING + text
    word_before_matters = matcher.word_before_matters
    people_names: dict[int, str] = dict(as_people) if as_people else {}

    def meaning(index: int) -> Resolution:
        """What the name of pattern ``index`` means in this article (resolved once)."""
        answer = fixed[index] or resolved.get(index)
        if answer is None:
            answer = resolved[index] = matcher.resolve(
                patterns[index], index, day, in_force, context
            )
        return answer

    again = False  # a name counted as a place turned out to be a person's: tag again
    sport: bool | None = None  # whether the article reads as a sports report, when needed
    for end, index in found:
        start = end - lengths[index]
        answer = fixed[index]
        if answer is None:
            answer = people_today.get(index)
            if answer is None:
                answer = resolved.get(index)
                if answer is None:
                    answer = resolved[index] = matcher.resolve(
                        patterns[index], index, day, in_force, context
                    )
        kind, targets, _, scope, why = answer
        if not targets and not explain:
            # Pointing at no seat, it is no evidence whatever the words around it say:
            # only an explanation wants to know why.
            previous_end = end
            continue
        reason = judge.furniture_reason(furniture, start) if furniture else ""
        # One look at the characters either side: most names need no rule at all. Before a
        # name only a first name, a title, "River" or "v" can change it; after it, a
        # capital, "v", "league"/"union" or a comma.
        gated = _GATED_AFTER[text[end : end + 2]]
        if (
            not gated
            and start > 2
            and text[start - 1] == " "
            and (word_before_matters[index] or " " not in text[start:end])
        ):
            # The word after the last space (and line break) before the name, within reach.
            before = padded[start : start + _BEFORE_REACH].rpartition(" ")[2]
            gated = before in gate_words or (
                "\n" in before and before.rpartition("\n")[2] in gate_words
            )
        if gated and not reason:
            reason = usage_reason(text, start, end, patterns[index], matcher)
        if (
            start == previous_end + 1
            and not reason
            and patterns[index].kind is _PLACE
            and text[previous_end] == " "
        ):
            reason = "part of a longer place name (after another place)"
        previous_end = end
        if not reason and (kind is _PLACE or kind is _SEAT):
            if people_names and index in people_names:
                reason = judge.as_person_reason(text, start, people_names[index])
            if not reason and targets:
                if sport is None:
                    sport = judge.reads_as_sport(ascii_text, title_end)
                if sport and not judge.has_seat_context(text, start, end):
                    reason = "a team or ground in a sports report"
        elif reason and reason.startswith(_PERSON_REASONS) and index not in people_names:
            people_names[index] = reason
            # An earlier naming of it was counted as the place: tag again knowing it.
            again = again or any(i == index and e < end for e, i in found)
        if reason:
            if explain:
                rejected.append(
                    Rejection(start, end, text[start:end], patterns[index].kind, reason)
                )
            continue
        if not targets:
            rejected.append(Rejection(start, end, text[start:end], kind, why))
            continue
        evidence = _new_tuple(Evidence, (start, end, text[start:end], kind))
        if kind is _SEAT and patterns[index].place:
            pattern = patterns[index]
            # "Wakefield" is a seat and a council holding several: the seat only when the
            # words around it say so (MP, seat, by-election), else the council's area.
            # In a list of councils ("Bradford, Wakefield, Calderdale and Leeds") it is one
            # more council, whatever the town of the name would mean.
            council = listed_council(text, found, (end, index), matcher, meaning, in_force)
            as_place = council or as_places.get(index)
            if as_place is None:
                if seats_named is None:
                    # Seats named in full ("Leeds North East"): a list, where "Pudsey" is
                    # one more seat.
                    seats_named = any(
                        patterns[i].kind is _SEAT and not patterns[i].place for _, i in found
                    )
                as_place = as_places[index] = (
                    resolve_pattern(
                        pattern._replace(kind=_PLACE, word_like=False),
                        gazetteer,
                        context,
                        day,
                        in_force,
                        SINGLE_WORD_FACTOR,
                    )
                    if not seats_named or _names_council(gazetteer, pattern.place)
                    else answer
                )
            if (
                as_place.scope == AREA
                and (council is not None or not _mostly_in(as_place, targets[0][0]))
                and (council is not None or not judge.has_seat_context(text, start, end))
            ):
                answer = as_place
                kind, targets, scope = _PLACE, as_place.targets, AREA
                evidence = evidence._replace(kind=kind)
        elif kind is _MP or kind is _CANDIDATE:
            person = people.get(index)
            if person is None:
                people[index] = (answer, [evidence])
            else:
                person[1].append(evidence)
            continue
        in_title = start < title_end
        if in_title:
            headline_place = True
        if scope == AREA:
            # Kept apart: it adds to seats with evidence of their own (after this loop), and
            # seats only it reaches are built only when explaining.
            area_hits.append((evidence, targets, in_title))
            continue
        if kind is _SEAT:
            if " " in evidence.text:
                # Its distinctive words, for a later short form ("Walton" after "Liverpool
                # Walton"), which as a place would be a namesake elsewhere. Not the first
                # word: that is the city or town the seat is part of ("Sheffield Hallam").
                for word in evidence.text.split()[1:]:
                    if word not in _NOT_SHORT_FORMS:
                        short_forms.setdefault(word, targets)
            for seat, weight in targets:
                score = scores.get(id(seat))
                if score is None:
                    score = scores[id(seat)] = SeatScore(seat)
                score.evidence.append(evidence)
                if in_title:
                    score.title_hits += 1
                    score.raw += TITLE_WEIGHT * weight
                else:
                    score.body_hits += 1
                    if score.body_hits <= MAX_BODY_HITS:
                        score.raw += BODY_WEIGHT * weight
            continue
        village = scope == VILLAGE
        if short_forms and evidence.text in short_forms:
            named_seat = short_forms[evidence.text]
            if not any(seat is named_seat[0][0] for seat, _ in targets):
                targets, village = named_seat, False
        for seat, weight in targets:
            score = scores.get(id(seat))
            if score is None:
                score = scores[id(seat)] = SeatScore(seat)
            score.evidence.append(evidence)
            score.place_hits += 1
            if village:
                score.minor_hits += 1
                if in_title:
                    score.minor_title = True
            if in_title:
                score.raw += PLACE_TITLE_WEIGHT * weight
            elif score.place_hits <= MAX_PLACE_HITS:
                score.raw += PLACE_BODY_WEIGHT * weight
    if again and as_people is None:
        return explain_text(title, body, day, matcher, area, explain, as_people=people_names)
    in_areas = {id(seat) for _, targets, _ in area_hits for seat, _ in targets} if people else set()
    for answer, namings in people.values():
        add_person(
            text, namings, answer, scores, in_areas, context, rejected, title_end, lead_end, explain
        )
    for evidence, targets, in_title in area_hits:
        for seat, weight in targets:
            score = scores.get(id(seat))
            if score is None:
                if not explain:
                    continue
                score = scores[id(seat)] = SeatScore(seat)
            score.area_evidence.append(evidence)
            score.area_raw += (PLACE_TITLE_WEIGHT if in_title else PLACE_BODY_WEIGHT) * weight

    def takes_part(score: SeatScore) -> bool:
        """Member or mentioned: whether one of the seat's people is quoted or acts, when the
        seat is reached only through them or named only to say whose MP they are ("Batley
        and Spen MP Tracy Brabin"). Asked only of seats that are not primary."""
        return bool(
            score.mp_hits
            and not (score.title_hits or score.place_hits)
            and (not score.body_hits or seat_only_labels(score.evidence))
            and any(
                judge.is_quoted(text, e.start, e.end)
                for e in score.evidence
                if e.kind is _MP or e.kind is _CANDIDATE
            )
        )

    def contested(score: SeatScore) -> bool:
        """Whether the body names the seat in a sentence about its contest (asked only of
        a named seat nothing else makes primary)."""
        return any(
            e.kind is _SEAT
            and e.start > title_end
            and judge.names_contest(text, e.start, e.end, day.year)
            for e in score.evidence
        )

    def in_past(score: SeatScore) -> bool:
        """Whether every naming of the seat puts it in an MP's past (asked only of a seat a
        round-up names with none of its people)."""
        return all(
            judge.names_past(text, e.start, e.end) for e in score.evidence if e.kind is _SEAT
        )

    tags, areas = roles(scores, rejected, explain, headline_place, contested, takes_part, in_past)
    if not explain:
        return Explanation(in_force, tags)
    rejected.sort()
    return Explanation(in_force, tags, areas, tuple(rejected))


# Whether the two characters after a name call for the rules (a comma; a space, then a
# capital, "v", "l" or "u"), by those characters: a handful of pairs recur in every text.
class _GatedAfter(dict[str, bool]):
    """Whether the two characters after a name call for the rules (a comma; a space, then a
    capital, "v", "l" or "u"), by those characters: a handful of pairs recur in every text."""

    def __missing__(self, after: str) -> bool:
        gated = after[:1] == "," or (
            after[:1] == " " and after[1:] != "" and (after[1].isupper() or after[1] in "vlu")
        )
        if len(self) < 10_000:
            self[after] = gated
        return gated


_GATED_AFTER = _GatedAfter()
_new_tuple = tuple.__new__  # a named tuple without the call of its Python ``__new__``
# How far before a name (and the space before it) the word before it is looked for. A
# gate word is shorter than this (``SeatMatcher.gate_words``): a stretch holding no space
# is no gate word, as a longer look would find.
_BEFORE_REACH = GATE_REACH - 1
_PADDING = " " * GATE_REACH


# Words of seat names that are no seat's short form.
_NOT_SHORT_FORMS = frozenset(
    "and upon on under in of the The North South East West Central Mid".split()  # noqa: SIM905
)


def _mostly_in(place: Resolution, seat: Seat) -> bool:
    """Whether most of a place's people live in this seat ("Ipswich" the town is mostly the
    Ipswich seat; "Wakefield" the city is only half the Wakefield seat)."""
    return any(s is seat and share >= ONE_SEAT_AREA for s, share in place.targets)


def _names_council(gazetteer: Gazetteer, name: str) -> bool:
    """Whether a seat's name is also the name of a council or county."""
    return any(o.place_type in AREA_TYPES for o in gazetteer.places[name])
