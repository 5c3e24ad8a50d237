#!/usr/bin/env python3
"""seatwatch against rss2email 3.14 on the same work, whole process, cold and warm.

Both poll the same N feeds x M items from ../shared/bench/feedserver.py and deliver to the
same ../shared/bench/smtpsink.py. rss2email runs in digest mode (one message per feed per
run, holding that feed's new items: 200 messages cold); we run `digest send --all` with one
subscriber following every seat the feeds are about (one digest holding every new item).
Cold: fresh state, every item new. Warm: a second run on the same state, every feed
answering 304. Each figure is the median of --runs whole-process runs. Both are installed
into throwaway venvs by this script (seatwatch from this checkout, as a user installs it).

    .venv/bin/python bench/peer.py --feeds 200 --items 20 --runs 5
    .venv/bin/python bench/peer.py --feeds 200 --items 20 --runs 5 --delay-ms 100
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import venv
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_BENCH = ROOT.parent / "shared" / "bench"
sys.path.insert(0, str(ROOT))

from bench.poll import start_feed_server  # noqa: E402
from digest.prepare.clean import html_to_text  # noqa: E402
from digest.seats.tagger import tag_text  # noqa: E402


def start_sink(folder: Path) -> tuple[subprocess.Popen[bytes], int, Path]:
    """The shared SMTP sink on a free port, counting into a stats file."""
    port_file, stats = folder / "smtp.port", folder / "smtp.json"
    process = subprocess.Popen(
        [
            sys.executable,
            str(SHARED_BENCH / "smtpsink.py"),
            "--port",
            "0",
            "--port-file",
            str(port_file),
            "--stats",
            str(stats),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(400):
        if port_file.exists() and port_file.read_text().strip():
            return process, int(port_file.read_text()), stats
        time.sleep(0.05)
    process.kill()
    sys.exit("the SMTP sink did not start")


@contextmanager
def feeds_and_sink(
    folder: Path, feeds: int, items: int, extra: list[str] | None = None
) -> Iterator[tuple[int, int, Path]]:
    """The shared feed server and SMTP sink, running while the block runs: the feed port,
    the SMTP port and the sink's stats file."""
    feed_server, feed_port = start_feed_server(feeds, items, folder, extra or [])
    sink, smtp_port, stats = start_sink(folder)
    try:
        yield feed_port, smtp_port, stats
    finally:
        for process in (feed_server, sink):
            process.terminate()
            process.wait()


def sink_messages(stats: Path) -> int:
    return int(json.loads(stats.read_text())["messages"]) if stats.exists() else 0


def feed_seats(port: int, feeds: int) -> list[str]:
    """The seats the feeds are about: tag each feed's first item (setup, not timed)."""
    import feedparser

    seats: set[str] = set()
    for index in range(feeds):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/feed/{index}.xml") as answer:
            parsed = feedparser.parse(answer.read())
        entry = parsed.entries[0]
        body = html_to_text(entry.get("summary", ""))
        _, tags = tag_text(entry.get("title", ""), body, None)
        seats.update(t.name for t in tags[:1])
    return sorted(seats)


def install_rss2email(folder: Path) -> Path:
    """A throwaway venv with rss2email 3.14; returns its r2e executable."""
    target = folder / "r2e-venv"
    venv.EnvBuilder(with_pip=True).create(target)
    subprocess.run(
        [str(target / "bin" / "python"), "-m", "pip", "install", "--quiet", "rss2email==3.14"],
        check=True,
    )
    return target / "bin" / "r2e"


def install_seatwatch(folder: Path) -> Path:
    """A throwaway venv with seatwatch installed from this checkout as a user installs it
    (a wheel with its runtime dependencies only, bytecode compiled by pip): measured the
    same way as rss2email, not through the development venv and its test tools."""
    target = folder / "seatwatch-venv"
    venv.EnvBuilder(with_pip=True).create(target)
    subprocess.run(
        [str(target / "bin" / "python"), "-m", "pip", "install", "--quiet", str(ROOT)],
        check=True,
    )
    return target / "bin" / "digest"


def rss2email_config(folder: Path, feed_port: int, smtp_port: int, feeds: int) -> Path:
    lines = [
        "[DEFAULT]",
        "to = reader@example.org",
        "from = rss2email@example.org",
        "digest = True",
        "email-protocol = smtp",
        "smtp-server = 127.0.0.1",
        f"smtp-port = {smtp_port}",
        "smtp-ssl = False",
        "smtp-auth = False",
    ]
    for index in range(feeds):
        lines += [f"[feed.f{index}]", f"url = http://127.0.0.1:{feed_port}/feed/{index}.xml"]
    path = folder / "r2e.cfg"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def seatwatch_config(
    folder: Path, feed_port: int, smtp_port: int, feeds: int, seats: list[str]
) -> Path:
    lines = [
        "[store]",
        f'path = "{folder / "state.sqlite3"}"',
        "[poll]",
        # Every synthetic feed shares the host 127.0.0.1; real feeds spread over many hosts,
        # so the per-host limit is lifted to the overall concurrency (32 by default).
        "per_host_connections = 32",
        "[digest]",
        "max_stories_per_seat = 1000",
        "[delivery]",
        'backend = "smtp"',
        "[delivery.smtp]",
        'host = "127.0.0.1"',
        f"port = {smtp_port}",
        'security = "none"',
        "[[subscribers]]",
        'email = "reader@example.org"',
        "seats = [" + ", ".join(json.dumps(s) for s in seats) + "]",
    ]
    for index in range(feeds):
        lines += [
            "[[sources]]",
            f'name = "feed {index}"',
            'kind = "feed"',
            f'location = "http://127.0.0.1:{feed_port}/feed/{index}.xml"',
            "full_text = false",
        ]
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - start


def measure(
    runs: int,
    make_state: Callable[[int], Path],
    command: Callable[[Path], list[str]],
    stats: Path,
) -> tuple[float, float, int]:
    """Median cold and warm wall times over ``runs`` fresh states, and messages per cold run."""
    colds, warms, messages = [], [], []
    for run in range(runs):
        state = make_state(run)
        before = sink_messages(stats)
        colds.append(timed(command(state), state))
        messages.append(sink_messages(stats) - before)
        warms.append(timed(command(state), state))
    return statistics.median(colds), statistics.median(warms), min(messages)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--delay-ms", type=int, default=0, help="added to every feed response")
    args = parser.parse_args()
    extra = ["--delay-ms", str(args.delay_ms), "--delay-every", "1"] if args.delay_ms else []
    with tempfile.TemporaryDirectory(prefix="seatwatch-peer-") as tmp:
        folder = Path(tmp)
        r2e = install_rss2email(folder)
        with feeds_and_sink(folder, args.feeds, args.items, extra) as (
            feed_port,
            smtp_port,
            stats,
        ):
            seats = feed_seats(feed_port, args.feeds)
            digest = install_seatwatch(folder)

            def r2e_state(run: int) -> Path:
                state = folder / f"r2e-{run}"
                state.mkdir()
                rss2email_config(state, feed_port, smtp_port, args.feeds)
                return state

            def our_state(run: int) -> Path:
                state = folder / f"sw-{run}"
                state.mkdir()
                seatwatch_config(state, feed_port, smtp_port, args.feeds, seats)
                return state

            theirs = measure(
                args.runs,
                r2e_state,
                lambda s: [str(r2e), "-c", str(s / "r2e.cfg"), "-d", str(s / "r2e.json"), "run"],
                stats,
            )
            ours = measure(
                args.runs,
                our_state,
                lambda s: [str(digest), "send", "--all", "--config", str(s / "config.toml")],
                stats,
            )
    print(
        f"{args.feeds} feeds x {args.items} items, {args.delay_ms} ms added per response, "
        f"median of {args.runs} whole-process runs; {len(seats)} seats followed"
    )
    for label, (cold, warm, messages) in (("rss2email 3.14", theirs), ("seatwatch", ours)):
        print(f"{label:15} cold {cold:.2f} s, warm {warm:.2f} s ({messages} messages per cold run)")
    print(
        f"ratio (ours / rss2email): cold {ours[0] / theirs[0]:.3f}, warm {ours[1] / theirs[1]:.3f}"
    )
    reproduce = f"--feeds {args.feeds} --items {args.items} --runs {args.runs}"
    reproduce += f" --delay-ms {args.delay_ms}" if args.delay_ms else ""
    print(f"reproduce: .venv/bin/python bench/peer.py {reproduce}")


if __name__ == "__main__":
    main()
