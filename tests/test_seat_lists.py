"""A list of councils is a list of areas (issue 18, areas holding several seats), with texts
written for these tests.

Mayoral and combined-authority stories list their councils ("Bolton, Bury, ... Rochdale,
Stockport ... and Wigan"); several of those names are also seats. In a list of one-word
names each is the council, as the rest are: no subscriber to Rochdale wants every story
about Greater Manchester's buses. Both tests with lists failed before (Rochdale and
Stockport, or Wakefield, were ``mentioned``).
"""

from __future__ import annotations

from datetime import date

from digest.models import Role
from digest.seats.tagger import explain_text
from tests.support import roles_shown

DAY = date(2023, 6, 1)


def _shown(title: str, body: str, day: date = DAY) -> dict[str, Role]:
    return roles_shown(title, body, day)


def test_seats_named_in_a_list_of_boroughs_are_the_boroughs() -> None:
    body = (
        "Buses will be back under public control across the ten boroughs of Bolton, Bury, "
        "Manchester, Oldham, Rochdale, Salford, Stockport, Tameside, Trafford and Wigan by "
        "2025, the mayor of Greater Manchester said."
    )
    assert _shown("Mayor sets out bus plan", body) == {}
    areas = {t.name for t in explain_text("Mayor sets out bus plan", body, DAY).areas}
    assert {"Rochdale", "Stockport"} <= areas  # kept apart as areas, not lost


def test_a_list_of_councils_beside_a_seat_named_in_full_stays_a_list_of_areas() -> None:
    body = (
        "Batley and Spen MP Tracy Brabin has been selected to stand for mayor of West "
        "Yorkshire in the May election.\n"
        "Voters in Leeds, Wakefield, Kirklees, Calderdale and Bradford will all choose."
    )
    shown = _shown("Brabin to stand for mayor", body, date(2021, 1, 10))
    assert "Wakefield" not in shown
    assert shown["Batley and Spen"] is Role.PRIMARY


def test_a_seat_that_is_also_a_council_is_still_the_seat_outside_a_list() -> None:
    body = (
        "Stockport station will be rebuilt by 2027, the council said. Buses from Bolton, "
        "Bury and Wigan will stop outside it."
    )
    assert _shown("Stockport station to be rebuilt", body) == {"Stockport": Role.PRIMARY}


def test_a_seat_word_after_a_listed_name_keeps_the_seat() -> None:
    body = (
        "Campaigners met MPs from Leeds, Wakefield MP Simon Lightwood, and councillors from "
        "Kirklees and Calderdale at the station."
    )
    shown = _shown("Rail campaigners meet MPs", body, date(2024, 9, 1))
    assert "Wakefield and Rothwell" in shown or "Wakefield" in shown


def test_a_seat_in_a_list_of_towns_is_still_the_town() -> None:
    body = (
        "Civil servants picketed offices in towns and cities including Cardiff, Bangor, "
        "Aberystwyth and Wrexham on Friday."
    )
    shown = _shown("Civil servants strike", body, date(2005, 1, 15))
    assert shown.get("Wrexham") is Role.MENTIONED


def test_a_short_form_of_a_seat_named_in_the_text_is_that_seat() -> None:
    # "Walton" alone is also a village near Wakefield; after "Liverpool Walton" it is the seat.
    body = (
        "Voters in the Liverpool Walton constituency have backed Labour since 1964. "
        "Elections are not won and lost in Walton, one campaigner said."
    )
    shown = _shown("A look ahead in Liverpool Walton", body, date(2024, 6, 20))
    assert shown == {"Liverpool Walton": Role.PRIMARY}
