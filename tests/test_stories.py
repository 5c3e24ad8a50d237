"""Stories: copies and other outlets' reports of one event become one story; others do not."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.compose import DigestComposer, resolve_seat
from digest.config import DigestConfig
from digest.models import Role
from digest.seats.gazetteer import load_gazetteer
from digest.seats.tagger import tag_text
from digest.store import Store
from digest.stories import StoryInput, group_stories
from tests.conftest import norwich_north_article

FIXTURES = Path(__file__).parent / "fixtures" / "dedupe"
runner = CliRunner()


def _articles() -> dict[str, StoryInput]:
    found = {}
    for line in (FIXTURES / "articles.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        day = date.fromisoformat(row["date"])
        _, tags = tag_text(row["title"], row["body"], day)
        found[row["id"]] = StoryInput(
            row["id"],
            row["title"],
            row["body"],
            datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
            frozenset(t.code for t in tags if t.role is not Role.MEMBER),
        )
    return found


ARTICLES = _articles()
PAIRS = [json.loads(line) for line in (FIXTURES / "pairs.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("pair", PAIRS, ids=[f"{p['a']}|{p['b']}" for p in PAIRS])
def test_labelled_pair(pair: dict[str, object]) -> None:
    groups = group_stories([ARTICLES[str(pair["a"])], ARTICLES[str(pair["b"])]])
    assert (len(groups) == 1) is pair["same"], pair["kind"]


def test_all_labelled_articles_together_keep_every_pair_right() -> None:
    story_of = {}
    for number, group in enumerate(group_stories(list(ARTICLES.values()))):
        for member in group.members:
            story_of[member.key] = number
    wrong = [p for p in PAIRS if (story_of[p["a"]] == story_of[p["b"]]) is not p["same"]]
    assert not wrong


def test_reasons_say_why() -> None:
    (story,) = group_stories([ARTICLES["col-hospital"], ARTICLES["col-hospital-head"]])
    assert story.links[0][2].reason.startswith("same text: 100% of three-word phrases")
    (story,) = group_stories([ARTICLES["col-hospital"], ARTICLES["col-hospital-rw"]])
    assert story.links[0][2].reason.startswith("same event:")
    apart = group_stories([ARTICLES["col-hospital"], ARTICLES["col-hospital-later"]])
    assert len(apart) == 2


def test_one_line_items_about_one_seat_stay_apart() -> None:
    items = [
        StoryInput(1, "Norwich North", "Norwich North residents met the council about roads."),
        StoryInput(2, "Norwich North", "Norwich North candidates argued about housing targets."),
    ]
    assert len(group_stories(items)) == 2


def test_two_outlets_copies_are_one_entry_and_a_late_copy_is_not_news_again(
    tmp_path: Path,
) -> None:
    now = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)
    bus, synd, school = ARTICLES["nn-bus"], ARTICLES["nn-bus-synd"], ARTICLES["nn-school"]
    store = Store.open(tmp_path / "s.sqlite3")
    store.add_articles(
        [
            norwich_north_article("bus", "Norwich Evening Post", bus.title, bus.text),
            norwich_north_article("synd", "Syndicated Local Wire", synd.title, synd.text),
        ],
        first_seen=now - timedelta(hours=3),
    )
    follow = resolve_seat(load_gazetteer(), "Norwich North")
    section = DigestComposer(store, DigestConfig()).section(
        follow, now - timedelta(days=1), now.date()
    )
    (story,) = section.stories
    assert [s.name for s in story.sources] == ["Norwich Evening Post", "Syndicated Local Wire"]
    assert len(story.summary) == 2
    assert sum("after 7pm" in sentence for sentence in story.summary) <= 1

    # A day later another copy arrives, and a new story: only the new story is news.
    store.add_articles(
        [
            norwich_north_article(
                "bus-rw", "Broadland Bulletin", "Route 21 cut", ARTICLES["nn-bus-rw"].text
            ),
            norwich_north_article("school", "Norwich Evening Post", school.title, school.text),
        ],
        first_seen=now + timedelta(hours=20),
    )
    later = DigestComposer(store, DigestConfig()).section(
        follow, now, (now + timedelta(days=1)).date()
    )
    assert [s.title for s in later.stories] == [school.title]
    store.close()


def test_stories_command_explains_the_grouping(tmp_path: Path) -> None:
    files = []
    for key in ("nn-bus", "nn-bus-rw", "nn-school"):
        path = tmp_path / f"{key}.txt"
        path.write_text(f"{ARTICLES[key].title}\n{ARTICLES[key].text}\n", encoding="utf-8")
        files.append(str(path))
    result = runner.invoke(app, ["stories", *files, "--date", "2024-09-10", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    members = [sorted(Path(m["file"]).name for m in s["members"]) for s in payload["stories"]]
    assert sorted(members) == [["nn-bus-rw.txt", "nn-bus.txt"], ["nn-school.txt"]]
    verdicts = {
        (Path(p["a"]).name, Path(p["b"]).name): (p["same_story"], p["reason"])
        for p in payload["pairs"]
    }
    joined, reason = verdicts[("nn-bus.txt", "nn-bus-rw.txt")]
    assert joined and reason.startswith("same event:")
    apart, reason = verdicts[("nn-bus.txt", "nn-school.txt")]
    assert not apart and reason.startswith("different stories: only")
    human = runner.invoke(app, ["stories", *files, "--date", "2024-09-10"])
    assert "3 articles, 2 stories" in human.output


def test_sections_built_in_worker_processes_match_those_built_here(tmp_path: Path) -> None:
    """A big send builds its sections' stories in worker processes: same stories, same
    summaries, same order as building them one by one in this process."""
    from digest.models import FeedItem
    from digest.polling import store_prepared
    from digest.prepare import prepare_items
    from digest.workers import process_pool

    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    items = []
    for line in (FIXTURES / "articles.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        day = date.fromisoformat(row["date"])
        published = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
        items.append(FeedItem("fixture", row["id"], None, row["title"], row["body"], published))
    store = Store.open(tmp_path / "s.sqlite3")
    prepared = prepare_items(items, now)
    store_prepared(prepared, store, now - timedelta(days=1))  # exact copies merged
    gazetteer = load_gazetteer()
    names = sorted({t.name for a in prepared for t in a.tags})
    follows = [resolve_seat(gazetteer, name) for name in names]
    assert len(follows) >= 8
    since = now - timedelta(days=7)
    here = DigestComposer(store, DigestConfig(max_stories_per_seat=100))
    expected = [here.section(follow, since, now.date()) for follow in follows]
    pooled = DigestComposer(store, DigestConfig(max_stories_per_seat=100))
    with process_pool(2) as pool:
        pooled.build_sections([(f, since) for f in follows], now.date(), pool, 2)
    built = [pooled.section(follow, since, now.date()) for follow in follows]
    assert built == expected
    assert sum(len(s.stories) for s in built) > len(follows)
    store.close()
