#!/usr/bin/env python3
"""Story grouping and summarising throughput over a 10,000-article corpus, one core.

The corpus is the 2,225 BBC News Summary articles in ../shared/eval/summaries/ (read from
there), six dated to each day of a year, plus copies of them as syndication makes them (the
last paragraph dropped, a new headline, a sentence added) on the same day or the next;
10,000 articles in all. As in the pipeline, exact copies (same text hash) are merged
first; every other article is fingerprinted and added to one StoryGrouper (MinHash LSH
over phrases and words, exact overlaps decide), then every story gets its summary, as a
digest period does. Prints articles per second, the stories
found, and memory: the process's peak RSS (the corpus itself included) and what the grouper holds
per article.

    .venv/bin/python bench/stories.py [--articles N]

The seat jobs of a cold peer send (``--make-seat-jobs``: bench/peer.py's 200 feeds x 20
items polled into a fresh store, each followed seat's articles read as the composer reads
them for its worker processes, kept in a pickle outside the repository) and
``build_stories`` over them (``--seat-jobs``), for instruction counts: run it under
callgrind at 0 and 1 rounds, the difference is the 65 seats' stories.

    .venv/bin/python bench/stories.py --make-seat-jobs /tmp/seat-jobs.pkl
    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python bench/stories.py --seat-jobs /tmp/seat-jobs.pkl --rounds 1
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digest.prepare.clean import clean_body  # noqa: E402
from digest.prepare.dedupe import content_hash  # noqa: E402
from digest.stories.grouping import StoryGrouper, StoryInput  # noqa: E402
from digest.stories.summarise import summarise_story  # noqa: E402

K = TypeVar("K")
R = TypeVar("R")

START = datetime(2005, 1, 1, 9, tzinfo=UTC)
DATA = ROOT.parent / "shared" / "eval" / "summaries" / "bbc_news_summary.jsonl"


def corpus(size: int) -> list[StoryInput]:
    records = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    originals = []
    for record in records:
        body = record["article"].split("\n", 1)[1] if "\n" in record["article"] else ""
        originals.append((record["title"], clean_body(body, is_html=False)))
    items: list[StoryInput] = []
    variant = 0
    while len(items) < size:
        for number, (title, text) in enumerate(originals):
            if len(items) == size:
                break
            paragraphs = text.split("\n\n")
            if variant == 1:  # syndicated: last paragraph dropped
                title, text = title, "\n\n".join(paragraphs[:-1]) or text
            elif variant == 2:  # re-headlined
                title = f"Update: {title}"
            elif variant == 3:  # updated: a paragraph added
                text = f"{text}\n\nA spokesperson declined to comment further on Tuesday."
            elif variant >= 4:  # another wire's copy: a byline and a credit line
                text = f"By our staff reporter\n\n{text}\n\nThis story first appeared online."
            # Six originals a day over the year; copies arrive the same day or the next.
            day = START + timedelta(days=number // 6 + (variant % 2))
            items.append(StoryInput(len(items), title, text, day))
        variant += 1
    return items


def make_seat_jobs(path: Path) -> None:
    """Poll bench/peer.py's feeds into a fresh store and keep each followed seat's
    ``build_stories`` input, as a cold ``digest send --all`` hands them to its workers."""
    import pickle
    import subprocess
    import tempfile

    from bench.peer import feed_seats, seatwatch_config
    from bench.poll import start_feed_server
    from digest.cli.common import configured_store
    from digest.compose import DigestComposer
    from digest.parallel.mapping import InProcess
    from digest.pipeline import utc_now
    from digest.seats.follows import resolve_everyone
    from digest.seats.gazetteer import load_gazetteer

    jobs: list[tuple[Any, ...]] = []

    def refuse(entry: object, error: Exception) -> None:
        raise error  # the bench's own config follows only seats it found

    class Keeping(InProcess):
        """Builds each job here, as a worker would, and keeps its input."""

        def stream(
            self, fn: Callable[..., R], pending: Iterable[tuple[K, tuple[Any, ...]]]
        ) -> Iterator[tuple[K, R]]:
            for key, args in pending:
                jobs.append(args)
                yield key, fn(*args)

    with tempfile.TemporaryDirectory(prefix="seatwatch-seat-jobs-") as tmp:
        folder = Path(tmp)
        server, port = start_feed_server(200, 20, folder, [])
        try:
            seats = feed_seats(port, 200)
            config = seatwatch_config(folder, port, 25, 200, seats)
            digest = Path(sys.executable).parent / "digest"
            subprocess.run([str(digest), "poll", "--all", "--config", str(config)], check=True)
        finally:
            server.terminate()
            server.wait()
        with configured_store(config) as (settings, store):
            stored = store.subscribers.all(on_error=lambda *_: None)
            subscribers = resolve_everyone(
                load_gazetteer(),
                settings.subscribers,
                stored,
                path=settings.config_path,
                on_error=refuse,
            )
            now = utc_now()
            composer = DigestComposer(
                store, settings.digest, settings.summarise.sentences, rules=settings.stories
            )
            wanted = {
                (follow.key, since): (follow, since)
                for subscriber, follows in subscribers
                for since in (composer.since_for(subscriber, now),)
                for follow in follows
            }
            composer.build_sections(wanted.values(), now.date(), Keeping())
    path.write_bytes(pickle.dumps(jobs))
    print(f"{len(jobs)} seat jobs, {sum(len(job[1]) for job in jobs)} seat articles: {path}")


def build_seat_jobs(path: Path, rounds: int) -> None:
    """``build_stories`` over the kept seat jobs, ``rounds`` times (0: start-up only)."""
    import pickle

    from digest.stories.seat_stories import build_stories

    jobs = pickle.loads(path.read_bytes())
    policy, found, since = jobs[0]
    build_stories(policy, found[:3], since)  # the lazy imports, outside the rounds
    for _ in range(rounds):
        for policy, found, since in jobs:
            build_stories(policy, found, since)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--make-seat-jobs", type=Path, help="keep a cold peer send's seat jobs")
    parser.add_argument("--seat-jobs", type=Path, help="build the stories of kept seat jobs")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    if args.make_seat_jobs:
        make_seat_jobs(args.make_seat_jobs)
        return
    if args.seat_jobs:
        build_seat_jobs(args.seat_jobs, args.rounds)
        return
    if not DATA.is_file():
        sys.exit(f"{DATA} not found: this benchmark reads the BBC News Summary set from ../shared")
    items = corpus(args.articles)
    start = time.process_time()
    # As the pipeline does: exact copies (same text hash) are one stored article with two
    # sources before any story grouping; the rest are grouped.
    grouper = StoryGrouper()
    seen: set[str] = set()
    exact = 0
    for item in items:
        digest = content_hash(item.title, item.text)
        if digest in seen:
            exact += 1
            continue
        seen.add(digest)
        grouper.add(item)
    grouped = time.process_time()
    groups = grouper.groups()
    summaries = [summarise_story([(m.title, m.text) for m in g.members], 2) for g in groups]
    done = time.process_time()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    index_bytes = grouper.kept_bytes()
    total = done - start
    print(f"{len(items)} articles (BBC articles and syndicated, re-headlined, updated copies)")
    print(
        f"exact copies merged by text hash: {exact}; stories: {len(groups)}; "
        f"summaries made: {sum(1 for s in summaries if s)}"
    )
    print(f"grouping {grouped - start:.2f} s, summarising {done - grouped:.2f} s (CPU, one core)")
    print(f"throughput: {len(items) / total:.0f} articles/s (target 500)")
    print(
        f"memory: peak RSS {peak / 2**20:.0f} MiB (corpus included); the fingerprints the "
        f"grouper keeps {index_bytes / len(items) / 1024:.1f} KiB per article"
    )
    print("reproduce: .venv/bin/python bench/stories.py [--articles N]")


if __name__ == "__main__":
    main()
