"""Signed per-subscriber tokens for one-click unsubscribe links (RFC 8058).

The token carries the address and a signature over it (itsdangerous: HMAC-SHA1 over the
payload with a key derived from the secret and a salt naming the purpose), so the
unsubscribe endpoint needs no lookup table and a token cannot be forged for someone else's
address, nor reused from another signed value of ours.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache

from itsdangerous import BadData, URLSafeSerializer

from digest.store import Store

SECRET_META_KEY = "unsubscribe_secret"
SALT = "seatwatch.unsubscribe"


@lru_cache(maxsize=4)
def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT)


def sign_token(secret: str, email: str) -> str:
    """A URL-safe token naming ``email``, signed with ``secret``."""
    return str(_serializer(secret).dumps(email.strip().lower()))


def verify_token(secret: str, token: str) -> str | None:
    """The address a valid token names, or ``None`` for a forged or damaged token."""
    try:
        email = _serializer(secret).loads(token)
    except BadData:
        return None
    return email if isinstance(email, str) else None


def signing_secret(store: Store, env_name: str) -> str:
    """The secret from the environment variable ``env_name``, else one kept in the store.

    Keeping a generated secret in the store means links stay valid across restarts without
    any setup, while operators who run several stores can share one through the environment.
    """
    from_env = os.environ.get(env_name, "").strip()
    if from_env:
        return from_env
    return store.set_meta_if_absent(SECRET_META_KEY, secrets.token_hex(32))
