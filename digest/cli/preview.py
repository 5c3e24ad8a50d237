"""The ``preview`` command: poll, compose and render digests into files instead of
sending them, and say why when nothing was written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
import typer
from rich.table import Table

from digest.cli.common import (
    ConfigOption,
    app,
    as_stored,
    console,
    errors,
    plural,
    reported,
    store_for,
)
from digest.cli.poll_progress import poll_with_progress
from digest.cli.screenshots import write_screenshots
from digest.config import Settings, SourceConfig, SubscriberConfig, load_config
from digest.delivery.backends.file import FileBackend
from digest.errors import ConfigError, DigestError
from digest.models import SourceKind, Subscriber
from digest.pipeline import (
    PollReport,
    compose_all,
    deliver_all,
    renderer_for,
    utc_now,
)
from digest.polling import all_sources
from digest.render.screenshots import check_screenshots_possible
from digest.seats.follows import SeatFollow, resolve_subscribers
from digest.seats.gazetteer import load_gazetteer
from digest.sources.base import is_url, source_for_location, with_unique_names
from digest.store.core import Store
from digest.store.schema import seat_tags_table
from digest.subscribers import all_subscribers

PREVIEW_EMAIL = "preview@seatwatch.invalid"


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
    full_text: bool = typer.Option(
        False,
        "--full-text",
        help="Fetch article pages for the teasers of a --source feed file too (by default a"
        " preview from local files does not reach out to the web).",
    ),
    screenshots: bool = typer.Option(
        False,
        "--screenshots",
        help="Also write PNG screenshots of each digest, 420 and 1200 px wide, light and"
        " dark, beside its .html (needs Chromium and the playwright package).",
    ),
) -> None:
    """Poll, process and render digests without sending: write .html, .txt, .eml and index.html."""
    with reported():
        if screenshots:  # said before polling, not after
            check_screenshots_possible()
        settings = load_config(config)
        explicit = with_unique_names(
            [_offline(source_for_location(s, key="--source"), full_text) for s in source]
        )
        if settings.delivery.backend == FileBackend.name:
            backend = FileBackend.from_config(settings.delivery.options("file"), settings.base_dir)
        else:
            backend = FileBackend.from_config({}, settings.base_dir)
        if out is not None:
            backend = FileBackend(out.expanduser().resolve())
        temporary = seat or source
        with store_for(
            settings, store_path, temporary=bool(temporary and store_path is None)
        ) as store:
            subscribers = _preview_subscribers(settings, store, seat, subscriber)
            sources = explicit or all_sources(settings.sources, store)
            if not sources:
                raise ConfigError(
                    "no sources", key="sources", hint="add a [[sources]] entry or pass --source"
                )
            report = poll_with_progress(settings, store, sources)
            if report.polled and len(report.failed) == len(report.polled):
                raise DigestError("every source failed; no digest written")
            now = utc_now()
            digests = compose_all(settings, store, subscribers, now)
            deliveries = deliver_all(
                digests,
                settings.digest,
                settings.delivery,
                store,
                backend,
                renderer=renderer_for(settings),
                kind="preview",
                now=now,
            )
            why = "" if backend.written else _why_nothing(store, report, sources, seat)
        if screenshots:
            write_screenshots(backend)
        _print_previews(
            backend,
            deliveries_failed=[d for d in deliveries if d.error],
            skipped=len(digests) - len(deliveries),
            why=why,
        )
        if not backend.written and explicit and not sum(o.items for o in report.polled):
            raise typer.Exit(1)  # the sources asked for held nothing at all: not a preview


def _offline(source: SourceConfig, full_text: bool) -> SourceConfig:
    """A ``--source`` feed file reads no article pages unless ``--full-text`` asks."""
    if is_url(source.location) or source.kind is not SourceKind.FEED:
        return source
    return source.model_copy(update={"full_text": full_text})


def _why_nothing(
    store: Store, report: PollReport, sources: list[SourceConfig], seats: list[str]
) -> str:
    """What the sources held, and why no digest came of it."""
    empty = [o for o in report.polled if not o.items and not o.error]
    if not sum(o.items for o in report.polled):
        kinds = {s.name: s for s in sources}
        reasons = [
            f"{o.name!r} holds no article .txt files (title on line 1, body below)"
            if o.name in kinds and kinds[o.name].kind is SourceKind.FOLDER
            else f"{o.name!r} has no items"
            for o in empty
        ]
        return "the sources held no articles: " + "; ".join(reasons or ["every source failed"])
    named = _seats_named(store)
    if not named:
        return (
            f"{plural(store.article_count(), 'article')} stored, but none names a Westminster"
            " seat, its MP or a place in one"
        )
    about = ", ".join(f"{name} ({count})" for name, count in named)
    wanted = f" none is about {'; '.join(seats)}," if seats else ""
    return (
        f"{plural(store.article_count(), 'article')} stored;{wanted} the seats they name"
        f" most (articles): {about}"
    )


def _seats_named(store: Store, limit: int = 8) -> list[tuple[str, int]]:
    """The seats the stored articles name most, with how many articles name each."""
    articles = sa.func.count(sa.distinct(seat_tags_table.c.article_id))
    query = (
        sa.select(seat_tags_table.c.name, articles)
        .group_by(seat_tags_table.c.name)
        .order_by(articles.desc(), seat_tags_table.c.name)
        .limit(limit)
    )
    with store.engine.connect() as connection:
        return [(str(name), int(count)) for name, count in connection.execute(query)]


def _preview_subscribers(
    settings: Settings, store: Store, seats: list[str], wanted: list[str]
) -> list[tuple[Subscriber, tuple[SeatFollow, ...]]]:
    """One preview subscriber for ``--seat``, else the configured and stored subscribers."""
    wanted = as_stored(wanted)
    if seats:
        # A stand-in address that is never delivered to (.invalid), so not validated.
        preview = [
            SubscriberConfig.model_construct(email=PREVIEW_EMAIL, name="", seats=list(seats))
        ]
        return resolve_subscribers(load_gazetteer(), preview, where="--seat")
    everyone = all_subscribers(list(settings.subscribers), store.subscribers.all())
    configured = [s for s in everyone if not wanted or s.email in wanted]
    missing = set(wanted) - {s.email for s in configured}
    if missing:
        raise ConfigError(
            f"no subscriber {sorted(missing)[0]!r} in the config or the store",
            key="--subscriber",
            hint="use an email listed under [[subscribers]] or `digest subscribers list`",
        )
    if not configured:
        raise ConfigError(
            "no subscribers to preview",
            key="subscribers",
            hint="add a [[subscribers]] entry, `digest subscribers add`, or pass --seat NAME",
        )
    return resolve_subscribers(load_gazetteer(), configured, path=settings.config_path)


def _print_previews(
    backend: FileBackend, deliveries_failed: list[Any], skipped: int, why: str = ""
) -> None:
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
        console.print(
            f"No digests written: {why or 'nothing new for any subscriber'}.",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    if skipped:
        console.print(
            f"{plural(skipped, 'subscriber')} had nothing new and got no digest.", highlight=False
        )
    for delivery in deliveries_failed:
        errors.print(
            f"[bold red]error:[/] {delivery.subscriber.email}: {delivery.error}", highlight=False
        )
    if deliveries_failed:
        raise typer.Exit(1)
