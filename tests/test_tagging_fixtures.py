"""The hard cases of the labelled tagging set, asserted by name (bench/tagging.py scores all)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from digest.models import Role
from digest.seats.tagger import tag_text

FIXTURES = Path(__file__).parent / "fixtures" / "tagging" / "articles.jsonl"
ARTICLES = {
    row["title"]: row
    for row in (json.loads(line) for line in FIXTURES.read_text(encoding="utf-8").splitlines())
}


def _tags(title: str) -> dict[str, Role]:
    row = ARTICLES[title]
    _, tags = tag_text(row["title"], row["body"], date.fromisoformat(row["date"]))
    return {t.name: t.role for t in tags}


def test_there_are_enough_labelled_articles() -> None:
    assert len(ARTICLES) >= 80


@pytest.mark.parametrize(
    ("title", "seat"),
    [
        ("Rochford parish hall repairs", "West Worcestershire"),  # Worcestershire, not Essex
        ("Sprowston school to expand", "Norwich North"),  # a parish wholly in one seat
        ("James Wild launches campaign", "North Norfolk"),  # a candidate in 2017
        ("James Wild raises rail fares in Commons", "North West Norfolk"),  # an MP in 2020
        ("Leigh-on-Sea flood scheme consultation", "Southend West and Leigh"),  # 2024 set
        ("Diss station car park", "South Norfolk"),  # 2010 set...
        ("Diss station car park opens", "Waveney Valley"),  # ...and 2024
        ("Ben Lake on rural broadband", "Ceredigion"),  # Wales; "Wales" is no place
    ],
)
def test_hard_cases_get_the_right_primary(title: str, seat: str) -> None:
    tags = _tags(title)
    assert [name for name, role in tags.items() if role is Role.PRIMARY] == [seat]


def test_split_city_gives_no_primary() -> None:
    # A city split into seats, with nothing for one part of it: an area, not a tag
    # (issue 18; this test said both seats were mentioned before).
    assert _tags("Norwich bus drivers strike") == {}


def test_national_figures_are_members_of_their_seat_only() -> None:
    # In the headline but not quoted: named, so at most mentioned (issue 18).
    assert _tags("Theresa May's conference speech") == {"Maidenhead": Role.MENTIONED}
    tags = _tags("Boris Johnson visits Colchester")
    assert tags["Colchester"] is Role.PRIMARY
    assert tags["Uxbridge and South Ruislip"] is Role.MENTIONED


def test_articles_about_no_seat_get_no_tags() -> None:
    for title in ("Bank of England raises interest rates", "Lockdown announced"):
        assert _tags(title) == {}
