#!/usr/bin/env python3
"""Preparing items (clean, tag, hash, fingerprint): CPU per item, as the poll workers do it.

Builds N synthetic feeds x M items with ../shared/bench/feedserver.py's own renderer (no
server: this measures our CPU, not the network), parses them, then prepares them in
batches of one source's items, as a poll sends them to a worker process. Prints the cost
per item of the whole step and of each stage run on its own.

    .venv/bin/python bench/prepare.py --feeds 200 --items 20
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED_BENCH = ROOT.parent / "shared" / "bench"
sys.path.insert(0, str(ROOT))

from digest.models import FeedItem  # noqa: E402
from digest.prepare.clean import clean_body  # noqa: E402
from digest.prepare.items import prepare_items  # noqa: E402
from digest.seats.tagger import tag_text  # noqa: E402
from digest.sources.base import SourceState  # noqa: E402
from digest.sources.parse import RawFeed, parse_well_formed_feed  # noqa: E402
from digest.stories.fingerprints import fingerprint, words_and_hash_words  # noqa: E402


def synthetic_items(feeds: int, items: int) -> list[list[FeedItem]]:
    """Each feed's items, parsed from the shared feed server's RSS."""
    if not (SHARED_BENCH / "feedserver.py").is_file():
        sys.exit(f"{SHARED_BENCH / 'feedserver.py'} is absent: the shared bench material is needed")
    sys.path.insert(0, str(SHARED_BENCH))
    import feedserver  # type: ignore[import-not-found]
    import prose  # type: ignore[import-not-found]

    batches = []
    for index in range(feeds):
        document = feedserver.render_rss(prose.make_feed(index, items))
        url = f"http://127.0.0.1/feed/{index}.xml"
        raw = RawFeed(f"feed {index}", document, "application/rss+xml", url, SourceState())
        parsed = parse_well_formed_feed(raw, items)
        assert parsed is not None, f"feed {index} did not parse"
        batches.append(list(parsed.items))
    return batches


def per_item_ms(run: Callable[[], Any], count: int, repeat: int = 3) -> float:
    """The fastest of ``repeat`` runs, in milliseconds per item."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    return 1000 * best / count


def stage(fn: Callable[..., Any], argument_lists: Sequence[tuple[Any, ...]]) -> Callable[[], Any]:
    return lambda: [fn(*arguments) for arguments in argument_lists]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=20)
    args = parser.parse_args()
    batches = synthetic_items(args.feeds, args.items)
    items = [item for batch in batches for item in batch]
    today = datetime.now(UTC)
    prepare_items(batches[0], today)  # load the tables (seat matcher, numpy) once
    whole = per_item_ms(lambda: [prepare_items(batch, today) for batch in batches], len(items))
    texts = [(i.title, clean_body(i.body, is_html=i.body_is_html)) for i in items]
    words = [words_and_hash_words(text)[0] for _, text in texts]
    stages = {
        "clean": stage(
            lambda body, is_html: clean_body(body, is_html=is_html),
            [(i.body, i.body_is_html) for i in items],
        ),
        "tag": stage(tag_text, [(title, text, today.date()) for title, text in texts]),
        "words and hash words": stage(words_and_hash_words, [(text,) for _, text in texts]),
        "fingerprint": stage(
            fingerprint, [(title, text, w) for (title, text), w in zip(texts, words, strict=True)]
        ),
    }
    print(f"{len(items)} items ({args.feeds} feeds x {args.items}), CPU per item, best of 3:")
    print(f"prepare_items, one feed per batch: {whole:.3f} ms")
    for name, run in stages.items():
        print(f"  {name:22} {per_item_ms(run, len(items)):.3f} ms (alone)")
    print(f"reproduce: .venv/bin/python bench/prepare.py --feeds {args.feeds} --items {args.items}")


if __name__ == "__main__":
    main()
