"""What every ``digest`` command shares: the app, consoles, options and error reporting.

Exit codes: 0 success, 1 a reported failure (a source or a send failed and nothing could be
done), 2 bad usage or bad configuration. Output for people goes through rich; ``--json``
output is stable and documented in ``docs/cli.md``.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar, get_args

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from sqlalchemy.exc import SQLAlchemyError
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from digest import __version__
from digest.config import Settings, load_config
from digest.errors import ConfigError, DigestError, StoreError
from digest.store.core import Store


class _PlainArgument(TyperArgument):
    """An argument shown as its upper-case name alone (``EMAIL``), as click shows it.

    typer prints ``{email}`` in the usage line and a ``<str>`` type beside every argument,
    which tells a user nothing the name does not.
    """

    def display_type_rich(self, ctx: Any) -> str | None:  # ctx: typer's own click Context
        return None

    def _usage_display_name(self) -> str:
        name = self.display_name_raw
        return (name if self.required else f"[{name}]") + ("..." if self.nargs != 1 else "")


def _placeholder(option: TyperOption) -> str:
    """click's name for what an option takes."""
    kind = option.type_descriptor
    if kind.choices:
        return "[" + "|".join(str(c) for c in kind.choices) + "]"
    if kind.is_path:
        return "PATH"
    annotation = get_args(kind.annotation)[0] if kind.is_list else kind.annotation
    return {int: "INTEGER", float: "NUMBER"}.get(annotation, "TEXT")


def _plain_placeholders(command: TyperCommand | TyperGroup) -> None:
    """Give every option and argument of ``command`` (and its subcommands) a placeholder a
    person reads: ``TEXT``, ``PATH``, ``INTEGER``, ``[text|json]``, not ``<str>`` or
    ``<list[str]>``."""
    for param in command.params:
        if isinstance(param, TyperArgument):
            param.__class__ = _PlainArgument  # same layout: only the help display differs
            param.metavar = param.metavar or (param.name or "value").upper()
        elif isinstance(param, TyperOption) and not (param.is_flag or param.count):
            param.metavar = param.metavar or _placeholder(param)
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            if isinstance(sub, TyperCommand | TyperGroup):
                _plain_placeholders(sub)


class PlainHelpGroup(TyperGroup):
    """A command group whose help prints our texts as written.

    Rich markup would eat every config table a help text names (``[daemon]``), so help is
    plain click text (``rich_markup_mode=None``), with click's placeholders.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _plain_placeholders(self)


def _typer(help_text: str, **options: Any) -> typer.Typer:
    return typer.Typer(
        help=help_text,
        no_args_is_help=True,
        cls=PlainHelpGroup,
        rich_markup_mode=None,
        **options,
    )


app = _typer(
    "seatwatch: news digests for UK parliamentary seats.",
    add_completion=False,
    pretty_exceptions_enable=False,
)
seats_app = _typer("Look up seats and MPs in the shipped gazetteer.")
sources_app = _typer("Manage sources: list, add, remove, import and export (OPML).")
subscribers_app = _typer(
    "Manage subscribers kept in the store: add, remove, list, import and export (CSV)."
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
    except SQLAlchemyError as exc:
        # The store's own errors are translated here, once: a user reads what failed and
        # where, never a traceback (the cause stays chained for -vv logs).
        error = store_error(exc)
        raise fail(str(error), 1) from error


def store_error(exc: SQLAlchemyError) -> StoreError:
    """A database error as a ``StoreError`` that says what the store refused."""
    cause = getattr(exc, "orig", None) or exc
    reason = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
    error = StoreError(f"the store refused the operation ({reason})")
    error.__cause__ = exc
    return error


def run(action: Callable[[], T]) -> T:
    with reported():
        return action()


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


def _print_version(value: bool) -> None:
    if value:
        console.print(f"seatwatch {__version__}", highlight=False)
        raise typer.Exit(0)


class RepeatSummary(logging.Handler):
    """Pass each kind of warning on once; count the repeats and report them in one line.

    A kind is the logger and the message's template: "full text: could not fetch %s" for
    54 article pages of one offline feed is one line and a count, not 54 warnings burying
    the result. ``-v`` shows every one; the daemon (``run``) never summarises.
    """

    def __init__(self, target: logging.Handler) -> None:
        super().__init__()
        self.target = target
        self.repeats: dict[tuple[str, str], int] = {}

    def setFormatter(self, fmt: logging.Formatter | None) -> None:
        super().setFormatter(fmt)
        self.target.setFormatter(fmt)

    def emit(self, record: logging.LogRecord) -> None:
        key = (record.name, str(record.msg))
        if record.levelno >= logging.WARNING and key in self.repeats:
            self.repeats[key] += 1
            return
        if record.levelno >= logging.WARNING:
            self.repeats[key] = 0
        self.target.handle(record)

    def report(self) -> None:
        """One line per kind of warning that came more than once."""
        for (_, template), count in self.repeats.items():
            if count:
                kind = template.split("%")[0].rstrip(" :(") or template
                errors.print(
                    f"warning: {plural(count, 'more warning')} like the one above ({kind}…);"
                    " -v shows each",
                    highlight=False,
                    markup=False,
                    soft_wrap=True,
                )
        self.repeats.clear()


@app.callback()
def _main(
    ctx: typer.Context,
    verbose: int = typer.Option(
        0, "--verbose", "-v", count=True, help="More log output (-vv for debug)."
    ),
    version: bool = typer.Option(
        False,
        "--version",
        help="Print the version and exit.",
        is_eager=True,  # handled while parsing, before click asks for a command
        callback=_print_version,
    ),
    log_format: LogFormat = typer.Option(
        LogFormat.TEXT,
        "--log-format",
        help="text (for people) or json (one object per line, for log collectors).",
    ),
) -> None:
    """seatwatch: news digests for UK parliamentary seats."""
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
        if verbose == 0 and ctx.invoked_subcommand != "run":
            summary = RepeatSummary(handler)
            ctx.call_on_close(summary.report)
            handler = summary
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


def check_file(path: Path, *, key: str, hint: str) -> Path:
    """``path`` when it names a readable file; else ``ConfigError`` (exit 2) saying why.

    One rule for every path a user types: missing, a folder, or unreadable is bad usage,
    told the same way by every command.
    """
    if not path.exists():
        raise ConfigError(f"{path}: no such file", key=key, hint=hint)
    if path.is_dir():
        raise ConfigError(f"{path}: is a folder, not a file", key=key, hint=hint)
    if not os.access(path, os.R_OK):
        raise ConfigError(f"{path}: not readable (permission denied)", key=key, hint=hint)
    return path


def plural(count: int, word: str, words: str | None = None) -> str:
    """``1 source``, ``2 sources``: a count with its noun in the right number."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


def when(value: datetime | None) -> str:
    """A time for tables: UTC to the minute, or "never"."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "never"


def iso(value: datetime | None) -> str | None:
    """A time for JSON: ISO 8601 in UTC."""
    return value.astimezone(UTC).isoformat() if value else None


def as_stored(addresses: list[str]) -> list[str]:
    """``--subscriber`` values in the form addresses are kept in (ASCII, IDNA domain,
    lower-case), so ``jo@exämple.org`` finds ``jo@xn--exmple-cua.org``."""
    from digest.config import checked_address

    kept = []
    for address in addresses:
        try:
            kept.append(checked_address(address))
        except ValueError:  # not an address at all: reported as "no subscriber ..." later
            kept.append(address.strip().lower())
    return kept
