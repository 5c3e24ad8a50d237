"""What every part of the store shares: its engine and one way to open a transaction."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Connection, Engine

from digest.store.schema import transaction


class StoreBase:
    """The engine, for the query mixins ``Store`` is made of."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _begin(self) -> AbstractContextManager[Connection]:
        return transaction(self.engine)


def as_utc(value: Any) -> datetime:
    """A stored timestamp as an aware UTC datetime, whatever form the driver gave it in."""
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed
