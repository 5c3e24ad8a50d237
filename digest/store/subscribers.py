"""The ``subscribers`` table: subscribers kept in the store (``digest subscribers ...``).

Addresses are kept in their ASCII form (``config.checked_address``): rows stored by an older
seatwatch with a Unicode domain are read back IDNA-encoded, and one whose local part is not
ASCII is left out of sends with an error naming it, so it cannot stop anyone else's digest.
An export prefixes formula-looking cells with ``'`` so a spreadsheet shows them as text; an
import takes that prefix off again (``unprefixed``). Checking rows against the seats is
``digest.subscribers``'s job, above the store.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from digest.config import SubscriberConfig, checked_address
from digest.store.schema import subscribers_table, transaction

log = logging.getLogger(__name__)

CSV_COLUMNS = ("email", "name", "seats", "frequency", "timezone", "status")


# A cell starting with one of these is a formula to a spreadsheet (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


_INSERT = subscribers_table.insert().values(
    email=sa.bindparam("b_email"),
    name=sa.bindparam("b_name"),
    seats=sa.bindparam("b_seats"),
    frequency=sa.bindparam("b_frequency"),
    timezone=sa.bindparam("b_timezone"),
    status=sa.bindparam("b_status"),
    added_at=sa.bindparam("b_added_at"),
)
_UPDATE = (
    subscribers_table.update()
    .where(subscribers_table.c.email == sa.bindparam("b_email"))
    .values(
        name=sa.bindparam("b_name"),
        seats=sa.bindparam("b_seats"),
        frequency=sa.bindparam("b_frequency"),
        timezone=sa.bindparam("b_timezone"),
        status=sa.bindparam("b_status"),
    )
)


class SubscriberStore:
    """The ``subscribers`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def stored(self) -> list[SubscriberConfig]:
        """Every stored row as it is, by address (for listing and export, where an operator
        must see even a row no send can use)."""
        with transaction(self.engine) as conn:
            rows = conn.execute(
                sa.select(subscribers_table).order_by(subscribers_table.c.email)
            ).all()
        return [
            SubscriberConfig.model_construct(
                email=r.email,
                name=r.name,
                seats=json.loads(r.seats),
                frequency=r.frequency,
                timezone=r.timezone,
                status=r.status,
            )
            for r in rows
        ]

    def all(self, on_error: Callable[[str, str], None] | None = None) -> list[SubscriberConfig]:
        """Every stored subscriber a send can address, by address, in ASCII form.

        Rows stored before addresses were kept ASCII get their domain IDNA-encoded; a row
        whose address is not usable (a non-ASCII local part) is logged as an error and left
        out, and so is a second row for an address already read, so one bad row costs only
        its own digest and nobody is sent two. ``on_error(address, reason)`` hears of each
        unusable row, for a command to report as a failure.
        """
        usable: dict[str, SubscriberConfig] = {}
        for row in self.stored():
            try:
                email = checked_address(row.email)
            except ValueError as exc:
                log.error("stored subscriber %r skipped: %s", row.email, exc)
                if on_error is not None:
                    on_error(row.email, str(exc))
                continue
            if email in usable:
                log.error(
                    "stored subscriber %r skipped: the same address as %r (%s)",
                    row.email,
                    usable[email].email,
                    email,
                )
                continue  # one digest for the address, as asked: not a failure
            usable[email] = row if email == row.email else row.model_copy(update={"email": email})
        return list(usable.values())

    def upsert(self, subscriber: SubscriberConfig, at: datetime) -> str:
        """Add or update; return "added", "updated" or "unchanged"."""
        return self.upsert_many([subscriber], at)[0]

    def upsert_many(self, subscribers: Sequence[SubscriberConfig], at: datetime) -> list[str]:
        """Add or update many in one transaction (an import of 100,000 rows is 100 of them,
        not 100,000); each one's outcome, in order. A later row for the same address wins."""
        outcomes = []
        with transaction(self.engine) as conn:
            existing = {
                row.email: tuple(row)[1:]
                for row in conn.execute(
                    sa.select(
                        subscribers_table.c.email,
                        subscribers_table.c.name,
                        subscribers_table.c.seats,
                        subscribers_table.c.frequency,
                        subscribers_table.c.timezone,
                        subscribers_table.c.status,
                    ).where(subscribers_table.c.email.in_({s.email for s in subscribers}))
                )
            }
            added, updated = [], []
            for subscriber in subscribers:
                row = (
                    subscriber.name,
                    json.dumps(subscriber.seats),
                    subscriber.frequency,
                    subscriber.timezone,
                    subscriber.status,
                )
                values = {"b_email": subscriber.email} | {
                    f"b_{column}": value
                    for column, value in zip(
                        ("name", "seats", "frequency", "timezone", "status"), row, strict=True
                    )
                }
                before = existing.get(subscriber.email)
                if before is None:
                    added.append({**values, "b_added_at": at})
                    outcomes.append("added")
                elif before == row:
                    outcomes.append("unchanged")
                else:
                    updated.append(values)
                    outcomes.append("updated")
                existing[subscriber.email] = row
            if added:
                conn.execute(_INSERT, added)
            if updated:
                conn.execute(_UPDATE, updated)
        return outcomes

    def remove(self, email: str) -> bool:
        """Remove a stored subscriber, named as stored or in its ASCII form; False if there
        was none."""
        forms = {email.strip().lower()}
        with contextlib.suppress(ValueError):  # not a valid address: only the form as typed
            forms.add(checked_address(email))
        with transaction(self.engine) as conn:
            result = conn.execute(
                subscribers_table.delete().where(subscribers_table.c.email.in_(forms))
            )
        return bool(result.rowcount)

    def export_csv(self) -> str:
        """Every stored subscriber as CSV, in the import format; formula-looking cells are
        prefixed with ``'`` so a spreadsheet opening the file runs nothing."""
        lines = [_csv_line(CSV_COLUMNS)]
        for subscriber in self.stored():
            cells = (
                subscriber.email,
                subscriber.name,
                "; ".join(subscriber.seats),
                subscriber.frequency,
                subscriber.timezone,
                subscriber.status,
            )
            lines.append(_csv_line(tuple(_prefixed(cell) for cell in cells)))
        return "".join(lines)


def _csv_line(cells: Sequence[str]) -> str:
    """One CSV row ending in "\n", a cell holding a CR or LF quoted (Python 3.11's csv quotes
    only the characters of the line terminator, so it is "\r\n" while writing)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue().removesuffix("\r\n") + "\n"


def _prefixed(cell: str) -> str:
    """``cell``, with ``'`` before it if a spreadsheet would take it for a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def unprefixed(cell: str) -> str:
    """``cell`` without the ``'`` an export put before a formula-looking value."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell
