"""Subscribers as the operator manages them: checked against the seats, imported from CSV.

An import validates every CSV row (address, seats in either boundary set or by code) and
reports each bad row by line number without stopping the good ones; importing the same file
again changes nothing. A subscriber listed in config.toml wins over a stored one with the
same address, so the file stays the operator's last word. The rows themselves live in the
store (``digest.store.subscribers``); this module sits above it and the seats.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from digest.config import (
    AddressNotAsciiError,
    SubscriberConfig,
    checked_address,
    checked_timezone,
)
from digest.errors import ConfigError
from digest.models import Frequency, SubscriberStatus
from digest.seats.follows import resolve_seat
from digest.seats.gazetteer import Gazetteer
from digest.store.subscribers import CSV_COLUMNS, SubscriberStore, unprefixed

FREQUENCIES = tuple(Frequency)
STATUSES = tuple(SubscriberStatus)


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did: added, updated, unchanged, each bad row with its line, and each
    row merged into an earlier one for the same address (differing only in case or in the
    form of the domain)."""

    added: int
    updated: int
    unchanged: int
    errors: tuple[str, ...]
    merged: tuple[str, ...] = ()


def validated(
    gazetteer: Gazetteer,
    email: str,
    name: str,
    seats: list[str],
    where: str,
    address_where: str | None = None,
    *,
    frequency: str = "daily",
    timezone: str = "",
    status: str = "active",
) -> SubscriberConfig:
    """A subscriber whose address and seats are valid; ``ConfigError`` naming ``where``
    (``address_where`` for the address, when it comes from elsewhere)."""
    try:
        email = checked_address(email)
    except ValueError as exc:
        hint = exc.hint if isinstance(exc, AddressNotAsciiError) else "fix the address"
        raise ConfigError(str(exc), key=address_where or where, hint=hint) from exc
    seats = [s.strip() for s in seats if s.strip()]
    if not seats:
        raise ConfigError("no seats", key=where, hint="name at least one seat (or its code)")
    for seat in seats:
        resolve_seat(gazetteer, seat, where=where)
    frequency = frequency.strip().lower() or "daily"
    if frequency not in FREQUENCIES:
        raise ConfigError(f"frequency {frequency!r}", key=where, hint='write "daily" or "weekly"')
    status = status.strip().lower() or "active"
    if status not in STATUSES:
        raise ConfigError(f"status {status!r}", key=where, hint="write " + ", ".join(STATUSES))
    try:
        zone = checked_timezone(timezone) if timezone.strip() else ""
    except ValueError as exc:
        raise ConfigError(str(exc), key=where, hint="an IANA time zone name") from exc
    return SubscriberConfig(
        email=email,
        name=name.strip(),
        seats=seats,
        frequency=frequency,  # type: ignore[arg-type]  # checked above
        timezone=zone,
        status=status,  # type: ignore[arg-type]
    )


IMPORT_BATCH = 1000  # rows per transaction when importing


def import_csv(
    subscribers: SubscriberStore, text: str, gazetteer: Gazetteer, at: datetime
) -> ImportReport:
    """Import rows with columns email, name, seats ("; "-separated) and optionally
    frequency, timezone and status."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("email", "seats") if c not in (reader.fieldnames or [])]
    if missing:
        raise ConfigError(
            f"the CSV has no {missing[0]!r} column",
            key="FILE",
            hint="the header row must be: " + ",".join(CSV_COLUMNS),
        )
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    errors: list[str] = []
    # One entry per address: a later row for it replaces the earlier one's values.
    good: dict[str, SubscriberConfig] = {}
    first_line: dict[str, tuple[int, str]] = {}
    merged: list[str] = []
    for line, raw in enumerate(reader, start=2):
        row = {key: unprefixed(value or "") for key, value in raw.items() if key}
        try:
            subscriber = validated(
                gazetteer,
                row.get("email") or "",
                row.get("name") or "",
                (row.get("seats") or "").split(";"),
                where=f"line {line}",
                frequency=row.get("frequency") or "",
                timezone=row.get("timezone") or "",
                status=row.get("status") or "",
            )
        except ConfigError as exc:
            errors.append(str(exc).replace("\n  fix:", "; fix:"))
            continue
        earlier = first_line.setdefault(subscriber.email, (line, row["email"].strip()))
        if earlier[0] != line:
            merged.append(
                f"line {line} ({row['email'].strip()}) merged with line {earlier[0]} "
                f"({earlier[1]}): both are {subscriber.email}; line {line}'s values kept"
            )
        good[subscriber.email] = subscriber
    rows = list(good.values())
    for start in range(0, len(rows), IMPORT_BATCH):
        for outcome in subscribers.upsert_many(rows[start : start + IMPORT_BATCH], at):
            counts[outcome] += 1
    return ImportReport(
        counts["added"],
        counts["updated"],
        counts["unchanged"],
        tuple(errors),
        tuple(merged),
    )


def all_subscribers(
    configured: list[SubscriberConfig], stored: list[SubscriberConfig]
) -> list[SubscriberConfig]:
    """Config subscribers, then stored ones whose address the config does not list."""
    listed = {s.email.lower() for s in configured}
    return [*configured, *(s for s in stored if s.email.lower() not in listed)]
