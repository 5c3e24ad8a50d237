"""How likely a place name is to mean the place before any context: its prior.

A name that is also a common English word ("Read", "River", "Deal"), a month ("March") or a
first name ("Paul", "Barry") is far more often not the place. The bigger the place, the more
common its name may be and still mean it (a town's name is written far more often than a
parish's), so the bar rises with the kind of place.

Word frequencies come from ``wordfreq`` (its data ships inside the wheel; nothing is fetched).
They are read only while the matcher is built, and the result is kept in the matcher cache,
so tagging itself never loads them.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

from digest.seats.evidence import is_month
from digest.seats.records import PlaceOption

# Zipf frequency (log10 of uses per billion words) at or above which a place's name is more
# likely a word than that place, by the most prominent kind of place the name can be.
# Calibrated on names, not pages: "Barry" 4.3 and "Brandon" 4.0 (towns) are words, "Morley"
# 3.2 and "Batley" 2.3 are not; "Moira" 3.1 and "Anglesey" 2.9 (as parishes) are.
WORD_ZIPF_BY_KIND = {
    "major_town_or_city": 5.0,
    "built_up_area": 3.8,
    "built_up_area_subdivision": 3.8,
}
WORD_ZIPF_SMALL_PLACE = 2.5  # parishes and wards
_AREA_KINDS = frozenset({"local_authority_district", "county_or_unitary_authority"})


def word_commonness() -> Callable[[str], float]:
    """A function giving a word's English zipf frequency (0.0 where ``wordfreq`` has none)."""
    from wordfreq import zipf_frequency

    return lambda word: float(zipf_frequency(word, "en"))


def is_word_like(
    name: str,
    options: tuple[PlaceOption, ...],
    first_names: frozenset[str],
    commonness: Callable[[str], float],
) -> bool:
    """Whether a one-word place name is more likely a word, month or first name than the place."""
    if " " in name or "-" in name:
        return False
    if any(o.place_type in _AREA_KINDS for o in options):
        return False  # a council or county is an area, never a tag by itself anyway
    if is_month(name) or name in first_names:
        return True
    bar = max(WORD_ZIPF_BY_KIND.get(o.place_type, WORD_ZIPF_SMALL_PLACE) for o in options)
    return commonness(name.lower()) >= bar


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
