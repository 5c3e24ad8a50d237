#!/usr/bin/env python3
"""How alike the feed server's different generated stories are, beside the labelled pairs.

../shared/bench/prose.py writes every story of a town from one pool of sentence templates,
so two *different* generated stories share much of their wording. This prints, for pairs of
different stories from the same generated feed and for the labelled pairs in
tests/fixtures/dedupe/, the share of three-word phrases and of content words they have in
common, and how often the story rules join them. It explains why the polling benches'
digests hold fewer, larger stories than items (a property of the generator, not of news).

    .venv/bin/python bench/generated_overlap.py [--feeds 20] [--items 20]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_BENCH = ROOT.parent / "shared" / "bench"
sys.path.insert(0, str(ROOT))

from bench.dedupe import load  # noqa: E402
from digest.stories.fingerprints import fingerprint  # noqa: E402
from digest.stories.grouping import StoryInput, StoryRules, compare  # noqa: E402
from digest.stories.verdict import Similarity  # noqa: E402


def generated_stories(feeds: int, items: int) -> list[list[StoryInput]]:
    """Each generated feed's items as the pipeline would read them (paragraph text)."""
    if not (SHARED_BENCH / "prose.py").exists():
        sys.exit(f"needs ../shared/bench/prose.py (looked in {SHARED_BENCH})")
    sys.path.insert(0, str(SHARED_BENCH))
    import prose  # type: ignore[import-not-found]

    towns = []
    for index in range(feeds):
        feed = prose.make_feed(index, items)
        towns.append(
            [
                StoryInput(
                    key=f"{index}:{position}",
                    title=entry["title"],
                    text="\n\n".join(text for _, text in entry["blocks"]),
                    published=entry["pubdate"].astimezone(UTC),
                )
                for position, entry in enumerate(feed["items"])
            ]
        )
    return towns


def report(label: str, measured: list[Similarity]) -> None:
    joined = Counter(s.basis or "kept apart" for s in measured)
    print(
        f"{label}: {len(measured)} pairs; median share of phrases "
        f"{statistics.median(s.phrases for s in measured):.2f} "
        f"(max {max(s.phrases for s in measured):.2f}), of content words "
        f"{statistics.median(s.words for s in measured):.2f}; "
        + ", ".join(f"{basis} {count / len(measured):.0%}" for basis, count in joined.items())
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--items", type=int, default=20)
    args = parser.parse_args()
    rules = StoryRules()
    different = []
    for town in generated_stories(args.feeds, args.items):
        prints = [fingerprint(s.title, s.text) for s in town]
        for (a, fa), (b, fb) in itertools.combinations(zip(town, prints, strict=True), 2):
            different.append(compare(a, fa, b, fb, rules))
    articles, pairs = load()
    labelled: dict[str, list[Similarity]] = {"same story": [], "different stories": []}
    for pair in pairs:
        a, b = articles[str(pair["a"])], articles[str(pair["b"])]
        similarity = compare(
            a, fingerprint(a.title, a.text), b, fingerprint(b.title, b.text), rules
        )
        labelled["same story" if pair["same"] else "different stories"].append(similarity)
    print(f"generated: {args.feeds} feeds x {args.items} items, pairs within each feed")
    report("generated, different stories", different)
    for label, measured in labelled.items():
        report(f"labelled, {label}", measured)
    print(f"measured {datetime.now(UTC):%Y-%m-%d}")
    print(
        "reproduce: .venv/bin/python bench/generated_overlap.py "
        f"--feeds {args.feeds} --items {args.items}"
    )


if __name__ == "__main__":
    main()
