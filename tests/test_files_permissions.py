"""The store, its -wal/-shm, the daemon's lock and the folders made for them: owner-only."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.config import SubscriberConfig
from digest.daemon import store_lock
from digest.store.core import Store


@pytest.fixture(autouse=True)
def loose_umask() -> Iterator[None]:
    """A umask that leaves files group- and world-readable, as many servers have."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_store_its_wal_and_shm_and_new_folders_are_owner_only_existing_ones_kept(
    tmp_path: Path,
) -> None:
    path = tmp_path / "var" / "lib" / "seatwatch.sqlite3"
    store = Store.open(path)
    store.subscribers.upsert(
        SubscriberConfig(email="a@example.org", seats=["Norwich North"]), datetime.now(UTC)
    )
    try:
        assert _mode(path) == 0o600
        # WAL mode: both exist while a connection is open, and SQLite gives them the store's mode.
        for suffix in ("-wal", "-shm"):
            sidecar = path.with_name(path.name + suffix)
            assert sidecar.exists(), suffix
            assert _mode(sidecar) == 0o600, suffix
        assert _mode(tmp_path / "var") == 0o700
        assert _mode(tmp_path / "var" / "lib") == 0o700
    finally:
        store.close()
    # What exists already keeps the mode the operator gave it.
    os.chmod(tmp_path / "var", 0o750)
    os.chmod(path, 0o640)
    Store.open(path).close()
    assert _mode(tmp_path / "var") == 0o750
    assert _mode(path) == 0o640


def test_the_daemon_lock_file_is_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "state" / "s.sqlite3"
    with store_lock(path):
        lock = path.with_name("s.sqlite3.lock")
        assert _mode(lock) == 0o600
        assert lock.read_text(encoding="utf-8").strip() == str(os.getpid())
        assert _mode(tmp_path / "state") == 0o700
