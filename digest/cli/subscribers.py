"""``digest subscribers``: add, remove, list, import and export the subscribers kept in the store.

Subscribers in config.toml keep working; `list` shows both and where each comes from.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.table import Table

from digest.cli.common import (
    ConfigOption,
    JsonOption,
    check_file,
    configured_store,
    console,
    errors,
    plural,
    reported,
    store_for,
    subscribers_app,
)
from digest.clock import utc_now
from digest.config import checked_address, checked_timezone, load_config
from digest.errors import ConfigError
from digest.seats.gazetteer import load_gazetteer
from digest.subscribers import (
    FREQUENCIES,
    STATUSES,
    all_subscribers,
    import_csv,
    validated,
)


@subscribers_app.command("add")
def add_subscriber(
    email: str = typer.Argument(..., help="The subscriber's address."),
    seat: list[str] = typer.Option(..., "--seat", help="A seat to follow (repeatable)."),
    name: str = typer.Option("", "--name", help="Used in the greeting."),
    frequency: str = typer.Option("daily", "--frequency", help="daily or weekly."),
    timezone: str = typer.Option(
        "", "--timezone", help="IANA time zone the digest is dated in (default: [daemon]'s)."
    ),
    status: str = typer.Option("active", "--status", help="active, paused or unsubscribed."),
    config: Path = ConfigOption,
) -> None:
    """Add a subscriber (or change an existing one's seats, name, frequency or status).

    An address also listed under [[subscribers]] in config.toml is stored, but the config
    entry is the one used while it is there.
    """
    with reported():
        settings = load_config(config)
        _check_choices(frequency, timezone, status)
        subscriber = validated(
            load_gazetteer(),
            email,
            name,
            list(seat),
            where="--seat",
            address_where="EMAIL",
            frequency=frequency,
            timezone=timezone,
            status=status,
        )
        with store_for(settings, None, temporary=False) as store:
            outcome = store.subscribers.upsert(subscriber, utc_now())
    console.print(f"{outcome} {subscriber.email}: {'; '.join(subscriber.seats)}", highlight=False)
    listed = [s for s in settings.subscribers if s.email.lower() == subscriber.email.lower()]
    if listed:
        errors.print(
            f"warning: {subscriber.email} is also listed under [[subscribers]] in "
            f"{settings.config_path or 'config.toml'}; that entry wins (seats: "
            f"{'; '.join(listed[0].seats)}), so this stored one is not used until the "
            "config entry is deleted",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )


def _check_choices(frequency: str, timezone: str, status: str) -> None:
    """Blame the option at fault: ``validated`` names one place for all of a row's fields."""
    if (frequency.strip().lower() or "daily") not in FREQUENCIES:
        raise ConfigError(
            f"frequency {frequency!r}", key="--frequency", hint='write "daily" or "weekly"'
        )
    if (status.strip().lower() or "active") not in STATUSES:
        raise ConfigError(f"status {status!r}", key="--status", hint="write " + ", ".join(STATUSES))
    if timezone.strip():
        try:
            checked_timezone(timezone)
        except ValueError as exc:
            raise ConfigError(str(exc), key="--timezone", hint="an IANA time zone name") from exc


@subscribers_app.command("remove")
def remove_subscriber(
    email: str = typer.Argument(..., help="The subscriber's address."),
    config: Path = ConfigOption,
) -> None:
    """Remove a stored subscriber (ones in config.toml are removed by editing it)."""
    with reported():
        settings = load_config(config)
        try:
            ascii_form = checked_address(email)
        except ValueError:
            ascii_form = email.lower()
        if {email.lower(), ascii_form} & {s.email.lower() for s in settings.subscribers}:
            raise ConfigError(
                f"{email} is listed in config.toml",
                path=settings.config_path,
                key="subscribers",
                hint="delete its [[subscribers]] entry from the config file instead",
            )
        with store_for(settings, None, temporary=False) as store:
            removed = store.subscribers.remove(email)
    if not removed:
        errors.print(f"no stored subscriber {email}")
        raise typer.Exit(1)
    console.print(f"removed {email}", highlight=False)


@subscribers_app.command("list")
def list_subscribers(config: Path = ConfigOption, as_json: bool = JsonOption) -> None:
    """Every subscriber: from config.toml and from the store."""
    with reported(), configured_store(config) as (settings, store):
        # Stored rows as they are: one no send can use (a non-ASCII local part kept by an
        # older seatwatch) is shown, so the operator can see it and remove it.
        everyone = all_subscribers(list(settings.subscribers), store.subscribers.stored())
    configured = {s.email for s in settings.subscribers}
    rows = [
        {
            "email": s.email,
            "name": s.name,
            "seats": s.seats,
            "frequency": s.frequency,
            "timezone": s.timezone,
            "status": s.status,
            "origin": "config" if s.email in configured else "store",
        }
        for s in everyone
    ]
    if as_json:
        console.print_json(json.dumps({"subscribers": rows}, ensure_ascii=False))
        return
    table = Table(title=plural(len(rows), "subscriber"))
    for column in ("Email", "Name", "Seats", "Frequency", "Time zone", "Status", "From"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            str(row["email"]),
            str(row["name"]),
            "; ".join(row["seats"]),
            str(row["frequency"]),
            str(row["timezone"]) or "(daemon's)",
            str(row["status"]),
            str(row["origin"]),
        )
    console.print(table)


@subscribers_app.command("import")
def import_subscribers(
    file: Path = typer.Argument(
        ..., help="CSV with a header row: email,name,seats[,frequency,timezone,status]."
    ),
    config: Path = ConfigOption,
) -> None:
    """Add or update subscribers from CSV; bad rows are reported by line and skipped."""
    with reported():
        settings = load_config(config)
        check_file(file, key="FILE", hint="a UTF-8 CSV")
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"{file}: cannot read ({exc})", key="FILE", hint="a UTF-8 CSV"
            ) from exc
        with store_for(settings, None, temporary=False) as store:
            report = import_csv(store.subscribers, text, load_gazetteer(), utc_now())
    console.print(
        f"{file}: {report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
        f"{len(report.errors)} rejected"
        + (f", {len(report.merged)} merged with an earlier row" if report.merged else ""),
        highlight=False,
    )
    for merged in report.merged:
        console.print(f"  {merged}", highlight=False, soft_wrap=True)
    for error in report.errors:
        errors.print(f"  {error}", highlight=False)
    if report.errors:
        raise typer.Exit(1)


@subscribers_app.command("export")
def export_subscribers(
    config: Path = ConfigOption,
    out: Path | None = typer.Option(None, "--out", "-o", help="Write here instead of stdout."),
) -> None:
    """Stored subscribers as CSV, in the format `import` reads."""
    with reported(), configured_store(config) as (_, store):
        text = store.subscribers.export_csv()
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}", highlight=False)
