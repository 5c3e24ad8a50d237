"""Signed per-subscriber tokens for one-click unsubscribe links (RFC 8058).

The token carries the address and an HMAC over it, so the unsubscribe endpoint needs no
lookup table and a token cannot be forged for someone else's address.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

from digest.store import Store

SECRET_META_KEY = "unsubscribe_secret"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_token(secret: str, email: str) -> str:
    """A URL-safe token naming ``email``, signed with ``secret``."""
    payload = email.strip().lower().encode("utf-8")
    mac = hmac.new(secret.encode("utf-8"), payload, hashlib.sha256).digest()[:16]
    return f"{_b64(payload)}.{_b64(mac)}"


def verify_token(secret: str, token: str) -> str | None:
    """The address a valid token names, or ``None`` for a forged or damaged token."""
    try:
        payload_text, _mac = token.split(".", 1)
        email = _unb64(payload_text).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    expected = sign_token(secret, email)
    return email if hmac.compare_digest(expected, token) else None


def signing_secret(store: Store, env_name: str) -> str:
    """The secret from the environment variable ``env_name``, else one kept in the store.

    Keeping a generated secret in the store means links stay valid across restarts without
    any setup, while operators who run several stores can share one through the environment.
    """
    from_env = os.environ.get(env_name, "").strip()
    if from_env:
        return from_env
    return store.set_meta_if_absent(SECRET_META_KEY, secrets.token_hex(32))
