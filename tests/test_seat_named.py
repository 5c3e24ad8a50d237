"""A place name inside a longer name is not the place: a person's title ("Bishop of
Durham"), a street, firm, product or work it heads ("Wells Fargo", "Wilmslow Road"), or an
institution named after it when the article never names the place on its own.

Texts written for these tests; the seats are the 2024 set's.
"""

from __future__ import annotations

from datetime import date

import pytest

from digest.models import Role
from digest.seats.tagger import explain_text
from tests.support import roles_shown

DAY = date(2025, 3, 1)


def _shown(title: str, body: str) -> dict[str, Role]:
    return roles_shown(title, body, DAY)


def _reasons(title: str, body: str) -> dict[str, str]:
    found = explain_text(title, body, DAY)
    return {r.text: r.reason for r in found.rejected}


@pytest.mark.parametrize(
    "sentence",
    [
        "The Archbishop of Canterbury said the cuts were cruel.",
        "The Bishop of Canterbury said the cuts were cruel.",
        "Lord Hartley of Canterbury said the cuts were cruel.",
        "Baroness Hartley of Canterbury said the cuts were cruel.",
    ],
)
def test_a_title_of_a_place_is_the_person_not_the_place(sentence: str) -> None:
    title, body = "Peers attack welfare cuts", f"A debate in the Lords. {sentence}"
    assert "Canterbury" not in _shown(title, body)
    assert _reasons(title, body)["Canterbury"].startswith("part of a title (")


@pytest.mark.parametrize(
    "sentence",
    [
        "The Lord Mayor of Canterbury said the cuts were cruel.",
        "The Mayor of Canterbury said the cuts were cruel.",
        "Families in Canterbury said the cuts were cruel.",
    ],
)
def test_a_local_office_of_a_place_stays_the_place(sentence: str) -> None:
    assert "Canterbury" in _shown("Welfare cuts", f"A debate on welfare. {sentence}")


def test_the_title_occurrence_alone_stops_counting() -> None:
    body = (
        "The Bishop of Canterbury opened the new food bank in Canterbury on Friday. "
        "Volunteers in Canterbury said demand had doubled."
    )
    found = explain_text("Food bank opens", body, DAY)
    assert [(t.name, [e.start for e in t.evidence]) for t in found.tags] == [
        (
            "Canterbury",
            [
                len("Food bank opens\n\n") + body.index("in Canterbury") + 3,
                len("Food bank opens\n\n") + body.rindex("Canterbury"),
            ],
        )
    ]


@pytest.mark.parametrize(
    ("sentence", "name", "why"),
    [
        ("Analysts at Wells Fargo expect a cut.", "Wells", "heads a longer name (Wells Fargo"),
        ("A red Vauxhall Corsa was seen nearby.", "Vauxhall", "heads a longer name"),
        ("The shop on Halifax Road was closed.", "Halifax", "a street named after the place"),
        (
            "Experts at Loughborough University agreed.",
            "Loughborough",
            "an institution, venue or event named after it",
        ),
    ],
)
def test_a_place_heading_a_longer_name_is_not_the_place(sentence: str, name: str, why: str) -> None:
    title, body = "Interest rates held", f"Rates were held on Thursday. {sentence}"
    shown = _shown(title, body)
    assert not shown
    assert _reasons(title, body)[name].startswith(why)


def test_an_institution_counts_when_the_place_is_named_on_its_own() -> None:
    body = (
        "Researchers at Loughborough University opened a clinic. "
        "It is the first of its kind in Loughborough."
    )
    assert "Loughborough" in _shown("New clinic opens", body)


@pytest.mark.parametrize(
    "sentence",
    [
        "Halifax Council approved the plan.",
        "The Halifax MP backed the plan.",
        "Halifax Conservatives backed the plan.",
        "Speaking in Halifax Mr Jones backed the plan.",
    ],
)
def test_civic_bodies_parties_and_people_after_a_place_keep_it(sentence: str) -> None:
    assert "Halifax" in _shown("Housing plan", f"A housing plan was debated. {sentence}")


def test_a_longer_name_that_is_a_place_is_matched_as_that_place() -> None:
    body = "Traffic was held up in Sutton Coldfield for an hour."
    assert set(_shown("Road closed", body)) == {"Sutton Coldfield"}


def test_headlines_are_not_read_for_longer_names() -> None:
    # Many outlets capitalise every word of a headline.
    assert "Halifax" in _shown("Halifax Traders Fear Closure", "Shops may close, owners said.")
