"""The badge of a story reaching the seat only through its MP: the MP of the story's date."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from digest.models import Role
from tests.test_email_sections import _article, _rendered, _tag

MAIDENHEAD_2010 = ("E14000803", "Maidenhead")
NORWICH_NORTH = ("E14001408", "Norwich North")


def test_a_past_mp_is_badged_as_the_mp_at_the_time(tmp_path: Path) -> None:
    # A 2018 story about Theresa May, read in 2026 when Maidenhead's MP is someone else.
    article = replace(
        _article("buses", _tag(MAIDENHEAD_2010, Role.MEMBER)),
        title="Theresa May speaks in Brussels",
        published=datetime(2018, 12, 19, 9, 0, tzinfo=UTC),
    )
    _, html, text = _rendered(tmp_path, ("Maidenhead",), article)
    for part in (html, text):
        assert "Maidenhead's MP at the time" in part.replace("&#39;", "'")
        assert "your MP elsewhere" not in part


def test_the_present_mp_elsewhere_keeps_its_badge(tmp_path: Path) -> None:
    article = _article("buses", _tag(NORWICH_NORTH, Role.MEMBER))
    _, html, text = _rendered(tmp_path, ("Norwich North",), article)
    for part in (html, text):
        assert "your MP elsewhere" in part
        assert "at the time" not in part
