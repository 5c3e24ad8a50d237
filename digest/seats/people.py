"""People as evidence for their seats: whether a named MP or candidate is them, and whether
they take part.

A person's name is matched anywhere; counting it for their seat needs the text to show it
is them (not a namesake, not a national figure in passing), and their role depends on
whether they act or are quoted in a story about something else (``member``).
"""

from __future__ import annotations

from digest.models import Evidence, EvidenceKind, Rejection
from digest.seats import evidence as judge
from digest.seats.resolve import PlaceContext, Resolution
from digest.seats.scoring import SeatScore

# Enum members as module constants: an enum attribute lookup costs far more than a global
# one (bench/RESULTS.md).
_SEAT = EvidenceKind.SEAT
_MP = EvidenceKind.MP
_CANDIDATE = EvidenceKind.CANDIDATE

MP_WEIGHT = 0.5
MAX_MP_HITS = 3


# How far a seat's name may stand from its MP's to be only their label: "X MP Jane Doe"
# (" MP "), "Jane Doe, the MP for X" (", the MP for ").
_LABEL_GAP = 14


def seat_only_labels(evidence: list[Evidence]) -> bool:
    """Whether every naming of the seat stands right beside a naming of its MP or
    candidate, as the label saying whose MP they are, not as the place the story is in."""
    people = [e for e in evidence if e.kind is _MP or e.kind is _CANDIDATE]
    return all(
        any(
            0 <= p.start - e.end <= _LABEL_GAP or 0 <= e.start - p.end <= _LABEL_GAP for p in people
        )
        for e in evidence
        if e.kind is _SEAT
    )


def add_person(
    text: str,
    namings: list[Evidence],
    answer: Resolution,
    scores: dict[int, SeatScore],
    in_areas: set[int],
    context: PlaceContext,
    rejected: list[Rejection],
    title_end: int,
    lead_end: int,
    explain: bool,
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
            (score is not None and (score.title_hits or score.body_hits or score.place_hits))
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
            if explain:
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
