#!/usr/bin/env python3
"""A fixed workload of preparing items, for instruction counts (callgrind) and profiles.

Ten of ``bench/prepare.py``'s synthetic feeds (every twentieth of 200, 20 items each, 200
items) prepared once to warm the process, then ``--rounds`` more times. Run it under
callgrind at two round counts: the difference in instructions, divided by the extra items,
is the work per item with start-up and warm-up taken out.

    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python bench/prepare_work.py --rounds 1
    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python bench/prepare_work.py --rounds 3
    (instructions per item = (Ir at 3 - Ir at 1) / (2 x 200); valgrind prints "Collected")

``--no-tag``: each item cleaned, hashed and fingerprinted as ``prepare_items`` does, without
seat tagging (measured on its own by ``bench/tagging_work.py``).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.prepare import SHARED_BENCH  # noqa: E402
from digest.models import FeedItem  # noqa: E402
from digest.prepare.clean import clean_body, clean_title  # noqa: E402
from digest.prepare.dedupe import content_hash  # noqa: E402
from digest.prepare.items import prepare_items  # noqa: E402
from digest.sources.base import SourceState  # noqa: E402
from digest.sources.parse import RawFeed, parse_well_formed_feed  # noqa: E402
from digest.stories.fingerprints import fingerprint, print_bytes, words_and_hash_words  # noqa: E402

TODAY = datetime(2024, 5, 1, 12, tzinfo=UTC)


def batches() -> list[list[FeedItem]]:
    """Feeds 0, 20, ..., 180 of bench/prepare.py's 200, parsed as it parses them."""
    sys.path.insert(0, str(SHARED_BENCH))
    import feedserver  # type: ignore[import-not-found]
    import prose  # type: ignore[import-not-found]

    found = []
    for index in range(0, 200, 20):
        document = feedserver.render_rss(prose.make_feed(index, 20))
        url = f"http://127.0.0.1/feed/{index}.xml"
        raw = RawFeed(f"feed {index}", document, "application/rss+xml", url, SourceState())
        parsed = parse_well_formed_feed(raw, 20)
        assert parsed is not None, f"feed {index} did not parse"
        found.append(list(parsed.items))
    return found


def prepare_without_tags(batch: list[FeedItem]) -> None:
    """What ``prepare_items`` does to each item but tag it."""
    for item in batch:
        title = clean_title(item.title)
        text = clean_body(item.body, is_html=item.body_is_html)
        words, hash_words = words_and_hash_words(text)
        content_hash(title, text, hash_words)
        print_bytes(fingerprint(title, text, words))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="rounds after the warm one")
    parser.add_argument("--no-tag", action="store_true", help="leave seat tagging out")
    args = parser.parse_args()
    feeds = batches()
    for _ in range(args.rounds + 1):  # the first round warms the process
        for batch in feeds:
            if args.no_tag:
                prepare_without_tags(batch)
            else:
                prepare_items(batch, TODAY)


if __name__ == "__main__":
    main()
