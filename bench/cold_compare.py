#!/usr/bin/env python3
"""Cold `digest send --all` of several seatwatch checkouts, alternated run by run.

bench/peer.py measures one checkout against rss2email; comparing two checkouts through it
means two peer runs minutes apart, and the ratio then moves by several percent with the
machine (rss2email's own time moves too). This script puts the checkouts side by side on
one feed server and SMTP sink (bench/peer.py's 200 feeds x 20 items, its config and its
followed seats), installs each as a user installs it (a throwaway venv, ``pip install
<checkout>``), and alternates their cold runs, so a slow minute slows all of them. Each
checkout gets its own cache directory: installed trees sharing one delete each other's
seat-matcher cache as stale, and every run would rebuild the matcher.

Prints each checkout's cold times, median, and its median over the first checkout's.

    .venv/bin/python bench/cold_compare.py --runs 5 ../before . (checkouts, first = baseline)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.peer import feed_seats, feeds_and_sink, seatwatch_config, sink_messages  # noqa: E402


def install(checkout: Path, target: Path) -> Path:
    """``checkout`` installed into a throwaway venv at ``target``; its digest command."""
    venv.EnvBuilder(with_pip=True).create(target)
    subprocess.run(
        [str(target / "bin" / "python"), "-m", "pip", "install", "--quiet", str(checkout)],
        check=True,
    )
    return target / "bin" / "digest"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("checkouts", nargs="+", type=Path, help="the first is the baseline")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=20)
    args = parser.parse_args()
    checkouts = [path.resolve() for path in args.checkouts]
    with tempfile.TemporaryDirectory(prefix="seatwatch-cold-compare-") as tmp:
        folder = Path(tmp)
        commands = [install(c, folder / f"venv-{n}") for n, c in enumerate(checkouts)]
        times: list[list[float]] = [[] for _ in checkouts]
        with feeds_and_sink(folder, args.feeds, args.items) as (feed_port, smtp_port, stats):
            seats = feed_seats(feed_port, args.feeds)
            for run in range(args.runs):
                for number, digest in enumerate(commands):
                    state = folder / f"state-{number}-{run}"
                    state.mkdir()
                    config = seatwatch_config(state, feed_port, smtp_port, args.feeds, seats)
                    cache = {"SEATWATCH_CACHE_DIR": str(folder / f"cache-{number}")}
                    before = sink_messages(stats)
                    start = time.perf_counter()
                    subprocess.run(
                        [str(digest), "send", "--all", "--config", str(config)],
                        cwd=state,
                        env={**os.environ, **cache},
                        check=True,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                    times[number].append(time.perf_counter() - start)
                    if sink_messages(stats) == before:
                        sys.exit(f"{checkouts[number]}: the cold send delivered no message")
    print(
        f"{args.feeds} feeds x {args.items} items, {len(seats)} seats followed, "
        f"{args.runs} alternated cold runs each (the first run builds the matcher cache)"
    )
    baseline = statistics.median(times[0])
    for checkout, runs in zip(checkouts, times, strict=True):
        median = statistics.median(runs)
        listed = ", ".join(f"{t:.2f}" for t in runs)
        print(f"{checkout}: median {median:.2f} s ({median / baseline - 1:+.1%}); {listed}")
    named = " ".join(str(path) for path in args.checkouts)
    print(f"reproduce: .venv/bin/python bench/cold_compare.py --runs {args.runs} {named}")


if __name__ == "__main__":
    main()
