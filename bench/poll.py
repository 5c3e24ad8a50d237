#!/usr/bin/env python3
"""Poll throughput: N feeds x M items from the loopback feed server, cold then warm.

Cold: every item is new (fetch, parse, clean, dedupe, tag, summarise, store).
Warm: a second poll in the same process; every feed answers 304 Not Modified.
Prints items/s cold, warm wall time, our own CPU time for the warm poll, and peak RSS.

    .venv/bin/python bench/poll.py --feeds 1000 --items 20

Needs ../shared/bench/feedserver.py (the shared loopback feed server).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_BENCH = ROOT.parent / "shared" / "bench"
sys.path.insert(0, str(ROOT))

from digest.config import load_config  # noqa: E402
from digest.parallel.workers import process_pool, start_fork_server  # noqa: E402
from digest.pipeline import poll_configured  # noqa: E402
from digest.store.core import Store  # noqa: E402


def start_feed_server(
    feeds: int, items: int, folder: Path, extra: list[str]
) -> tuple[subprocess.Popen[bytes], int]:
    """Start ../shared/bench/feedserver.py on a free port; return it and the port."""
    server = SHARED_BENCH / "feedserver.py"
    if not server.is_file():
        sys.exit(f"{server} is absent: the shared bench material is needed for this figure")
    port_file = folder / "port"
    process = subprocess.Popen(
        [
            sys.executable,
            str(server),
            "--port",
            "0",
            "--port-file",
            str(port_file),
            "--feeds",
            str(feeds),
            "--items",
            str(items),
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(2400):  # generating 20,000 items takes the server a while
        if port_file.exists() and port_file.read_text().strip():
            return process, int(port_file.read_text())
        time.sleep(0.05)
    process.kill()
    sys.exit("the feed server did not start")


def write_config(folder: Path, port: int, feeds: int) -> Path:
    """A config polling every feed of the server, with a store in ``folder``."""
    lines = [
        "[store]",
        f'path = "{folder / "bench.sqlite3"}"',
        "[poll]",
        "concurrency = 16",
        "per_host_connections = 16",  # every synthetic feed shares the host 127.0.0.1
    ]
    for index in range(feeds):
        lines += [
            "[[sources]]",
            f'name = "feed {index}"',
            'kind = "feed"',
            f'location = "http://127.0.0.1:{port}/feed/{index}.xml"',
            "full_text = false",
        ]
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="seatwatch-bench-") as tmp:
        folder = Path(tmp)
        server, port = start_feed_server(args.feeds, args.items, folder, [])
        try:
            settings = load_config(write_config(folder, port, args.feeds))
            # The workers' fork server (started by the command line as it starts, and kept by
            # the daemon across polls) loads the preparing code once: not part of a poll.
            start_fork_server()
            with process_pool(1) as pool:
                pool.submit(int).result()
            store = Store.open(settings.resolve(settings.store.path))
            start, cpu = time.perf_counter(), cpu_seconds()
            cold = poll_configured(settings, store)
            cold_wall, cold_cpu = time.perf_counter() - start, cpu_seconds() - cpu
            items = sum(o.items for o in cold.outcomes)
            start, cpu = time.perf_counter(), cpu_seconds()
            warm = poll_configured(settings, store, force=True)
            warm_wall, warm_cpu = time.perf_counter() - start, cpu_seconds() - cpu
            store.close()
        finally:
            server.terminate()
            server.wait()
    not_modified = sum(1 for o in warm.outcomes if o.not_modified)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"feeds={args.feeds} items/feed={args.items} "
        f"failed cold={len(cold.failed)} warm={len(warm.failed)}"
    )
    print(
        f"cold: {items} items, {cold.added} stored, {cold_wall:.2f} s wall, {cold_cpu:.2f} s CPU, "
        f"{items / cold_wall:.0f} items/s"
    )
    print(
        f"warm: {not_modified}/{len(warm.outcomes)} not modified, "
        f"{warm_wall:.2f} s wall, {warm_cpu:.2f} s CPU"
    )
    print(f"peak RSS: {peak_mib:.0f} MiB")
    print(f"reproduce: .venv/bin/python bench/poll.py --feeds {args.feeds} --items {args.items}")


if __name__ == "__main__":
    main()
