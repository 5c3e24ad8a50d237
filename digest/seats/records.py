"""The gazetteer's records: boundary sets, MPs' terms, candidacies, results, places.

Plain immutable records and the dates that decide which boundary set is in force. The
gazetteer (``gazetteer.py``) builds them from the shipped CSV files (``rows.py``); the
matcher cache holds them, so their shapes are part of ``matcher_cache.CACHE_FORMAT``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from digest.models import Seat

SET_2010 = "2010"
SET_2024 = "2024"
# The 2010 boundaries were in force until dissolution on 2024-05-30.
LAST_DAY_OF_2010_SET = date(2024, 5, 30)
# Between a dissolution and polling day nobody is an MP, but the outgoing member is still the
# name a story about the seat uses; a former MP keeps their seat for this long after a term.
CAMPAIGN_GRACE = timedelta(days=60)
# A maiden speech shortly before the first term in the data means an earlier by-election
# win in the same seat (Chloe Smith, Norwich North, 2009).
BY_ELECTION_REACH = timedelta(days=730)


def boundary_set_on(day: date) -> str:
    """The boundary set in force on ``day``."""
    return SET_2010 if day <= LAST_DAY_OF_2010_SET else SET_2024


@dataclass(frozen=True, slots=True)
class MpTerm:
    """One MP's term in one seat."""

    mnis_id: str
    name: str
    variants: tuple[str, ...]
    party: str
    seat_code: str
    seat_name: str
    boundary_set: str
    start: date
    end: date | None
    elected: date  # polling day of this term; ``start`` may reach back to a maiden speech

    def covers(self, day: date, grace: timedelta = timedelta(0)) -> bool:
        """True when the term (stretched by ``grace`` at its end) includes ``day``."""
        return self.start <= day and (self.end is None or day <= self.end + grace)


# A runner-up is news about the seat they fought from a year before polling day (selection,
# campaign) to half a year after it (the count, its aftermath).
CANDIDATE_BEFORE = timedelta(days=365)
CANDIDATE_AFTER = timedelta(days=183)


@dataclass(frozen=True, slots=True)
class Candidacy:
    """A runner-up at one contest, relevant to the seat around that election."""

    name: str
    party: str
    seat_code: str
    boundary_set: str
    election: date

    def covers(self, day: date) -> bool:
        """True when ``day`` falls in the candidacy's window around polling day."""
        return self.election - CANDIDATE_BEFORE <= day <= self.election + CANDIDATE_AFTER


@dataclass(frozen=True, slots=True)
class ElectionResult:
    """One contest in one seat (general, by-election, or notional on new boundaries)."""

    day: date
    kind: str  # general | by-election | notional
    seat_code: str
    boundary_set: str
    winner: str  # blank for notional results, which have party totals only
    winner_party: str
    majority: int
    runner_up: str
    runner_up_party: str
    result: str

    def describe(self) -> str:
        """ "2017: Chloe Smith, Conservative, majority 507 over Labour"."""
        who = f"{self.winner}, {self.winner_party}" if self.winner else self.winner_party
        label = {"general": "", "by-election": " by-election", "notional": " notional"}.get(
            self.kind, f" {self.kind}"
        )
        return (
            f"{self.day.year}{label}: {who}, majority {self.majority:,} over {self.runner_up_party}"
        )


# When one name is several kinds of place in one district, the most specific reading wins:
# a town over the district named after it, a district over a county.
PLACE_TYPE_RANK = {
    "major_town_or_city": 0,
    "built_up_area_subdivision": 1,
    "built_up_area": 2,
    "parish": 3,
    "ward": 4,
    "local_authority_district": 5,
    "county_or_unitary_authority": 6,
}


class PlaceOption(NamedTuple):
    """One place a name can mean: its district and county, and the seats sharing it.

    A named tuple: there are 55,000, and the matcher cache unpickles them at every start,
    far faster than frozen dataclasses (bench/RESULTS.md).
    """

    name: str
    place_type: str
    district: str
    county: str
    nation: str
    # boundary set -> ((seat code, share of the place's people in that seat), ...)
    shares: dict[str, tuple[tuple[str, float], ...]]

    def seats_in(self, boundary_set: str) -> tuple[tuple[str, float], ...]:
        """The seats this place lies in, in one set, largest share first."""
        return self.shares.get(boundary_set, ())


@dataclass(frozen=True, slots=True)
class SeatMatch:
    """A seat found by a name lookup, with how well the name matched."""

    seat: Seat
    score: float
