"""Unsubscribe tokens: opaque, HMAC-SHA256, dated; the secret long enough and kept owner-only."""

from __future__ import annotations

import base64
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from itsdangerous import URLSafeSerializer

from digest.delivery.tokens import (
    MIN_MAX_AGE,
    SALT,
    SECRET_META_KEY,
    read_token,
    sign_token,
    signing_secret,
    verify_token,
)
from digest.errors import ConfigError
from digest.store.core import Store

SECRET = "s3cret-" + "x" * 40
OTHER = "other-" + "y" * 40
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def test_round_trip_and_forgery() -> None:
    token = sign_token(SECRET, "Reader@Example.org")
    assert verify_token(SECRET, token) == "reader@example.org"
    assert verify_token(OTHER, token) is None
    forged = sign_token(OTHER, "victim@example.org")
    assert verify_token(SECRET, forged) is None
    assert verify_token(SECRET, "garbage") is None
    assert verify_token(SECRET, "%%%.###") is None
    assert verify_token(SECRET, "") is None


def test_the_address_is_not_readable_in_the_token() -> None:
    token = sign_token(SECRET, "reader@example.org", issued_at=NOW)
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert b"reader" not in raw and b"example" not in raw
    assert "reader" not in token
    # Two subscribers' tokens share nothing an observer could match up, beyond the header.
    other = sign_token(SECRET, "reader2@example.org", issued_at=NOW)
    assert token[12:] != other[12:]


def test_any_changed_character_is_refused() -> None:
    token = sign_token(SECRET, "reader@example.org", issued_at=NOW)
    for index in range(len(token)):
        changed = token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1 :]
        claim = read_token(SECRET, changed)
        # Base64's last character may carry spare bits that decode to the same bytes.
        assert claim is None or changed[:-1] == token[:-1], index


def test_issued_at_lets_an_endpoint_refuse_very_old_tokens_but_never_under_a_year() -> None:
    old = sign_token(SECRET, "reader@example.org", issued_at=NOW - timedelta(days=800))
    recent = sign_token(SECRET, "reader@example.org", issued_at=NOW - timedelta(days=300))
    claim = read_token(SECRET, old)
    assert claim is not None and claim.issued_at == NOW - timedelta(days=800)
    assert verify_token(SECRET, old, now=NOW) == "reader@example.org"  # no limit by default
    assert verify_token(SECRET, old, now=NOW, max_age=timedelta(days=730)) is None
    assert verify_token(SECRET, recent, now=NOW, max_age=MIN_MAX_AGE) == "reader@example.org"
    with pytest.raises(ValueError, match="break unsubscribe links"):
        verify_token(SECRET, recent, now=NOW, max_age=timedelta(days=30))
    future = sign_token(SECRET, "reader@example.org", issued_at=NOW + timedelta(days=30))
    assert verify_token(SECRET, future, now=NOW) is None


def test_sha1_tokens_in_digests_already_sent_still_unsubscribe() -> None:
    legacy = str(URLSafeSerializer(SECRET, salt=SALT).dumps("reader@example.org"))
    assert verify_token(SECRET, legacy) == "reader@example.org"
    assert verify_token(SECRET, legacy, max_age=MIN_MAX_AGE) == "reader@example.org"
    assert verify_token(OTHER, legacy) is None
    assert verify_token(SECRET, legacy, legacy=False) is None


def test_a_short_configured_secret_is_a_config_error_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store.open(tmp_path / "s.sqlite3")
    monkeypatch.setenv("SEATWATCH_SECRET", "x")
    with pytest.raises(ConfigError) as caught:
        signing_secret(store, "SEATWATCH_SECRET")
    message = str(caught.value)
    assert "$SEATWATCH_SECRET is 1 characters long" in message
    assert "32" in message and "token_hex" in message
    monkeypatch.setenv("SEATWATCH_SECRET", "k" * 32)
    assert signing_secret(store, "SEATWATCH_SECRET") == "k" * 32
    store.close()


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """A umask that leaves files group- and world-readable, as many servers have."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.usefixtures("loose_umask")
def test_a_generated_secret_is_kept_in_an_owner_only_file_not_in_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store.open(tmp_path / "s.sqlite3")
    generated = signing_secret(store, "SEATWATCH_SECRET")
    assert len(generated) == 64
    secret_file = tmp_path / "s.sqlite3.secret"
    assert secret_file.read_text(encoding="utf-8").strip() == generated
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert store.get_meta(SECRET_META_KEY) is None
    store.close()
    reopened = Store.open(tmp_path / "s.sqlite3")
    assert signing_secret(reopened, "SEATWATCH_SECRET") == generated
    monkeypatch.setenv("SEATWATCH_SECRET", "from-env-" + "z" * 30)
    assert signing_secret(reopened, "SEATWATCH_SECRET") == "from-env-" + "z" * 30
    reopened.close()


@pytest.mark.usefixtures("loose_umask")
def test_a_secret_kept_in_meta_by_older_seatwatch_moves_to_the_file_and_old_links_work(
    tmp_path: Path,
) -> None:
    store = Store.open(tmp_path / "s.sqlite3")
    old_secret = "a" * 64
    store.set_meta_if_absent(SECRET_META_KEY, old_secret)
    sent_before = str(URLSafeSerializer(old_secret, salt=SALT).dumps("reader@example.org"))
    secret = signing_secret(store, "SEATWATCH_SECRET")
    assert secret == old_secret
    assert store.get_meta(SECRET_META_KEY) is None
    assert (tmp_path / "s.sqlite3.secret").read_text(encoding="utf-8").strip() == old_secret
    assert stat.S_IMODE((tmp_path / "s.sqlite3.secret").stat().st_mode) == 0o600
    assert verify_token(secret, sent_before) == "reader@example.org"
    store.close()


def test_a_store_that_is_not_a_file_needs_a_configured_secret() -> None:
    store = Store.open("sqlite://")
    with pytest.raises(ConfigError, match="SEATWATCH_SECRET is not set"):
        signing_secret(store, "SEATWATCH_SECRET")
    store.close()
