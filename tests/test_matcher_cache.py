"""The seat matcher's on-disk cache, as an operator's machine sees it across processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Tags one sentence and prints them with where the matcher came from.
SCRIPT = """
import json, time
from datetime import date
start = time.perf_counter()
from digest.seats.tagger import default_matcher, tag_text
matcher = default_matcher()
_, tags = tag_text("Rochford and Southend East hustings", "Voters in Rochford, Essex, and "
                   "Southend met the candidates.", date(2019, 11, 20), matcher)
print(json.dumps([[t.name, t.role.value, t.score] for t in tags]))
"""


def run(cache: Path) -> list[list[object]]:
    env = {**os.environ, "SEATWATCH_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    result: list[list[object]] = json.loads(done.stdout)
    return result


def test_cache_is_written_reused_and_replaces_stale_ones(tmp_path: Path) -> None:
    stale = tmp_path / "matcher-0123456789abcdef.pickle"
    stale.write_bytes(b"a cache from an older release")

    built = run(tmp_path)
    caches = sorted(tmp_path.glob("matcher-*.pickle"))
    assert len(caches) == 1 and caches[0] != stale, "the stale cache must be removed"
    assert not list(tmp_path.glob("*.tmp")), "no partial files left behind"
    assert built[0][:2] == ["Rochford and Southend East", "primary"]

    written = caches[0].stat().st_mtime_ns
    assert run(tmp_path) == built, "a matcher loaded from the cache tags the same"
    assert caches[0].stat().st_mtime_ns == written, "a warm cache is read, not rewritten"


def test_corrupt_cache_is_rebuilt_not_an_error(tmp_path: Path) -> None:
    built = run(tmp_path)
    (cache,) = tmp_path.glob("matcher-*.pickle")
    cache.write_bytes(b"\x80\x05garbage")
    assert run(tmp_path) == built
    assert cache.stat().st_size > 1_000_000, "the rebuilt matcher is written back"


def test_cache_key_follows_content_not_file_times() -> None:
    """Two installs of one release (a development checkout and a wheel) share the user's
    cache: keyed by file times, each would delete the other's cache as stale and rebuild
    it (a second of CPU) at every other command."""
    from importlib import resources

    from digest.seats.tagger import _cache_path

    data = Path(str(resources.files("digest.seats").joinpath("data", "constituencies.csv")))
    before = _cache_path()
    times = data.stat()
    try:
        os.utime(data, ns=(times.st_atime_ns, times.st_mtime_ns - 86_400 * 10**9))
        assert _cache_path() == before
    finally:
        os.utime(data, ns=(times.st_atime_ns, times.st_mtime_ns))
