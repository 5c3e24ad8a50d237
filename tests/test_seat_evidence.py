"""Issue 18, seats: each class of wrong tag, with texts written for these tests.

Every test here failed before the evidence model: the names below were all matched, and
each became a tag a subscriber would have been shown.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.models import Role
from digest.seats.tagger import explain_text, tag_text
from tests.support import roles_shown

DAY_2019 = date(2019, 6, 1)
DAY_2025 = date(2025, 3, 1)
runner = CliRunner()


def _shown(title: str, body: str, day: date = DAY_2019) -> dict[str, Role]:
    return roles_shown(title, body, day)


# 1. Ordinary words, months and first names matched as places.
def test_common_words_months_and_first_names_are_not_places() -> None:
    body = (
        "The council agreed a deal on bin collections in March, and the sale of the old depot "
        "goes ahead. Councillor Sandy Brown said she would read the river report. "
        "Mark the date: the hope is for a decision before the summer."
    )
    assert _shown("Council budget agreed", body) == {}


def test_a_word_like_place_counts_where_its_county_is_named() -> None:
    body = "Flooding closed the main road into Brandon, Suffolk, on Tuesday night."
    assert "West Suffolk" in _shown("Brandon road closed by flooding", body)
    assert _shown("Brandon road closed by flooding", body.replace(", Suffolk", "")) == {}


def test_a_surname_in_a_photo_credit_or_after_a_first_name_is_no_place() -> None:
    body = (
        "Parents queued outside the school gates on Monday morning (Photo: Anna Hexham/PA). "
        "Head teacher John Burton welcomed the new pupils."
    )
    explained = explain_text("School reopens", body, DAY_2019)
    assert explained.tags == ()
    reasons = {r.text: r.reason for r in explained.rejected}
    assert "photo credit" in reasons["Hexham"]
    assert "surname" in reasons["Burton"]


# 2. Shared names and places abroad.
def test_a_place_abroad_with_a_uk_name_is_not_tagged() -> None:
    body = "The factory in Derby, Connecticut, will close, its American owners said."
    assert _shown("US factory to close", body) == {}


# 3. Sports clubs and outlets named after places.
def test_sports_clubs_and_newspapers_are_not_places() -> None:
    body = (
        "Ipswich Town completed the signing of a striker on Friday. Tottenham Hotspur v "
        "Everton kicks off at three. The Shropshire Star first reported the fee."
    )
    assert _shown("Transfer round-up", body) == {}


# 4. Areas holding several seats.
def test_a_county_or_split_city_is_an_area_not_a_tag() -> None:
    body = "Fife Council and Leeds City Council both raised council tax by five per cent."
    explained = explain_text("Council tax rises", body, DAY_2019)
    assert explained.tags == ()
    assert {t.role for t in explained.areas} == {Role.AREA}
    assert "North East Fife" in {t.name for t in explained.areas}


def test_a_split_city_counts_for_the_part_the_text_names() -> None:
    body = (
        "Leeds North East MP Fabian Hamilton opened a food bank in Leeds on Saturday. "
        "Volunteers from across Leeds helped."
    )
    shown = _shown("Food bank opens", body)
    assert shown == {"Leeds North East": Role.PRIMARY}


# 5. National figures in passing, namesakes, and the boundary set in force.
def test_a_national_figure_in_passing_is_not_a_tag() -> None:
    body = (
        "The Wrexham bypass will be finished in 2021. Theresa May's government had "
        "promised the money last year, the council said."
    )
    shown = _shown("Wrexham bypass date set", body)
    assert "Maidenhead" not in shown
    assert shown["Wrexham"] is Role.PRIMARY


def test_a_namesake_of_an_mp_is_not_the_mp() -> None:
    body = "Local baker David Jones has opened a second shop on the high street in Blackpool."
    explained = explain_text("Baker opens second shop", body, date(2023, 3, 1))
    assert "Clwyd West" not in {t.name for t in explained.tags}
    assert any(r.text == "David Jones" for r in explained.rejected)


def test_an_mp_named_without_taking_part_is_mentioned_and_quoted_is_member() -> None:
    named = _shown("Hospital parking fees", "Hospital parking fees rise, MP Stella Creasy noted.")
    assert named == {"Walthamstow": Role.MENTIONED}
    quoted = _shown(
        "Hospital parking fees",
        "Hospital parking fees will rise in April. MP Stella Creasy said it was unfair.",
    )
    assert quoted == {"Walthamstow": Role.MEMBER}


def test_a_sitting_mp_resolves_in_the_boundary_set_in_force() -> None:
    # A week before polling day in 2024 the 2010 seats are gone; his is the 2024 seat.
    body = "Rishi Sunak, the MP for Richmond, campaigned in Northallerton."
    _, tags = tag_text("Campaign trail", body, date(2024, 6, 27))
    assert {t.boundary_set for t in tags} == {"2024"}


# 6. Primary recall: a story about an MP that names their seat.
def test_a_story_about_an_mp_that_names_the_seat_is_primary() -> None:
    body = (
        "The veteran Conservative will stand down at the next election, he announced on "
        "Friday. He has been the MP for Stevenage since 2010."
    )
    shown = _shown("Stephen McPartland to stand down", body, date(2023, 9, 1))
    assert shown["Stevenage"] is Role.PRIMARY


# 8. Silence: `digest tag` says what it saw and why each name was not counted.
def test_tag_command_lists_rejected_names_with_reasons(tmp_path: Path) -> None:
    article = tmp_path / "story.txt"
    article.write_text(
        "Library reopens after riot\n\nThe library in Reading for pleasure week reopened "
        "after Ipswich Town fans were blamed for damage in March.\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["tag", str(article), "--date", "2019-06-01", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["seats"] == []
    reasons = {r["text"]: r["reason"] for r in payload["rejected"]}
    assert "sports club" in reasons["Ipswich"]
    assert "common word" in reasons["Reading"]
    text = runner.invoke(app, ["tag", str(article), "--date", "2019-06-01"])
    assert "No seat tagged." in text.output
    assert "'Ipswich' (seat): a sports club (Town)" in text.output


def test_a_round_up_of_mps_makes_each_seat_primary() -> None:
    body = (
        "Two more Conservatives have said they will not stand at the next general election. "
        "Stevenage MP Stephen McPartland wrote to his local association on Monday. "
        "Mole Valley MP Sir Paul Beresford, first elected in 1992, will also retire."
    )
    shown = _shown("Two more MPs to stand down", body, date(2023, 9, 1))
    assert shown == {"Stevenage": Role.PRIMARY, "Mole Valley": Role.PRIMARY}


def test_a_seat_written_compass_point_first_is_that_seat() -> None:
    body = "The candidates for South Belfast met voters at a hustings in the city on Monday."
    shown = _shown("Hustings for South Belfast", body)
    assert shown == {"Belfast South": Role.PRIMARY}


# 7. Abolished and renamed seats: said plainly where a seat is shown or followed.
def test_seats_show_says_a_seat_was_abolished_and_what_replaced_it() -> None:
    result = runner.invoke(app, ["seats", "show", "Leeds West"])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "Leeds West was abolished at the 2024 general election" in flat
    assert "Leeds West and Pudsey (52%)" in flat
    assert "gets the stories of Leeds West and Pudsey" in flat
    payload = json.loads(runner.invoke(app, ["seats", "show", "Leeds West", "--json"]).output)
    assert payload["notes"][0].startswith("Leeds West was abolished")
    kept = json.loads(runner.invoke(app, ["seats", "show", "Norwich North", "--json"]).output)
    assert kept["notes"] == []


def test_following_an_abolished_seat_warns_with_its_successors(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from digest.seats.follows import resolve_seat
    from digest.seats.gazetteer import load_gazetteer

    with caplog.at_level(logging.WARNING, logger="digest.compose"):
        follow = resolve_seat(load_gazetteer(), "Leeds West", where="subscribers[0].seats")
    assert "E14001325" in follow.codes  # Leeds West and Pudsey, its main successor
    message = " ".join(r.getMessage() for r in caplog.records)
    assert "subscribers[0].seats: Leeds West was abolished" in message
    assert "brings the stories of Leeds West and Pudsey" in message


def test_a_line_passed_over_by_its_opening_is_no_furniture_line() -> None:
    """The look at a line's first characters skips the expression only where it could not
    match: every opening of a furniture line, in any case, after a quote or not, and lines
    cut short, are still matched; prose openings are passed over."""
    import itertools

    from digest.seats.evidence import (
        _FURNITURE_LINE_START,
        _FURNITURE_OPENINGS,
        _is_prose_opening,
    )

    lines = ["By Jane Doe, reporter", "\u017fee also", "“Read more", "(Picture: PA)", "123 more"]
    for opening in _FURNITURE_OPENINGS:
        lines += [opening, opening.upper(), opening.title(), f"“{opening}", f"— {opening}"]
    for chars in itertools.product("rEaByI “\u017f:-\n", repeat=4):
        lines += ["".join(chars), "".join(chars) + "d more", "".join(chars) + "e also"]
    for line in lines:
        if _is_prose_opening(line[:4]):
            assert _FURNITURE_LINE_START.match(line) is None, line
    for prose in ("The council", "“We said", "A report", "Councillors", "Byron said", ""):
        assert _is_prose_opening(prose[:4]), prose
