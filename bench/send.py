#!/usr/bin/env python3
"""Sending at scale: N subscribers over K distinct seat sets, through SMTP or the file backend.

Articles come from ../shared/bench/prose.py (each generated town lies in a real seat), are
polled from a folder source and tagged as in production. Subscribers are imported from CSV
into the store, spread over --seat-sets distinct combinations of one to three of the seats
with news. Timed: composing and delivering every digest (`iter_digests` + `deliver_all`, as
`digest send --no-poll` runs them), to ../shared/bench/smtpsink.py on loopback or to the
file backend's previews. Printed: messages per second, premailer runs (bounded by seats, not
subscribers), peak RSS and how much the process grew while sending.

    .venv/bin/python bench/send.py --subscribers 10000 --seat-sets 50 [--connections 8]
    .venv/bin/python bench/send.py --subscribers 100000 --seat-sets 50 --backend file
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import random
import resource
import sys
import tempfile
import time
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_BENCH = ROOT.parent / "shared" / "bench"
sys.path.insert(0, str(ROOT))

from bench.peer import sink_messages, start_sink  # noqa: E402
from digest.cli.common import configured_store  # noqa: E402
from digest.delivery.backends import create_backend  # noqa: E402
from digest.pipeline import (  # noqa: E402
    deliver_all,
    iter_digests,
    poll_configured,
)
from digest.render.renderer import DigestRenderer  # noqa: E402
from digest.seats.follows import resolve_subscribers  # noqa: E402
from digest.seats.gazetteer import load_gazetteer  # noqa: E402
from digest.subscribers import all_subscribers, import_csv  # noqa: E402


def rss_mib() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def write_articles(folder: Path, feeds: int, items: int) -> None:
    """Generated local-politics articles as text files: title on line 1, body below."""
    if not (SHARED_BENCH / "prose.py").exists():
        sys.exit(f"needs ../shared/bench/prose.py (looked in {SHARED_BENCH})")
    sys.path.insert(0, str(SHARED_BENCH))
    import prose  # type: ignore[import-not-found]

    folder.mkdir(parents=True)
    for index in range(feeds):
        for position, entry in enumerate(prose.make_feed(index, items)["items"]):
            body = "\n\n".join(text for _, text in entry["blocks"])
            path = folder / f"{index:04d}-{position:02d}.txt"
            path.write_text(f"{entry['title']}\n\n{body}\n", encoding="utf-8")


def write_config(
    folder: Path, articles: Path, backend: str, smtp_port: int, connections: int
) -> Path:
    lines = [
        "[store]",
        f'path = "{folder / "state.sqlite3"}"',
        "[digest]",
        'from_address = "seatwatch <digest@example.org>"',
        "lookback_days = 36500",  # the generated articles are dated 2025
        "[[sources]]",
        'name = "generated"',
        'kind = "folder"',
        f'location = "{articles}"',
        "[delivery]",
        f'backend = "{backend}"',
        "[delivery.smtp]",
        'host = "127.0.0.1"',
        f"port = {smtp_port}",
        'security = "none"',
        f"connections = {connections}",
        "[delivery.file]",
        f'out_dir = "{folder / "previews"}"',
    ]
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def seats_with_news(store_path: Path) -> list[str]:
    import sqlite3

    with sqlite3.connect(store_path) as conn:
        rows = conn.execute(
            "SELECT DISTINCT name FROM seat_tags"
            " WHERE role IN ('primary', 'mentioned') ORDER BY name"
        ).fetchall()
    return [str(name) for (name,) in rows]


def subscriber_csv(count: int, seat_sets: list[tuple[str, ...]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["email", "name", "seats"])
    for index in range(count):
        seats = seat_sets[index % len(seat_sets)]
        writer.writerow([f"reader{index:06d}@example.org", f"Reader {index}", "; ".join(seats)])
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--seat-sets", type=int, default=50)
    parser.add_argument("--backend", choices=("smtp", "file"), default="smtp")
    parser.add_argument("--feeds", type=int, default=40, help="generated towns (seats)")
    parser.add_argument("--items", type=int, default=5, help="articles per town")
    parser.add_argument(
        "--connections", type=int, default=8, help="SMTP connections at once (a local relay)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="seatwatch-send-") as tmp:
        folder = Path(tmp)
        write_articles(folder / "articles", args.feeds, args.items)
        sink = None
        port = 0
        stats = folder / "smtp.json"
        if args.backend == "smtp":
            sink, port, stats = start_sink(folder)
        try:
            config = write_config(folder, folder / "articles", args.backend, port, args.connections)
            with configured_store(config) as (settings, store):
                poll_configured(settings, store)
                seats = seats_with_news(folder / "state.sqlite3")
                combos = [c for n in (1, 2, 3) for c in itertools.combinations(seats, n)]
                seat_sets = random.Random(1).sample(combos, min(args.seat_sets, len(combos)))
                gazetteer = load_gazetteer()
                report = import_csv(
                    store.subscribers,
                    subscriber_csv(args.subscribers, seat_sets),
                    gazetteer,
                    datetime.now(UTC),
                )
                assert not report.errors, report.errors[:3]
                subscribers = resolve_subscribers(
                    gazetteer,
                    all_subscribers([], store.subscribers.all()),
                    path=settings.config_path,
                )
                backend = create_backend(
                    settings.delivery.backend,
                    settings.delivery.options(settings.delivery.backend),
                    settings.base_dir,
                )
                renderer = DigestRenderer(
                    title=settings.digest.title, subject_template=settings.digest.subject
                )
                before_messages = sink_messages(stats)
                rss_before = current_rss_mib()
                now = datetime.now(UTC)
                start = time.perf_counter()
                digests = iter_digests(settings, store, subscribers, now)
                deliveries = deliver_all(
                    digests,
                    settings.digest,
                    settings.delivery,
                    store,
                    backend,
                    renderer=lambda: nullcontext(renderer),
                    kind="sent",
                    now=now,
                )
                elapsed = time.perf_counter() - start
                rss_after = current_rss_mib()
        finally:
            if sink is not None:
                sink.terminate()
                sink.wait()
        sent = sum(1 for d in deliveries if d.error is None)
        received = sink_messages(stats) - before_messages if args.backend == "smtp" else sent
        distinct_seats = len({seat for seats in seat_sets for seat in seats})
    print(
        f"{args.subscribers} subscribers over {len(seat_sets)} seat sets "
        f"({distinct_seats} distinct seats), backend {args.backend}"
        + (f", {args.connections} connections" if args.backend == "smtp" else "")
    )
    print(
        f"sent {sent} ({received} at the {'sink' if args.backend == 'smtp' else 'file backend'}),"
        f" {sum(1 for d in deliveries if d.error)} failed, in {elapsed:.2f} s "
        f"(composing included): {sent / elapsed:.0f} messages/s"
    )
    print(
        f"premailer runs: {renderer.inlines} for {renderer.renders} distinct digests (the frame,"
        " then per digest one run for its sections not inlined yet)"
    )
    print(
        f"peak RSS {rss_mib():.0f} MiB; RSS {rss_before:.0f} MiB before sending, "
        f"{rss_after:.0f} MiB after ({(rss_after - rss_before) * 1024 * 1024 / max(sent, 1):.0f} "
        "bytes per message)"
    )
    print(f"measured {datetime.now(UTC):%Y-%m-%d}")
    print(
        "reproduce: .venv/bin/python bench/send.py "
        f"--subscribers {args.subscribers} --seat-sets {args.seat_sets} --backend {args.backend}"
        f" --connections {args.connections}"
    )


if __name__ == "__main__":
    main()
