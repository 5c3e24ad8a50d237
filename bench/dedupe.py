#!/usr/bin/env python3
"""Duplicate and same-story detection on the labelled pairs in tests/fixtures/dedupe/.

Each pair is two articles: syndicated, re-headlined and updated copies and other outlets'
reports of one event must be joined; different stories about the same seat, and later events
on the same topic, must stay apart. Articles are tagged with seats as the pipeline does, then
grouped two ways: each pair on its own, and all articles together as one poll would hold them
(where a chain of links could wrongly join a pair). Precision and recall of "same story".

    .venv/bin/python bench/dedupe.py [--verbose]
"""

from __future__ import annotations

import json
import sys
from collections.abc import Hashable
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digest.models import Role  # noqa: E402
from digest.seats.tagger import tag_text  # noqa: E402
from digest.stories.grouping import StoryInput, group_stories  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "dedupe"


def load() -> tuple[dict[str, StoryInput], list[dict[str, object]]]:
    articles = {}
    for line in (FIXTURES / "articles.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        day = date.fromisoformat(row["date"])
        _, tags = tag_text(row["title"], row["body"], day)
        seats = frozenset(t.code for t in tags if t.role is not Role.MEMBER)
        articles[row["id"]] = StoryInput(
            key=row["id"],
            title=row["title"],
            text=row["body"],
            published=datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
            seats=seats,
        )
    pairs = [json.loads(line) for line in (FIXTURES / "pairs.jsonl").read_text().splitlines()]
    return articles, pairs


def score(predicted: list[bool], pairs: list[dict[str, object]]) -> tuple[float, float]:
    tp = sum(1 for p, pair in zip(predicted, pairs, strict=True) if p and pair["same"])
    fp = sum(1 for p, pair in zip(predicted, pairs, strict=True) if p and not pair["same"])
    fn = sum(1 for p, pair in zip(predicted, pairs, strict=True) if not p and pair["same"])
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)


def main() -> None:
    articles, pairs = load()
    alone = []
    for pair in pairs:
        groups = group_stories([articles[str(pair["a"])], articles[str(pair["b"])]])
        alone.append(len(groups) == 1)
    story_of: dict[Hashable, int] = {}
    for number, group in enumerate(group_stories(list(articles.values()))):
        for member in group.members:
            story_of[member.key] = number
    together = [story_of[pair["a"]] == story_of[pair["b"]] for pair in pairs]
    same = sum(1 for p in pairs if p["same"])
    print(
        f"{len(pairs)} labelled pairs ({same} same story, {len(pairs) - same} apart) over "
        f"{len(articles)} articles ({FIXTURES.relative_to(ROOT)})"
    )
    for label, predicted in (("each pair alone", alone), ("all articles together", together)):
        precision, recall = score(predicted, pairs)
        print(f"{label:22} precision {precision:.3f}  recall {recall:.3f}")
        if "--verbose" in sys.argv:
            for p, pair in zip(predicted, pairs, strict=True):
                if p != pair["same"]:
                    print(f"    wrong: {pair['a']} / {pair['b']} ({pair['kind']}): joined={p}")
    kinds: dict[str, list[bool]] = {}
    for p, pair in zip(together, pairs, strict=True):
        kinds.setdefault(str(pair["kind"]), []).append(p == pair["same"])
    for kind, right in sorted(kinds.items()):
        print(f"  {kind:28} {sum(right)}/{len(right)} right")
    print("reproduce: .venv/bin/python bench/dedupe.py [--verbose]")


if __name__ == "__main__":
    main()
