"""An article is dated by the date it prints, not by when its file was saved or read.

Texts written for these tests, in the dateline shapes local pages use.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.config import PollConfig
from digest.dates import published_from_text
from digest.sources.base import SourceState
from digest.sources.feed import FeedSource
from digest.sources.folder import FolderSource


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Bypass delayed again\n\nPUBLISHED: 17:14 20 September 2017 | UPDATED: 09:02 "
            "22 September 2017\n\nThe Fenmouth bypass will open a year late.",
            datetime(2017, 9, 20, 17, 14, tzinfo=UTC),
        ),
        (
            "Bypass delayed again\nBy Sam Reporter\nPublished 3 May 2024\nThe bypass is late.",
            datetime(2024, 5, 3, tzinfo=UTC),
        ),
        (
            "Count result\n\nFriday, 13th December 2019, 11:30 am\nThe MP held the seat.",
            datetime(2019, 12, 13, 11, 30, tzinfo=UTC),
        ),
        (
            "MP quits\n\nMarch 25 2024, 5.21pm\nThe MP for Fenmouth has resigned.",
            datetime(2024, 3, 25, 17, 21, tzinfo=UTC),
        ),
        (
            "Result\nAuthor: Sam ReporterPublished 5th Jul 2024\nLast updated 6th Jul 2024\nText.",
            datetime(2024, 7, 5, tzinfo=UTC),
        ),
        (
            "Press release\n\nPosted On:\n1st July 2016\n\nThe MP welcomed the decision.",
            datetime(2016, 7, 1, tzinfo=UTC),
        ),
    ],
)
def test_datelines_are_read(text: str, expected: datetime) -> None:
    assert published_from_text(text) == expected


def test_a_date_in_a_sentence_is_not_the_publication_date() -> None:
    text = (
        "Election called\n\nVoters in Fenmouth go to the polls on 4 July 2024, the council "
        "confirmed, after the MP stood down on 22 May 2024."
    )
    assert published_from_text(text) is None


def test_related_story_dates_are_not_the_pages_date() -> None:
    text = (
        "MP to stand down\n\nThe MP for Fenmouth will not stand again.\n\nRelated\n"
        "- Published 10 February 2023\n- Published 8 December 2022\n- Published 1 December 2022"
    )
    assert published_from_text(text) is None


def test_the_address_dates_a_page_without_a_dateline() -> None:
    url = "https://news.example.org/politics/2019/12/13/mp-holds-seat/"
    assert published_from_text("MP holds seat\n\nThe MP held on.", url) == datetime(
        2019, 12, 13, tzinfo=UTC
    )
    assert published_from_text("x\n\ny", "https://example.org/uk/paper/20200803/281797") == (
        datetime(2020, 8, 3, tzinfo=UTC)
    )


ARTICLE = (
    "Fenmouth MP backs ward campaign\n\n"
    "PUBLISHED: 09:10 14 June 2017 | UPDATED: 10:00 14 June 2017\n\n"
    "The MP for Norwich North has backed a campaign to keep a children's ward open.\n"
)


def test_a_folder_article_is_dated_by_its_dateline_not_its_file_time(tmp_path: Path) -> None:
    (tmp_path / "ward.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "undated.txt").write_text("Title\n\nNo date in this text at all.\n")
    items = FolderSource("files", tmp_path).poll(SourceState()).items
    by_name = {item.guid.rsplit("/", 1)[1]: item.published for item in items}
    assert by_name["ward.txt"] == datetime(2017, 6, 14, 9, 10, tzinfo=UTC)
    undated = by_name["undated.txt"]
    assert undated is not None and undated.year >= 2025  # the file time, as before


def test_an_undated_feed_item_is_dated_by_its_text(tmp_path: Path) -> None:
    feed = tmp_path / "feed.rss"
    feed.write_text(
        "<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>"
        "<link>https://example.org/</link><description>d</description>"
        "<item><title>Ward campaign</title><guid>a1</guid>"
        "<link>https://example.org/news/ward-campaign</link>"
        "<description>&lt;p&gt;Published 3 May 2018&lt;/p&gt;&lt;p&gt;The MP backed "
        "the campaign to keep the ward open.&lt;/p&gt;</description></item>"
        "</channel></rss>",
        encoding="utf-8",
    )
    source = FeedSource("feed", str(feed), PollConfig())
    (item,) = source.poll(SourceState()).items
    assert item.published == datetime(2018, 5, 3, tzinfo=UTC)


def test_digest_tag_without_date_uses_the_printed_date(tmp_path: Path) -> None:
    path = tmp_path / "ward.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    done = subprocess.run(
        [sys.executable, "-m", "digest", "tag", "--json", str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    payload = json.loads(done.stdout)
    # 2017: the 2010 boundaries, and Norwich North's MP of that year.
    assert payload["date"] == "2017-06-14"
    assert payload["boundary_set"] == "2010"
