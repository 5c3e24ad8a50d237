"""Round-ups and the ways outlets write seat names (issue 18, primary recall), with texts
written for these tests.

Lists of candidates head each seat in capitals; outlets hyphenate compass points
("North-East Fife"); a round-up of an area's seats goes through each seat by its name or
by its candidates. Every test here failed before: the seats were missed or only
``mentioned``.
"""

from __future__ import annotations

from datetime import date

from digest.models import Role
from tests.support import roles_shown

ELECTION_2017 = date(2017, 5, 20)
ELECTION_2024 = date(2024, 6, 12)


def _shown(title: str, body: str, day: date) -> dict[str, Role]:
    return roles_shown(title, body, day)


def test_a_hyphenated_compass_point_is_the_seat() -> None:
    body = (
        "Wendy Chamberlain is defending North-East Fife for the Liberal Democrats, a seat "
        "she won with a majority of 1,316."
    )
    assert _shown("Lib Dems defend their Fife seat", body, ELECTION_2024) == {
        "North East Fife": Role.PRIMARY
    }


def test_seat_names_in_capitals_head_a_list_of_candidates() -> None:
    body = (
        "Nominations closed on Thursday. Here is who is standing.\n\n"
        "ELMET AND ROTHWELL\n\nAlec Shelbrooke - Conservative\n\n"
        "MORLEY AND OUTWOOD\n\nAndrea Jenkyns - Conservative\nNeil Dawson - Labour\n\n"
        "LEEDS CENTRAL\n\nHilary Benn - Labour"
    )
    shown = _shown("Who is standing where", body, ELECTION_2017)
    assert shown == {
        "Elmet and Rothwell": Role.PRIMARY,
        "Morley and Outwood": Role.PRIMARY,
        "Leeds Central": Role.PRIMARY,
    }


def test_a_round_up_of_an_areas_seats_makes_each_seat_it_goes_through_primary() -> None:
    body = (
        "Candidates are now confirmed in all four Fife constituencies ahead of polling day.\n"
        "In Dunfermline and Dollar, Douglas Chapman is standing down after nine years.\n"
        "Peter Grant is also leaving Glenrothes and Mid Fife, where John Beare stands for "
        "the SNP.\n"
        "Wendy Chamberlain hopes to hold North-East Fife against Stefan Hoggan-Radu.\n"
        "Melanie Ward is Labour's candidate against Neale Hanvey, who is standing for Alba, "
        "and Lesley Backhouse for the SNP."
    )
    shown = _shown("Fife's four constituencies: who is standing", body, ELECTION_2024)
    assert shown == {
        "Dunfermline and Dollar": Role.PRIMARY,
        "Glenrothes and Mid Fife": Role.PRIMARY,
        "North East Fife": Role.PRIMARY,
        # Named by none of its towns, only by its candidates: still one of the four.
        "Cowdenbeath and Kirkcaldy": Role.PRIMARY,
    }


def test_a_story_about_one_seat_does_not_become_a_round_up() -> None:
    body = (
        "Wendy Chamberlain, the MP for North East Fife, opened the new harbour wall in "
        "Anstruther. Fife Council paid for half of it."
    )
    shown = _shown("Harbour wall opens", body, ELECTION_2024)
    assert shown == {"North East Fife": Role.PRIMARY}


def test_a_seat_whose_candidate_is_selected_is_what_the_story_is_about() -> None:
    body = (
        "Sinn Fein will nominate John Finucane to contest Belfast North at the next "
        "election, the party confirmed on Tuesday. Turnout there was 67% last time.\n"
        "Meanwhile, Alliance has selected a councillor to contest the South Antrim seat in "
        "the event of a poll."
    )
    shown = _shown("Finucane to seek nomination", body, date(2019, 9, 18))
    assert shown["South Antrim"] is Role.PRIMARY


def test_a_contest_years_before_is_an_mps_history() -> None:
    body = (
        "Sir Bill Cash, the MP for Stone, is to retire at the next election, he said on "
        "Friday. Stone has returned him at every election since 1997.\n"
        "He was first elected in Stafford in 1984, in a by-election after he was selected "
        "by the local party."
    )
    shown = _shown("Stone MP to retire", body, date(2023, 6, 10))
    assert shown["Stone"] is Role.PRIMARY
    assert shown.get("Stafford") is Role.MENTIONED


def test_a_seat_a_round_up_names_only_in_an_mps_past_is_mentioned() -> None:
    body = (
        "Two more Conservative MPs have said they will stand down at the next election.\n"
        "Stevenage MP Stephen McPartland, who first won his seat in 2010, told the Prime "
        "Minister in a letter.\n"
        "Mole Valley MP Sir Paul Beresford, 76, first represented Croydon Central before "
        "switching to Mole Valley in 1997."
    )
    shown = _shown("Two more MPs to stand down", body, date(2023, 2, 13))
    assert shown["Stevenage"] is Role.PRIMARY
    assert shown["Mole Valley"] is Role.PRIMARY
    assert shown["Croydon Central"] is Role.MENTIONED
