"""A seat's context in a digest, and the order of its stories."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from digest.compose import DigestComposer, seat_context
from digest.config import DigestConfig
from digest.models import Evidence, EvidenceKind, PreparedArticle, Role, SeatTag
from digest.seats.follows import resolve_seat
from digest.seats.gazetteer import load_gazetteer
from digest.store.core import Store


def test_context_names_the_mp_and_the_last_majority() -> None:
    gazetteer = load_gazetteer()
    follow = resolve_seat(gazetteer, "Norwich North")
    assert seat_context(gazetteer, follow, date(2018, 1, 1)) == (
        "Chloe Smith (Conservative) since 2010, majority 507 over Labour in 2017."
    )
    assert seat_context(gazetteer, follow, date(2025, 3, 1)) == (
        "Alice Macdonald (Labour) since 2024, majority 10,850 over the Conservatives."
    )


def test_context_between_dissolution_and_polling_day_has_no_mp() -> None:
    gazetteer = load_gazetteer()
    follow = resolve_seat(gazetteer, "Norwich North")
    text = seat_context(gazetteer, follow, date(2024, 6, 15))
    assert not text.startswith("MP:")
    assert "2019 notional" not in text  # notional results are not contests


TEXTS = {
    "old-primary": "Norwich North residents met the council on Tuesday about buses and roads.",
    "new-mention": "A Norwich North charity shop raised money for the hospice at its fair.",
    "new-primary": "Norwich North candidates argued about housing targets in a hustings.",
}


def _article(guid: str, role: Role, published: datetime) -> PreparedArticle:
    return PreparedArticle(
        source_name="S",
        guid=guid,
        url=None,
        canonical_url=None,
        content_hash=guid,
        title=f"Story {guid}",
        # Distinct texts: the same text from three articles would be one story.
        text=TEXTS[guid],
        published=published,
        boundary_set="2024",
        tags=(
            SeatTag(
                "E14001408",
                "Norwich North",
                "2024",
                role,
                0.5,
                (Evidence(0, 13, "Norwich North", EvidenceKind.SEAT),),
            ),
        ),
    )


def test_stories_about_the_seat_come_before_mentions(tmp_path: Path) -> None:
    now = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)
    store = Store.open(tmp_path / "s.sqlite3")
    store.add_articles(
        [
            _article("old-primary", Role.PRIMARY, now - timedelta(days=2)),
            _article("new-mention", Role.MENTIONED, now - timedelta(hours=1)),
            _article("new-primary", Role.PRIMARY, now - timedelta(hours=2)),
        ],
        first_seen=now - timedelta(hours=1),
    )
    composer = DigestComposer(store, DigestConfig())
    follow = resolve_seat(load_gazetteer(), "Norwich North")
    section = composer.section(follow, now - timedelta(days=7), now.date())
    assert [s.title for s in section.stories] == [
        "Story new-primary",
        "Story old-primary",
        "Story new-mention",
    ]
    assert section.context.startswith("Alice Macdonald (Labour)")
    store.close()


def test_overview_counts_each_role() -> None:
    from digest.compose import overview_line
    from digest.models import Story, StorySource

    def story(role: Role, outlet: str, title: str = "t") -> Story:
        return Story(
            1, title, (), datetime(2026, 1, 1, tzinfo=UTC), (StorySource(outlet, None),), role
        )

    assert overview_line([]) == ""  # the section says "Nothing new about SEAT" itself
    assert overview_line([story(Role.PRIMARY, "A")]) == "1 new story from 1 outlet, about the seat."
    assert overview_line(
        [
            story(Role.PRIMARY, "A", "Labour targets the seat"),
            story(Role.MENTIONED, "B", "Bus route cut back."),
            story(Role.MEMBER, "B", "MP speaks in a debate"),
        ]
    ) == (
        "3 new stories from 2 outlets: 1 about the seat, 1 mentioning it, 1 about its MP "
        "elsewhere. From B (2) and A."
    )
    # The headlines follow in the list: the overview never repeats them.
    five = [story(Role.PRIMARY, f"Outlet {i % 5}", f"Story {i}") for i in range(5)]
    assert "Story" not in overview_line(five)
    assert overview_line(five).endswith("From Outlet 0, Outlet 1, Outlet 2 and 2 more.")
    revised = replace(story(Role.PRIMARY, "A"), updated=True)
    assert overview_line([revised, story(Role.PRIMARY, "A")]) == (
        "2 new stories from 1 outlet, about the seat. 1 updated since your last digest."
    )
