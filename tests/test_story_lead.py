"""Which outlet's report leads a story: the first to publish, whatever order the poll stored
them in (articles stored in one batch share their first-seen time, and their ids follow the
order in which worker threads happened to finish)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from digest.config import StoriesConfig
from digest.models import Article, Role, StorySource
from digest.stories.seat_stories import StoryBuilder, StoryPolicy

BODY = (
    "Councillors in Fenmouth voted on Tuesday night to close the Harbour Road library at the "
    "end of March, despite a petition signed by 4,312 residents asking them to keep it open.\n\n"
    "The council said the building needed repairs costing £1.2m that it could not afford, and "
    "that a mobile library would visit the estate twice a week from April.\n\n"
    "Fenmouth West MP Grace Okafor said the decision was a blow to families who relied on the "
    "library for homework clubs, job searches and the warm space it offered in winter.\n\n"
    "Campaigners said they would ask the council's scrutiny committee to call the decision in "
    "before the contract for the mobile service is signed next month."
)
STORED = datetime(2026, 5, 1, 9, tzinfo=UTC)  # one poll's batch: the same first-seen time


def _report(number: int, outlet: str, title: str, published: datetime) -> Article:
    return Article(
        number, outlet, f"{outlet}-library", f"https://{outlet}.example/library",
        title, BODY, published, STORED,
    )  # fmt: skip


@pytest.mark.parametrize("early_id, late_id", [(1, 2), (2, 1)])
def test_the_outlet_that_published_first_leads_whatever_the_store_order(
    early_id: int, late_id: int
) -> None:
    early = _report(early_id, "gazette", "Harbour Road library to close", STORED.replace(hour=7))
    late = _report(late_id, "courier", "Library closure approved", STORED.replace(hour=8))
    builder = StoryBuilder(StoryPolicy(StoriesConfig(), 2, "never", 10))
    found = [
        (article, Role.PRIMARY, (StorySource(article.source_name, article.url),))
        for article in sorted([early, late], key=lambda a: a.id)
    ]
    (story,) = builder.stories(found, datetime(2026, 4, 30, tzinfo=UTC))
    assert story.title == "Harbour Road library to close"
    assert story.lead_link == "https://gazette.example/library"
    assert [source.name for source in story.sources] == ["gazette", "courier"]


def test_a_seat_shows_its_strongest_then_newest_stories_up_to_its_limit() -> None:
    bodies = [
        "The Fenmouth bypass opens on Monday after three years of work on the river crossing.",
        "A new primary school for Harbour Road was approved by the planning committee today.",
        "Fenmouth market traders asked for lower rents after a quiet summer on the quayside.",
        "The Fenmouth lifeboat crew rescued two walkers cut off by the tide near the pier.",
    ]

    def article(n: int, body: str) -> Article:
        at = STORED.replace(hour=n)
        return Article(n, "gazette", f"g{n}", None, f"Story {n}", body, at, at)

    found = [
        (article(n, body), role, (StorySource("gazette", None),))
        for n, body, role in zip(
            (1, 2, 3, 4),
            bodies,
            (Role.PRIMARY, Role.MENTIONED, Role.PRIMARY, Role.MENTIONED),
            strict=True,
        )
    ]
    builder = StoryBuilder(StoryPolicy(StoriesConfig(), 2, "never", 3))
    stories = builder.stories(found, datetime(2026, 4, 30, tzinfo=UTC))
    # Primary first, newest first within a role; the fourth is left out (limit 3).
    assert [s.title for s in stories] == ["Story 3", "Story 1", "Story 4"]
    assert all(s.summary for s in stories)
