#!/usr/bin/env python3
"""A fixed tagging workload for instruction counts (callgrind) and profiles.

Wall-clock rates on a shared machine move by 2x between runs; the number of instructions a
workload executes does not. This tags the 600-word texts ``bench/tagging.py`` times, once to
warm the process's resolutions, then ``--rounds`` more times. Run it under callgrind with two
round counts: the difference in instructions, divided by the extra articles, is the work per
article with start-up and warm-up taken out.

    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python bench/tagging_work.py --rounds 1
    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python bench/tagging_work.py --rounds 6
    (instructions per article = (Ir at 6 - Ir at 1) / (5 x 36); valgrind prints "Collected")

    .venv/bin/python bench/tagging_work.py --rounds 30 --profile   (cProfile, top functions)
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digest.seats.tagger import default_matcher, tag_text  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "tagging" / "articles.jsonl"


def texts() -> list[str]:
    """The throughput texts of ``bench/tagging.py``, cut exactly as it cuts them."""
    lines = FIXTURES.read_text(encoding="utf-8").splitlines()
    articles = [json.loads(line) for line in lines]
    words = " ".join(f"{a['title']}. {a['body']}" for a in articles).split()
    return [" ".join(words[i : i + 600]) for i in range(0, len(words) - 600, 37)][:400]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="timed rounds after the warm one")
    parser.add_argument("--profile", action="store_true", help="cProfile the rounds")
    args = parser.parse_args()
    cut = texts()
    matcher = default_matcher()
    day = date(2020, 1, 1)
    for text in cut:  # warm: every name resolved once, as in a long-running process
        tag_text("", text, day, matcher)

    def run() -> None:
        for _ in range(args.rounds):
            for text in cut:
                tag_text("", text, day, matcher)

    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(run)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    else:
        run()
    print(f"{len(cut)} texts x {args.rounds} rounds tagged")


if __name__ == "__main__":
    main()
