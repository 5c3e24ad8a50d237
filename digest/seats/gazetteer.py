"""The shipped gazetteer: seats in the 2010 and 2024 boundary sets, MPs with dates, results.

The CSV files in ``digest/seats/data`` are open data (Open Parliament Licence, OGL v3,
CC BY 4.0; see ``data/README.md`` for attribution). They are read once per process, lazily,
so commands that never tag (``status``) pay nothing. The records it holds are defined in
``records.py``, the files read by ``rows.py``.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from datetime import date
from functools import cached_property, lru_cache
from typing import Any

from digest.models import Seat
from digest.seats.records import (
    BY_ELECTION_REACH,
    PLACE_TYPE_RANK,
    SET_2010,
    SET_2024,
    Candidacy,
    ElectionResult,
    MpTerm,
    PlaceOption,
    SeatMatch,
    boundary_set_on,
)
from digest.seats.rows import constituency_rows, is_list_name, parse_date, rows, split_list


class Gazetteer:
    """Seats, their name variants, MPs over time, and boundary changes."""

    @cached_property
    def seats(self) -> dict[tuple[str, str], Seat]:
        """Every seat, keyed by (code, boundary set)."""
        seats = {}
        for row in constituency_rows():
            valid_from = parse_date(row["valid_from"])
            assert valid_from is not None
            seat = Seat(
                code=row["id"],
                name=row["name"],
                boundary_set=row["boundary_set"],
                county=row["county"],
                region=row["region"],
                valid_from=valid_from,
                valid_to=parse_date(row["valid_to"]),
            )
            seats[(seat.code, seat.boundary_set)] = seat
        return seats

    @cached_property
    def seat_names(self) -> dict[tuple[str, str], tuple[str, ...]]:
        """Every written form of each seat's name: official, variants, Welsh."""
        names: dict[tuple[str, str], tuple[str, ...]] = {}
        for row in constituency_rows():
            forms = [
                row["name"],
                *split_list(row["generated_variants"]),
                *split_list(row["name_cy"]),
            ]
            forms.extend(hyphenated_points(form) for form in list(forms))
            names[(row["id"], row["boundary_set"])] = tuple(dict.fromkeys(forms))
        return names

    @cached_property
    def places(self) -> dict[str, tuple[PlaceOption, ...]]:
        """Every place name (and alternative name) with the places it can mean.

        Rows of one name in one district are one place (a town is also a built-up area and a
        parish); the most specific type's shares are kept. Rows in different districts are
        different places ("Rochford" in Essex and in Worcestershire), left for the tagger to
        tell apart from context.
        """
        county_of: dict[str, str] = {}
        grouped: dict[tuple[str, str], dict[str, Any]] = {}
        for row in rows("places.csv"):
            district_code = row["local_authority_code"]
            if row["county"]:
                county_of[district_code] = row["county"]
            for name in (row["place_name"], row["alt_name"]):
                if not name:
                    continue
                key = (name, district_code)
                rank = PLACE_TYPE_RANK.get(row["place_type"], 9)
                group = grouped.get(key)
                if group is None or rank < group["rank"]:
                    group = grouped[key] = {
                        "rank": rank,
                        "row": row,
                        "shares": defaultdict(list),
                    }
                elif rank > group["rank"]:
                    continue
                group["shares"][row["boundary_set"]].append(
                    (row["constituency_id"], float(row["share"]))
                )
        places: dict[str, list[PlaceOption]] = defaultdict(list)
        for (name, district_code), group in grouped.items():
            row = group["row"]
            places[name].append(
                PlaceOption(
                    name=name,
                    place_type=row["place_type"],
                    district=row["local_authority_name"],
                    county=county_of.get(district_code, ""),
                    nation=row["nation"],
                    shares={
                        boundary_set: tuple(sorted(pairs, key=lambda p: -p[1]))
                        for boundary_set, pairs in group["shares"].items()
                    },
                )
            )
        # ONS's major towns carry no district; they are the built-up areas listed already.
        return {
            name: tuple(o for o in options if o.district or len(options) == 1)
            for name, options in places.items()
        }

    @cached_property
    def areas(self) -> dict[str, frozenset[str]]:
        """Every county and district by name, with the areas it stands for: a county itself;
        a district itself and its county. A source's home area is one of these."""
        found: dict[str, set[str]] = defaultdict(set)
        for options in self.places.values():
            for option in options:
                if option.county:
                    found[option.county].add(option.county)
                if option.district:
                    found[option.district].update(a for a in (option.district, option.county) if a)
        return {name: frozenset(implied) for name, implied in found.items()}

    @cached_property
    def national_figures(self) -> dict[str, tuple[tuple[date, date | None], ...]]:
        """Prime ministers and party leaders with their dates in office.

        A story about one of them is national news, not news about their seat; the tagger
        never makes their seat primary through their name alone.
        """
        spans: dict[str, list[tuple[date, date | None]]] = defaultdict(list)
        for row in rows("national_figures.csv"):
            start = parse_date(row["from"])
            assert start is not None
            spans[row["name"]].append((start, parse_date(row["to"])))
        return {name: tuple(found) for name, found in spans.items()}

    def is_national_figure(self, name: str, day: date) -> bool:
        """Whether ``name`` led the government or a party on ``day``."""
        return any(
            start <= day and (end is None or day <= end)
            for start, end in self.national_figures.get(name, ())
        )

    @cached_property
    def mp_terms(self) -> tuple[MpTerm, ...]:
        """Every MP's term, with the name forms an article might use."""
        terms = []
        for row in rows("mps.csv"):
            start = elected = parse_date(row["start_date"])
            assert start is not None and elected is not None
            maiden = parse_date(row["maiden_speech_date"])
            if (
                row["start_date"] == row["first_elected_in_data"]
                and maiden is not None
                and start - BY_ELECTION_REACH <= maiden < start
            ):
                start = maiden
            variants = [row["name"], *(v for v in split_list(row["name_variants"]))]
            variants = [v for v in variants if not is_list_name(v)]
            short = SHORT_GIVEN_NAMES.get(row["given_name"], ())
            variants.extend(f"{name} {row['family_name']}" for name in short)
            terms.append(
                MpTerm(
                    mnis_id=row["mnis_id"],
                    name=row["name"],
                    variants=tuple(dict.fromkeys(variants)),
                    party=row["party"],
                    seat_code=row["constituency_id"],
                    seat_name=row["constituency_name"],
                    boundary_set=row["boundary_set"],
                    start=start,
                    end=parse_date(row["end_date"]),
                    elected=elected,
                )
            )
        return tuple(terms)

    @cached_property
    def successors(self) -> dict[str, list[tuple[str, float]]]:
        """2010 seat code -> [(2024 seat code, share of the old population)]; and back."""
        links: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for row in rows("constituency_changes.csv"):
            links[f"2010:{row['old_id']}"].append(
                (row["new_id"], float(row["old_population_share"]))
            )
            links[f"2024:{row['new_id']}"].append(
                (row["old_id"], float(row["new_population_share"]))
            )
        return dict(links)

    @cached_property
    def results(self) -> dict[tuple[str, str], tuple[ElectionResult, ...]]:
        """Every seat's contests, oldest first, keyed by (code, boundary set)."""
        found: dict[tuple[str, str], list[ElectionResult]] = defaultdict(list)
        for row in rows("election_results.csv"):
            day = parse_date(row["election_date"])
            assert day is not None
            kind = {"general": "general", "notional": "notional"}.get(
                row["election_type"], "by-election"
            )
            found[(row["constituency_id"], row["boundary_set"])].append(
                ElectionResult(
                    day=day,
                    kind=kind,
                    seat_code=row["constituency_id"],
                    boundary_set=row["boundary_set"],
                    winner=row["winner_name"],
                    winner_party=row["winner_party"],
                    majority=int(row["majority"] or 0),
                    runner_up=row["runner_up_name"],
                    runner_up_party=row["runner_up_party"],
                    result=row["result"],
                )
            )
        return {key: tuple(sorted(rows, key=lambda r: r.day)) for key, rows in found.items()}

    @cached_property
    def candidacies(self) -> tuple[Candidacy, ...]:
        """Every named runner-up (notional results have none)."""
        return tuple(
            Candidacy(
                name=r.runner_up,
                party=r.runner_up_party,
                seat_code=r.seat_code,
                boundary_set=r.boundary_set,
                election=r.day,
            )
            for contests in self.results.values()
            for r in contests
            if r.runner_up and r.kind != "notional"
        )

    def last_result(self, seat: Seat, day: date) -> ElectionResult | None:
        """The latest real contest (not notional) in ``seat`` on or before ``day``."""
        contests = self.results.get((seat.code, seat.boundary_set), ())
        held = [r for r in contests if r.day <= day and r.kind != "notional"]
        return held[-1] if held else None

    def members(self, seat: Seat) -> list[tuple[MpTerm, MpTerm]]:
        """The seat's MPs in order: (first term, last term) per unbroken run of one person."""
        terms = sorted(
            (
                t
                for t in self.mp_terms
                if t.seat_code == seat.code and t.boundary_set == seat.boundary_set
            ),
            key=lambda t: t.start,
        )
        runs: list[tuple[MpTerm, MpTerm]] = []
        for term in terms:
            if runs and runs[-1][1].mnis_id == term.mnis_id:
                runs[-1] = (runs[-1][0], term)
            else:
                runs.append((term, term))
        return runs

    def seat_in_force(self, seats: list[Seat], day: date) -> Seat:
        """Of one seat's versions, the one whose boundary set was in force on ``day``."""
        wanted = boundary_set_on(day)
        return next((s for s in seats if s.boundary_set == wanted), seats[-1])

    def seat(self, code: str, boundary_set: str) -> Seat:
        """The seat with this code in this set; ``KeyError`` if there is none."""
        return self.seats[(code, boundary_set)]

    def mp_on(self, seat: Seat, day: date) -> MpTerm | None:
        """The MP for ``seat`` on ``day``, if the data has one."""
        for term in self.mp_terms:
            if (
                term.seat_code == seat.code
                and term.boundary_set == seat.boundary_set
                and term.covers(day)
            ):
                return term
        return None

    def abolished_note(self, seat: Seat) -> str:
        """For a seat of the 2010 set whose name the 2024 set does not keep, what became of
        it ("Leeds West was abolished at the 2024 general election; its area is now in
        Leeds West and Pudsey (52%), ..."); "" for a seat that still exists."""
        if seat.boundary_set != SET_2010:
            return ""
        if any(s.boundary_set == SET_2024 for s in self.find_seats(seat.name)):
            return ""
        links = sorted(self.successors.get(f"{SET_2010}:{seat.code}", []), key=lambda x: -x[1])
        parts = [
            f"{self.seats[(code, SET_2024)].name} ({share:.0%})"
            for code, share in links
            if (code, SET_2024) in self.seats and share >= 0.01
        ]
        where = f"; its area is now in {', '.join(parts)}" if parts else ""
        return f"{seat.name} was abolished at the 2024 general election{where}"

    def counterparts(self, seat: Seat, min_share: float = 0.5) -> list[Seat]:
        """Seats in the other boundary set that hold most of this seat's population."""
        other = SET_2024 if seat.boundary_set == SET_2010 else SET_2010
        links = self.successors.get(f"{seat.boundary_set}:{seat.code}", [])
        return [
            self.seats[(code, other)]
            for code, share in links
            if share >= min_share and (code, other) in self.seats
        ]

    @cached_property
    def _seats_by_name(self) -> dict[str, list[tuple[str, str]]]:
        """Seat keys by every written form and code, case-folded."""
        index: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for key, forms in self.seat_names.items():
            for form in {key[0], *forms}:
                index[form.casefold()].append(key)
        return dict(index)

    def find_seats(self, text: str) -> list[Seat]:
        """Seats named exactly ``text`` (any written form, any case) or with that code."""
        keys = self._seats_by_name.get(" ".join(text.split()).casefold(), [])
        return sorted((self.seats[k] for k in set(keys)), key=lambda s: s.boundary_set)

    def search(self, text: str, limit: int = 10) -> list[SeatMatch]:
        """Seats whose names resemble ``text``: exact, then substring, then fuzzy matches."""
        wanted = " ".join(text.split()).casefold()
        if not wanted:
            return []
        scored: dict[tuple[str, str], float] = {}
        for key, forms in self.seat_names.items():
            best = 0.0
            for form in forms:
                folded = form.casefold()
                if folded == wanted or key[0].casefold() == wanted:
                    best = 1.0
                elif wanted in folded:
                    best = max(best, 0.8 + 0.1 * len(wanted) / len(folded))
                else:
                    best = max(best, difflib.SequenceMatcher(None, wanted, folded).ratio() * 0.8)
            if best >= 0.5:
                scored[key] = best
        ranked = sorted(scored.items(), key=lambda kv: (-kv[1], kv[0][1], self.seats[kv[0]].name))
        return [SeatMatch(self.seats[key], round(score, 3)) for key, score in ranked[:limit]]

    def closest_names(self, text: str, n: int = 5) -> list[str]:
        """Official seat names close to ``text``, for error messages."""
        names = sorted({seat.name for seat in self.seats.values()})
        close = difflib.get_close_matches(text, names, n=n, cutoff=0.5)
        if close:
            return close
        return [m.seat.name for m in self.search(text, limit=n)]


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """The process-wide gazetteer (its tables load on first use)."""
    return Gazetteer()


# Compass points of two words, which outlets often hyphenate ("North-East Fife").
_TWO_WORD_POINT = re.compile(r"\b(North|South) (East|West)\b")


def hyphenated_points(form: str) -> str:
    """A seat's name as outlets also write it: "North East Fife" as "North-East Fife"
    (the form itself when it has no two-word compass point)."""
    return _TWO_WORD_POINT.sub(r"\1-\2", form)


# The short forms of given names that news uses for MPs ("Nick Brown" for Nicholas Brown,
# "Bill Cash" for William Cash). The data lists some MPs' short names, not all; every MP
# with one of these given names is also matched by each short form with the family name.
SHORT_GIVEN_NAMES: dict[str, tuple[str, ...]] = {
    "Alexander": ("Alex",),
    "Andrew": ("Andy",),
    "Anthony": ("Tony",),
    "Benjamin": ("Ben",),
    "Catherine": ("Cat", "Cathy", "Kate"),
    "Christopher": ("Chris",),
    "Daniel": ("Dan",),
    "David": ("Dave",),
    "Deborah": ("Debbie",),
    "Douglas": ("Doug",),
    "Edward": ("Ed",),
    "Elizabeth": ("Liz",),
    "Frederick": ("Fred",),
    "Geoffrey": ("Geoff",),
    "Gerald": ("Gerry",),
    "Gregory": ("Greg",),
    "James": ("Jim", "Jamie"),
    "Jeffrey": ("Jeff",),
    "Jennifer": ("Jen",),
    "Jonathan": ("Jon",),
    "Joseph": ("Joe",),
    "Katherine": ("Kate", "Kathy"),
    "Kenneth": ("Ken",),
    "Matthew": ("Matt",),
    "Michael": ("Mike",),
    "Nicholas": ("Nick",),
    "Nicola": ("Nicky",),
    "Patricia": ("Pat",),
    "Peter": ("Pete",),
    "Philip": ("Phil",),
    "Rebecca": ("Becky",),
    "Richard": ("Rich",),
    "Robert": ("Rob", "Bob"),
    "Samuel": ("Sam",),
    "Stephen": ("Steve",),
    "Steven": ("Steve",),
    "Susan": ("Sue",),
    "Thomas": ("Tom",),
    "Timothy": ("Tim",),
    "Victoria": ("Vicky",),
    "William": ("Will", "Bill"),
}
