"""Unsubscribe tokens: signed, verifiable, stable across restarts."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.store import Store
from digest.tokens import sign_token, signing_secret, verify_token


def test_round_trip_and_forgery() -> None:
    token = sign_token("s3cret", "Reader@Example.org")
    assert verify_token("s3cret", token) == "reader@example.org"
    assert verify_token("other", token) is None
    forged = sign_token("other", "victim@example.org")
    assert verify_token("s3cret", forged) is None
    assert verify_token("s3cret", "garbage") is None
    assert verify_token("s3cret", "%%%.###") is None


def test_secret_from_environment_or_kept_in_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store.open(tmp_path / "s.sqlite3")
    generated = signing_secret(store, "SEATWATCH_SECRET")
    assert len(generated) == 64
    assert signing_secret(store, "SEATWATCH_SECRET") == generated
    monkeypatch.setenv("SEATWATCH_SECRET", "from-env")
    assert signing_secret(store, "SEATWATCH_SECRET") == "from-env"
    store.close()
