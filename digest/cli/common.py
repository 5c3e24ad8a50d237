"""What every ``digest`` command shares: the app, consoles, options and error reporting.

Exit codes: 0 success, 1 a reported failure (a source or a send failed and nothing could be
done), 2 bad usage or bad configuration. Output for people goes through rich; ``--json``
output is stable and documented in ``docs/cli.md``.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape

from digest import __version__
from digest.config import Settings, load_config
from digest.errors import ConfigError, DigestError
from digest.store.core import Store

app = typer.Typer(
    help="seatwatch: news digests for UK parliamentary seats.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
seats_app = typer.Typer(
    help="Look up seats and MPs in the shipped gazetteer.", no_args_is_help=True
)
sources_app = typer.Typer(
    help="Manage sources: list, add, remove, import and export (OPML).", no_args_is_help=True
)
subscribers_app = typer.Typer(
    help="Manage subscribers kept in the store: add, remove, list, import and export (CSV).",
    no_args_is_help=True,
)
app.add_typer(seats_app, name="seats")
app.add_typer(subscribers_app, name="subscribers")
app.add_typer(sources_app, name="sources")

console = Console()
errors = Console(stderr=True)

T = TypeVar("T")

ConfigOption = typer.Option(
    Path("config.toml"), "--config", "-c", help="The config file.", show_default=True
)
JsonOption = typer.Option(False, "--json", help="Print JSON (stable; see docs/cli.md).")


def fail(message: str, code: int) -> typer.Exit:
    # Escaped: messages quote config tables ("[delivery.smtp]") that rich would eat as markup.
    errors.print(f"[bold red]error:[/] {escape(message)}", highlight=False, markup=True)
    return typer.Exit(code)


@contextmanager
def reported() -> Iterator[None]:
    """Turn our errors into a message and the contract's exit code."""
    try:
        yield
    except ConfigError as exc:
        raise fail(str(exc), 2) from exc
    except DigestError as exc:
        raise fail(str(exc), 1) from exc


def run(action: Callable[[], T]) -> T:
    with reported():
        return action()


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


@app.callback()
def _main(
    verbose: int = typer.Option(
        0, "--verbose", "-v", count=True, help="More log output (-vv for debug)."
    ),
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
    log_format: LogFormat = typer.Option(
        LogFormat.TEXT,
        "--log-format",
        help="text (for people) or json (one object per line, for log collectors).",
    ),
) -> None:
    """seatwatch: news digests for UK parliamentary seats."""
    if version:
        console.print(f"seatwatch {__version__}")
        raise typer.Exit(0)
    level = logging.WARNING - 10 * min(verbose, 2)
    handler: logging.Handler
    if log_format is LogFormat.JSON:
        from pythonjsonlogger.json import JsonFormatter

        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                datefmt="%Y-%m-%dT%H:%M:%S%z",
            )
        )
    else:
        handler = RichHandler(console=errors, show_path=False, show_time=verbose > 1)
    logging.basicConfig(level=level, format="%(name)s: %(message)s", handlers=[handler], force=True)
    # The scheduler narrates every job run at INFO; keep that for -vv.
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if verbose > 1 else logging.WARNING)


@contextmanager
def store_for(settings: Settings, store_path: Path | None, *, temporary: bool) -> Iterator[Store]:
    if temporary:
        with tempfile.TemporaryDirectory(prefix="seatwatch-") as folder:
            store = Store.open(Path(folder) / "preview.sqlite3")
            try:
                yield store
            finally:
                store.close()
        return
    path = (
        store_path.expanduser().resolve() if store_path else settings.resolve(settings.store.path)
    )
    store = Store.open(path)
    try:
        yield store
    finally:
        store.close()


@contextmanager
def configured_store(config: Path) -> Iterator[tuple[Settings, Store]]:
    """The validated config and its store, for commands that need both."""
    settings = load_config(config)
    with store_for(settings, None, temporary=False) as store:
        yield settings, store


def when(value: datetime | None) -> str:
    """A time for tables: UTC to the minute, or "never"."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "never"


def iso(value: datetime | None) -> str | None:
    """A time for JSON: ISO 8601 in UTC."""
    return value.astimezone(UTC).isoformat() if value else None
