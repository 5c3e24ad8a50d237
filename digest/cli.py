"""The ``digest`` command line: one small function per command.

Exit codes: 0 success, 1 a reported failure (a source or a send failed and nothing could be
done), 2 bad usage or bad configuration. Output for people goes through rich; ``--json``
output is stable and documented in ``docs/cli.md``.
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from digest import __version__
from digest.backends.file import FileBackend
from digest.clean import clean_body, clean_title
from digest.compose import resolve_subscribers
from digest.config import Settings, SourceConfig, SubscriberConfig, load_config
from digest.errors import ConfigError, DigestError
from digest.models import SourceKind
from digest.pipeline import PollReport, SourceOutcome, compose_all, deliver_all, poll_all, utc_now
from digest.seats.gazetteer import load_gazetteer
from digest.seats.tagger import tag_text
from digest.sources.base import is_url
from digest.sources.folder import parse_article_text
from digest.store import Store
from digest.summarise import summarise_text

app = typer.Typer(
    help="seatwatch: news digests for UK parliamentary seats.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
seats_app = typer.Typer(
    help="Look up seats and MPs in the shipped gazetteer.", no_args_is_help=True
)
app.add_typer(seats_app, name="seats")

console = Console()
errors = Console(stderr=True)
log = logging.getLogger("digest")

PREVIEW_EMAIL = "preview@seatwatch.invalid"
T = TypeVar("T")

ConfigOption = typer.Option(
    Path("config.toml"), "--config", "-c", help="The config file.", show_default=True
)
JsonOption = typer.Option(False, "--json", help="Print JSON (stable; see docs/cli.md).")


def _fail(message: str, code: int) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    return typer.Exit(code)


@contextmanager
def _reported() -> Iterator[None]:
    """Turn our errors into a message and the contract's exit code."""
    try:
        yield
    except ConfigError as exc:
        raise _fail(str(exc), 2) from exc
    except DigestError as exc:
        raise _fail(str(exc), 1) from exc


def _run(action: Callable[[], T]) -> T:
    with _reported():
        return action()


@app.callback()
def _main(
    verbose: int = typer.Option(
        0, "--verbose", "-v", count=True, help="More log output (-vv for debug)."
    ),
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    """seatwatch: news digests for UK parliamentary seats."""
    if version:
        console.print(f"seatwatch {__version__}")
        raise typer.Exit(0)
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(
        level=level,
        format="%(name)s: %(message)s",
        handlers=[RichHandler(console=errors, show_path=False, show_time=verbose > 1)],
        force=True,
    )


def _source_from_argument(text: str) -> SourceConfig:
    """A source for ``--source``: a folder of article files, a feed file, or a feed URL."""
    if is_url(text):
        return SourceConfig(name=text, kind=SourceKind.FEED, location=text)
    path = Path(text).expanduser().resolve()
    if not path.exists():
        raise ConfigError(
            f"{text} does not exist",
            key="--source",
            hint="give a folder of article .txt files, a feed file, or an http(s) feed URL",
        )
    kind = SourceKind.FOLDER if path.is_dir() else SourceKind.FEED
    return SourceConfig(name=path.name or str(path), kind=kind, location=str(path))


def _poll_with_progress(
    settings: Settings, store: Store, sources: list[SourceConfig]
) -> PollReport:
    enabled = [s for s in sources if s.enabled]
    with Progress(
        TextColumn("[bold]polling[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=errors,
        transient=True,
        disable=not errors.is_terminal,
    ) as progress:
        task = progress.add_task("", total=len(enabled))

        def advance(outcome: SourceOutcome) -> None:
            progress.update(task, advance=1, description=outcome.name)

        report = poll_all(settings, store, sources=enabled, on_progress=advance)
    _print_poll_report(report)
    return report


def _print_poll_report(report: PollReport) -> None:
    """One summary line; each failure and warning was already logged with its reason."""
    total = sum(o.items for o in report.outcomes)
    failed = ", ".join(repr(o.name) for o in report.failed)
    errors.print(
        f"polled {len(report.outcomes)} sources: {total} items, {report.added} new articles, "
        f"{len(report.failed)} failed" + (f" ({failed})" if failed else ""),
        highlight=False,
    )


@app.command()
def preview(
    config: Path = ConfigOption,
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Folder for the previews (default: [delivery.file] out_dir)."
    ),
    subscriber: list[str] = typer.Option(
        [], "--subscriber", help="Only this subscriber (repeatable)."
    ),
    seat: list[str] = typer.Option(
        [],
        "--seat",
        help="Preview for these seats instead of the configured subscribers (repeatable).",
    ),
    source: list[str] = typer.Option(
        [],
        "--source",
        help="Use this folder, feed file or feed URL instead of the configured sources"
        " (repeatable).",
    ),
    store_path: Path | None = typer.Option(
        None,
        "--store",
        help="Store to use (default: a temporary one with --source/--seat, else [store] path).",
    ),
) -> None:
    """Poll, process and render digests without sending: write .html, .txt, .eml and index.html."""
    with _reported():
        settings = load_config(config)
        sources = [_source_from_argument(s) for s in source] or list(settings.sources)
        if seat:
            configured = [SubscriberConfig(email=PREVIEW_EMAIL, name="", seats=list(seat))]
        else:
            configured = [
                s for s in settings.subscribers if not subscriber or s.email in subscriber
            ]
            missing = set(subscriber) - {s.email for s in configured}
            if missing:
                raise ConfigError(
                    f"no subscriber {sorted(missing)[0]!r} in the config",
                    key="--subscriber",
                    hint="use an email listed under [[subscribers]], or --seat NAME",
                )
        if not configured:
            raise ConfigError(
                "no subscribers to preview",
                key="subscribers",
                hint="add a [[subscribers]] entry or pass --seat NAME",
            )
        subscribers = resolve_subscribers(
            load_gazetteer(),
            configured,
            path=None if seat else settings.config_path,
            where="--seat" if seat else "subscribers[{index}].seats",
        )
        if not sources:
            raise ConfigError(
                "no sources", key="sources", hint="add a [[sources]] entry or pass --source"
            )
        if settings.delivery.backend == FileBackend.name:
            backend = FileBackend.from_config(settings.delivery.options("file"), settings.base_dir)
        else:
            backend = FileBackend.from_config({}, settings.base_dir)
        if out is not None:
            backend = FileBackend(out.expanduser().resolve())
        temporary = seat or source
        with _store_for(
            settings, store_path, temporary=bool(temporary and store_path is None)
        ) as store:
            report = _poll_with_progress(settings, store, sources)
            if report.outcomes and len(report.failed) == len(report.outcomes):
                raise DigestError("every source failed; no digest written")
            now = utc_now()
            digests = compose_all(settings, store, subscribers, now)
            deliveries = deliver_all(digests, settings, store, backend, kind="preview", now=now)
        _print_previews(
            backend,
            deliveries_failed=[d for d in deliveries if d.error],
            skipped=len(digests) - len(deliveries),
        )


@contextmanager
def _store_for(settings: Settings, store_path: Path | None, *, temporary: bool) -> Iterator[Store]:
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


def _print_previews(backend: FileBackend, deliveries_failed: list[Any], skipped: int) -> None:
    table = Table(title=f"Previews written to {backend.out_dir}", show_lines=False)
    table.add_column("To")
    table.add_column("Stories", justify="right")
    table.add_column("Files (.html, .txt, .eml)", overflow="fold")
    for files in backend.written:
        table.add_row(files.to, str(files.stories), files.html.stem)
    if backend.written:
        console.print(table)
        console.print(
            f"Open {backend.out_dir / 'index.html'} to browse them.",
            highlight=False,
            soft_wrap=True,
        )
    else:
        console.print("No digests written: nothing new for any subscriber.")
    if skipped:
        console.print(f"{skipped} subscriber(s) had nothing new and got no digest.")
    for delivery in deliveries_failed:
        errors.print(
            f"[bold red]error:[/] {delivery.subscriber.email}: {delivery.error}", highlight=False
        )
    if deliveries_failed:
        raise typer.Exit(1)


@app.command()
def poll(config: Path = ConfigOption) -> None:
    """Poll every configured source once and store what is new."""
    with _reported():
        settings = load_config(config)
        with _store_for(settings, None, temporary=False) as store:
            report = _poll_with_progress(settings, store, list(settings.sources))
    if report.outcomes and len(report.failed) == len(report.outcomes):
        raise typer.Exit(1)


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "never"


@app.command()
def status(config: Path = ConfigOption, as_json: bool = JsonOption) -> None:
    """Sources (last poll, errors), stored articles and the last digest per subscriber."""
    with _reported():
        settings = load_config(config)
        with _store_for(settings, None, temporary=False) as store:
            statuses = {s.name: s for s in store.source_statuses()}
            articles = store.article_count()
            digests = store.recent_digests()
            version = store.schema_version()
    configured = [s.name for s in settings.sources]
    names = configured + [n for n in statuses if n not in configured]
    if as_json:
        payload = {
            "store": str(settings.resolve(settings.store.path)),
            "schema_version": version,
            "articles": articles,
            "sources": [
                {
                    "name": name,
                    "configured": name in configured,
                    "last_poll": _iso(statuses[name].last_poll_at) if name in statuses else None,
                    "last_success": _iso(statuses[name].last_success_at)
                    if name in statuses
                    else None,
                    "last_error": statuses[name].last_error if name in statuses else None,
                    "consecutive_failures": statuses[name].consecutive_failures
                    if name in statuses
                    else 0,
                    "items_seen": statuses[name].items_seen if name in statuses else 0,
                    "articles_added": statuses[name].articles_added if name in statuses else 0,
                }
                for name in names
            ],
            "digests": [
                {
                    "subscriber": d.subscriber,
                    "period": d.period,
                    "kind": d.kind,
                    "backend": d.backend,
                    "stories": d.story_count,
                    "at": _iso(d.created_at),
                }
                for d in digests
            ],
        }
        console.print_json(json.dumps(payload))
        return
    console.print(
        f"store: {settings.resolve(settings.store.path)} (schema {version}), {articles} articles",
        highlight=False,
    )
    table = Table(title="Sources")
    for column in ("Source", "Last poll", "Last success", "Failures", "Items", "New", "Last error"):
        table.add_column(column)
    for name in names:
        s = statuses.get(name)
        if s is None:
            table.add_row(name, "never", "never", "0", "0", "0", "")
        else:
            table.add_row(
                name + ("" if name in configured else " (not in config)"),
                _when(s.last_poll_at),
                _when(s.last_success_at),
                str(s.consecutive_failures),
                str(s.items_seen),
                str(s.articles_added),
                s.last_error or "",
            )
    console.print(table)
    digest_table = Table(title="Last digest per subscriber")
    for column in ("Subscriber", "Period", "Kind", "Backend", "Stories", "At"):
        digest_table.add_column(column)
    for d in digests:
        digest_table.add_row(
            d.subscriber, d.period, d.kind, d.backend, str(d.story_count), _when(d.created_at)
        )
    console.print(digest_table)


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _read_article(file: str) -> tuple[str, str]:
    """Title and cleaned body of an article file, or of stdin for ``-``."""
    if file == "-":
        text = sys.stdin.read()
    else:
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError as exc:
            raise ConfigError(
                f"{file}: no such file", key="FILE", hint="give an article text file or - for stdin"
            ) from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise DigestError(f"{file}: cannot read as UTF-8 text ({exc})") from exc
    try:
        item = parse_article_text(text, source_name="cli", guid=file, published=None)
    except ValueError as exc:
        raise DigestError(
            f"{file}: not an article file ({exc}); the title goes on line 1, the body below"
        ) from exc
    return clean_title(item.title), clean_body(item.body, is_html=False)


def _parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{value!r} is not a date; write YYYY-MM-DD", param_hint="--date"
        ) from exc


@app.command()
def tag(
    file: str = typer.Argument(..., help="An article text file (title on line 1), or - for stdin."),
    day: str | None = typer.Option(
        None, "--date", help="The article's date, YYYY-MM-DD (default: today)."
    ),
    as_json: bool = JsonOption,
) -> None:
    """The Westminster seats an article is about (primary) or mentions."""
    when = _parse_day(day)
    title, body = _run(lambda: _read_article(file))
    boundary_set, tags = tag_text(title, body, when)
    payload = {
        "file": file,
        "title": title,
        "date": (when or date.today()).isoformat(),
        "boundary_set": boundary_set,
        "seats": [
            {
                "code": t.code,
                "name": t.name,
                "boundary_set": t.boundary_set,
                "role": t.role.value,
                "score": t.score,
                "evidence": [
                    {"start": e.start, "end": e.end, "text": e.text, "kind": e.kind.value}
                    for e in t.evidence
                ],
            }
            for t in tags
        ],
    }
    if as_json:
        console.print_json(json.dumps(payload, ensure_ascii=False))
        return
    console.print(f"{title}\nboundary set {boundary_set}, date {payload['date']}", highlight=False)
    table = Table()
    for column in ("Seat", "Code", "Set", "Role", "Score", "Evidence"):
        table.add_column(column)
    for t in tags:
        evidence = ", ".join(sorted({e.text for e in t.evidence}))
        table.add_row(t.name, t.code, t.boundary_set, t.role.value, f"{t.score:.3f}", evidence)
    console.print(table)


@app.command()
def summarise(
    file: str = typer.Argument(..., help="An article text file (title on line 1), or - for stdin."),
    sentences: int = typer.Option(
        2, "--sentences", "-n", min=1, max=10, help="How many sentences."
    ),
    as_json: bool = JsonOption,
) -> None:
    """The summary sentences of one article."""
    title, body = _run(lambda: _read_article(file))
    chosen = summarise_text(body, sentences, title=title)
    if as_json:
        console.print_json(
            json.dumps(
                {"file": file, "title": title, "sentences": list(chosen)}, ensure_ascii=False
            )
        )
        return
    console.print(title, style="bold", highlight=False)
    for sentence in chosen:
        console.print(f"- {sentence}", highlight=False)


@seats_app.command("search")
def seats_search(
    text: str = typer.Argument(..., help="A seat name (or part of one), a code, or an MP's name."),
    limit: int = typer.Option(10, "--limit", min=1, help="At most this many results."),
    as_json: bool = JsonOption,
) -> None:
    """Find seats by name (fuzzy, both boundary sets) or by their MPs' names."""
    gazetteer = load_gazetteer()
    results: list[dict[str, Any]] = [
        {
            "kind": "seat",
            "code": m.seat.code,
            "name": m.seat.name,
            "boundary_set": m.seat.boundary_set,
            "county": m.seat.county,
            "region": m.seat.region,
            "score": m.score,
        }
        for m in gazetteer.search(text, limit=limit)
    ]
    wanted = text.casefold()
    seen: set[tuple[str, str, str]] = set()
    for term in gazetteer.mp_terms:
        if any(wanted in v.casefold() for v in term.variants):
            key = (term.name, term.seat_code, term.boundary_set)
            if key in seen:
                continue
            seen.add(key)
            results.append(
                {
                    "kind": "mp",
                    "code": term.seat_code,
                    "name": term.seat_name,
                    "boundary_set": term.boundary_set,
                    "mp": term.name,
                    "party": term.party,
                    "from": term.start.isoformat(),
                    "to": term.end.isoformat() if term.end else None,
                }
            )
    results = results[: limit * 2]
    if as_json:
        console.print_json(json.dumps({"query": text, "results": results}, ensure_ascii=False))
        return
    if not results:
        errors.print(f"nothing matches {text!r}")
        raise typer.Exit(1)
    table = Table()
    for column in ("Seat", "Code", "Set", "Match"):
        table.add_column(column)
    for r in results:
        match = (
            f"MP {r['mp']} ({r['party']}, {r['from']} to {r['to'] or 'now'})"
            if r["kind"] == "mp"
            else f"name, score {r['score']:.2f}"
        )
        table.add_row(r["name"], r["code"], r["boundary_set"], match)
    console.print(table)


def main() -> None:
    """Console-script entry point."""
    app()
