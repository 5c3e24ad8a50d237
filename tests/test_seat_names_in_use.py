"""Issue 18, seats, on real feeds: names that are not the place in the way a story uses them.

Found by tagging real text the evidence rules were not tuned on (BBC News 2004-05, all
five sections; the BBC and Guardian feeds in ``../shared/feeds``; bench/RESULTS.md, "errors
found on real feeds"). The texts here are written for these tests. Each class failed before:

* a sports report names its teams and grounds by their towns ("Bath prop", "win over
  Gloucester", "at Twickenham"): every one was a seat tag;
* a person named like a place ("Paula Radcliffe", "Gordon Strachan", "J Worsley") was
  rejected where the first name or initial stood before it, and tagged everywhere else the
  article names them (the headline "Radcliffe ...", "Radcliffe said").
"""

from __future__ import annotations

from datetime import date

from digest.models import Role
from digest.seats.tagger import explain_text
from tests.support import roles_shown

DAY_2005 = date(2005, 2, 1)
DAY_2019 = date(2019, 6, 1)


def _shown(title: str, body: str, day: date = DAY_2019) -> dict[str, Role]:
    return roles_shown(title, body, day)


RUGBY = (
    "Bath have recalled their captain for Saturday's Premiership match at home to Gloucester. "
    "The Bath flanker missed the 17-16 win over Gloucester last month with a calf injury, and "
    "the club's coach said the squad was otherwise fit.\n\n"
    "England play France at Twickenham in a fortnight, and three Bath players are expected "
    "to be named in the squad."
)


def test_towns_in_a_sports_report_are_teams_and_grounds() -> None:
    assert _shown("Bath recall captain for derby", RUGBY, DAY_2005) == {}
    explained = explain_text("Bath recall captain for derby", RUGBY, DAY_2005)
    reasons = {r.text: r.reason for r in explained.rejected}
    assert reasons["Twickenham"] == "a team or ground in a sports report"
    assert reasons["Bath"] == "a team or ground in a sports report"


def test_a_result_headline_makes_a_sports_report() -> None:
    body = "A late goal settled it in front of a crowd of 4,000."
    assert _shown("Hartlepool 1-0 Colchester", body) == {}


def test_a_council_story_about_a_club_keeps_its_town() -> None:
    body = (
        "Councillors in Colchester approved the football club's plans for a bigger stadium on "
        "Tuesday. The club said the team's fans had waited a decade, and the planning "
        "committee heard that the season ticket holders backed the scheme."
    )
    assert "Colchester" in _shown("Stadium plans approved", body)


def test_a_person_named_like_a_place_is_that_person_throughout() -> None:
    body = (
        "Paula Radcliffe won the half-marathon in Glasgow on Sunday in her first race since "
        "the summer. Radcliffe said she had trained through the winter."
    )
    assert _shown("Radcliffe returns with a win", body, DAY_2005) == {}
    explained = explain_text("Radcliffe returns with a win", body, DAY_2005)
    reasons = [r.reason for r in explained.rejected if r.text == "Radcliffe"]
    assert reasons[0].startswith("the name of a person the article names")
    assert "a surname (after 'Paula')" in reasons


def test_the_place_a_person_is_named_after_still_counts_where_the_text_says_in() -> None:
    body = (
        "Paula Radcliffe opened the new running track in Radcliffe on Saturday, and the "
        "town's council thanked the volunteers who raised the money."
    )
    assert "Bury South" in _shown("Track opened", body, DAY_2005)


def test_a_seat_named_like_a_first_name_before_a_surname_is_a_person() -> None:
    body = (
        "Former Southampton manager Gordon Strachan has turned down the job. Fellow coach "
        "Gordon Lindsay said he understood."
    )
    assert "Gordon" not in _shown("Strachan says no to new club", body)


def test_a_seat_before_its_candidates_name_is_still_the_seat() -> None:
    body = (
        "The SNP has chosen its candidates: for Gordon Richard Thomson, and for Moray "
        "Angus Robertson."
    )
    assert "Gordon" in _shown("SNP candidates chosen", body)


def test_initials_and_titles_make_a_surname() -> None:
    body = (
        "The back row is J Worsley, L Moody and M Corry. Baroness Greenfield said the team "
        "looked strong."
    )
    explained = explain_text("England side named", body, DAY_2005)
    assert explained.tags == ()
    reasons = {r.text: r.reason for r in explained.rejected}
    assert reasons["Worsley"] == "a surname (after 'J')"
    assert reasons["Greenfield"] == "a surname (after 'Baroness')"


def test_a_political_story_under_a_sports_menu_keeps_its_seat() -> None:
    body = (
        "News Sport Football Rugby Cricket Fixtures\n\n"
        "Labour has chosen a local teacher as its candidate in Colchester for the next "
        "general election, the party's club members heard on Friday."
    )
    assert "Colchester" in _shown("Labour picks candidate", body)
