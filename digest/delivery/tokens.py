"""Per-subscriber tokens for one-click unsubscribe links (RFC 8058), and the secret behind them.

A token is opaque: the address inside is encrypted, so a token seen in a log, a proxy or a
forwarded mail does not tell whose it is, and authenticated, so nobody without the secret
can make one for someone else's address. It carries the moment it was issued, so an
endpoint may refuse very old ones (``verify_token(max_age=...)``, never under a year, since
one-click unsubscribe must keep working from old digests). The endpoint still needs no
lookup table: ``verify_token`` gives back the address.

The address is sealed with AES-SIV (RFC 5297, from ``cryptography``): deterministic
authenticated encryption, so equal inputs give equal tokens without a random source (a
rendered digest stays reproducible), with the header (format version and issue time) as
associated data. Its 256-bit key is derived from the secret with HMAC-SHA256; any change
to a token makes it invalid.

Tokens from seatwatch before this format (itsdangerous, HMAC-SHA1, the address readable in
base64, no date) are still accepted by ``verify_token`` unless ``legacy=False``: they are in
digests already delivered, and refusing them would break those unsubscribe links.

The secret comes from the environment variable ``[digest] secret_env`` names (at least
``MIN_SECRET_LENGTH`` characters), else from a generated one kept in its own owner-only file
beside the store (``<store>.secret``), never in the store itself: a store readable by
another local user must not let them forge tokens. A secret older seatwatch kept in the
store's ``meta`` table is moved into that file on first use, so its tokens stay valid.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import secrets
import stat
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from itsdangerous import BadData, URLSafeSerializer

from digest.errors import ConfigError
from digest.files import write_private
from digest.store.core import Store

log = logging.getLogger(__name__)

SECRET_META_KEY = "unsubscribe_secret"  # where seatwatch before 0600 secret files kept it
SECRET_SUFFIX = ".secret"
MIN_SECRET_LENGTH = 32
# An endpoint refusing old tokens must still honour a year-old digest's link.
MIN_MAX_AGE = timedelta(days=366)
SALT = "seatwatch.unsubscribe"  # the legacy (itsdangerous) tokens' salt

_VERSION = 3
_HEADER = 5  # version byte + issued-at (seconds since 1970, 4 bytes: good until 2106)
_SIV = 16  # AES-SIV's synthetic IV, which is also its authentication tag
# Issued later than now by more than this: not a token of ours (or a clock far off).
_CLOCK_SKEW = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class TokenClaim:
    """What a valid token says: the address, and when it was issued (``None`` for a
    legacy token, which has no date)."""

    email: str
    issued_at: datetime | None


@lru_cache(maxsize=4)
def _sealer(secret: str) -> AESSIV:
    """AES-SIV with a key made from ``secret`` for this purpose and format version."""
    label = f"{SALT}.v{_VERSION}.aes-siv".encode()
    first = hmac.new(secret.encode("utf-8"), label + b".1", hashlib.sha256).digest()
    second = hmac.new(secret.encode("utf-8"), label + b".2", hashlib.sha256).digest()
    return AESSIV(first + second)  # 512 bits: AES-256 in SIV mode


def sign_token(secret: str, email: str, issued_at: datetime | None = None) -> str:
    """An opaque URL-safe token for ``email`` (lower-cased), issued at ``issued_at`` (now
    when not given), that only ``secret`` can make and read."""
    address = email.strip().lower().encode("utf-8")
    issued = int((issued_at or datetime.now(UTC)).timestamp())
    header = bytes([_VERSION]) + issued.to_bytes(_HEADER - 1, "big")
    sealed = _sealer(secret).encrypt(address, [header])
    return base64.urlsafe_b64encode(header + sealed).decode("ascii").rstrip("=")


def read_token(secret: str, token: str, *, legacy: bool = True) -> TokenClaim | None:
    """What ``token`` says, or ``None`` for a forged, damaged or unknown one; a legacy
    (itsdangerous, HMAC-SHA1) token only when ``legacy``."""
    token = token.strip()
    if "." in token:  # itsdangerous's payload.signature; ours has no dot
        return _read_legacy(secret, token) if legacy else None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) <= _HEADER + _SIV or raw[0] != _VERSION:
        return None
    header, sealed = raw[:_HEADER], raw[_HEADER:]
    try:
        email = _sealer(secret).decrypt(sealed, [header]).decode("utf-8")
    except (InvalidTag, UnicodeDecodeError):
        return None
    issued = datetime.fromtimestamp(int.from_bytes(header[1:], "big"), UTC)
    return TokenClaim(email=email, issued_at=issued)


def _read_legacy(secret: str, token: str) -> TokenClaim | None:
    try:
        email = _legacy_serializer(secret).loads(token)
    except BadData:
        return None
    return TokenClaim(email=email, issued_at=None) if isinstance(email, str) else None


@lru_cache(maxsize=4)
def _legacy_serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT)


def verify_token(
    secret: str,
    token: str,
    *,
    max_age: timedelta | None = None,
    now: datetime | None = None,
    legacy: bool = True,
) -> str | None:
    """The address a valid token names, or ``None``.

    With ``max_age`` (at least ``MIN_MAX_AGE``), a token issued longer ago than that is
    refused; legacy tokens have no date and are judged by ``legacy`` alone. A token dated
    more than a day after ``now`` is refused whatever the age limit.
    """
    if max_age is not None and max_age < MIN_MAX_AGE:
        raise ValueError(f"max_age {max_age} would break unsubscribe links in recent digests")
    claim = read_token(secret, token, legacy=legacy)
    if claim is None:
        return None
    if claim.issued_at is not None:
        current = now or datetime.now(UTC)
        if claim.issued_at > current + _CLOCK_SKEW:
            return None
        if max_age is not None and current - claim.issued_at > max_age:
            return None
    return claim.email


def secret_path(store: Store) -> Path | None:
    """Where a generated secret is kept for ``store``: ``<store file>.secret``; ``None`` for
    a store that is not a file."""
    url = store.engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    database = Path(str(url.database))
    return database.with_name(database.name + SECRET_SUFFIX)


def signing_secret(store: Store, env_name: str) -> str:
    """The secret from the environment variable ``env_name``, else the one generated for
    this store and kept in its ``.secret`` file (created, or moved there from the store's
    ``meta`` table, on first use).

    Keeping a generated secret means links stay valid across restarts without any setup,
    while operators who run several stores can share one through the environment. A
    configured secret shorter than ``MIN_SECRET_LENGTH`` is a ``ConfigError``: a short one
    can be guessed, and with it every subscriber's token forged.
    """
    from_env = os.environ.get(env_name, "").strip()
    if from_env:
        if len(from_env) < MIN_SECRET_LENGTH:
            raise ConfigError(
                f"the unsubscribe secret in ${env_name} is {len(from_env)} characters long, "
                f"shorter than the {MIN_SECRET_LENGTH} needed",
                key="digest.secret_env",
                hint=f"set {env_name} to a long random value, e.g. the output of "
                "`python3 -c 'import secrets; print(secrets.token_hex(32))'`, or unset it to "
                "let seatwatch generate one (changing it makes unsubscribe links already "
                "sent stop working)",
            )
        return from_env
    path = secret_path(store)
    if path is None:
        raise ConfigError(
            f"${env_name} is not set, and the store is not a file a generated secret could "
            "be kept beside",
            key="digest.secret_env",
            hint=f"set {env_name} to a random value of at least {MIN_SECRET_LENGTH} characters",
        )
    return _kept_secret(store, path)


def _kept_secret(store: Store, path: Path) -> str:
    """The secret in ``path``, written there first (owner-only) from the store's ``meta``
    table or freshly generated; any copy in ``meta`` is then deleted."""
    kept = _read_secret(path)
    if kept is None:
        candidate = store.get_meta(SECRET_META_KEY) or secrets.token_hex(32)
        # Two processes may get here at once: the first file written wins, the other reads it.
        if not write_private(path, candidate + "\n"):
            log.debug("secret file %s written by another process meanwhile", path)
        kept = _read_secret(path)
        if kept is None:
            raise ConfigError(
                f"the unsubscribe secret file {path} is empty",
                key="digest.secret_env",
                hint="restore it from a backup, or delete it to have a new one generated "
                "(unsubscribe links already sent then stop working)",
            )
        log.info("unsubscribe secret kept in %s (owner-only)", path)
    # Only after the file holds it: a crash in between leaves the same value in both.
    if store.pop_meta(SECRET_META_KEY) is not None:
        log.info("unsubscribe secret moved from the store's meta table to %s", path)
    return kept


def _read_secret(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="utf-8").strip()
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"cannot read the unsubscribe secret in {path}: {exc}",
            key="digest.secret_env",
            hint="make it readable by the user seatwatch runs as (and by no one else)",
        ) from exc
    if mode & 0o077:
        log.warning(
            "the unsubscribe secret %s is readable by others (mode %o): run chmod 600 on it, "
            "and set a new secret if someone else may have read it",
            path,
            mode,
        )
    return text or None
