"""``member``: an MP takes part in a story about something else (issue 18, national figures
and people), with texts written for these tests. Each failed before: the MP was not found
under the short name news uses, or the seat was only ``mentioned``.
"""

from __future__ import annotations

from datetime import date

from digest.models import Role
from tests.support import roles_shown

DAY = date(2019, 3, 1)


def _shown(title: str, body: str, day: date = DAY) -> dict[str, Role]:
    return roles_shown(title, body, day)


def test_an_mp_named_by_the_short_form_of_their_given_name_is_found() -> None:
    # The data knows him as Nicholas Brown; news calls him Nick Brown.
    body = (
        "A by-election will be held in Newport West on 4 April. Labour's Chief Whip Nick "
        "Brown took the formal step of moving the writ in the Commons on Monday."
    )
    shown = _shown("Newport West by-election date set", body)
    assert shown["Newport West"] is Role.PRIMARY
    assert shown["Newcastle upon Tyne East"] is Role.MEMBER


def test_a_seat_named_only_as_its_acting_mps_label_is_member() -> None:
    body = (
        "The new bypass around Ipswich opened on Tuesday after two years of work. Drivers in "
        "Ipswich town centre should see shorter queues, Ipswich Borough Council said. The "
        "road cost £40m, most of it from the Department for Transport, and includes a new "
        "bridge over the river and a cycle path along its whole length.\n"
        "Stevenage MP Stephen McPartland visited the site as chair of a transport committee."
    )
    shown = _shown("Ipswich bypass opens", body)
    assert shown.get("Stevenage") is Role.MEMBER


def test_a_seat_named_for_itself_stays_mentioned() -> None:
    body = (
        "The new bypass around Ipswich opened on Tuesday after two years of work. Drivers in "
        "Ipswich town centre should see shorter queues, Ipswich Borough Council said. Work "
        "on a similar road in Stevenage starts next year."
    )
    shown = _shown("Ipswich bypass opens", body)
    assert shown.get("Stevenage") is Role.MENTIONED
