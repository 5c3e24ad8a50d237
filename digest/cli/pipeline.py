"""The pipeline commands: ``send``, ``run`` and ``poll`` (``preview`` and ``status`` have their
own modules)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from rich.markup import escape

# Imported first so that ``preview`` is registered, and listed in --help, before ``send``.
from digest.cli import preview as _preview  # noqa: F401
from digest.cli.common import (
    ConfigOption,
    app,
    as_stored,
    configured_store,
    console,
    errors,
    plural,
    reported,
)
from digest.cli.poll_progress import poll_with_progress
from digest.config import SubscriberConfig
from digest.delivery.backends import MailBackend, create_backend
from digest.delivery.backends.file import FileBackend
from digest.errors import ConfigError
from digest.pipeline import (
    send_due,
    utc_now,
)
from digest.polling import all_sources
from digest.seats.follows import resolve_everyone
from digest.seats.gazetteer import load_gazetteer
from digest.subscribers import all_subscribers


@app.command()
def send(
    config: Path = ConfigOption,
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Write previews with the file backend instead of sending."
    ),
    subscriber: list[str] = typer.Option(
        [], "--subscriber", help="Only this subscriber (repeatable)."
    ),
    no_poll: bool = typer.Option(False, "--no-poll", help="Send from what is stored already."),
    force: bool = typer.Option(
        False, "--all", help="Poll every enabled source now, even those not due yet."
    ),
) -> None:
    """Poll, then send each subscriber this period's digest through the configured backend."""
    with reported(), configured_store(config) as (settings, store):
        subscriber = as_stored(subscriber)
        wanted = [s for s in settings.subscribers if not subscriber or s.email in subscriber]
        unusable: list[str] = []
        unreadable: list[str] = []  # stored rows no message can be addressed to

        def unaddressable(address: str, why: str) -> None:
            if not subscriber or address in subscriber:
                unreadable.append(f"{address}: skipped, {why}")

        everyone = store.subscribers.all(on_error=unaddressable)
        stored = [s for s in everyone if not subscriber or s.email in subscriber]
        configured = all_subscribers(wanted, stored)
        if not configured:
            raise ConfigError(
                "no subscribers to send to",
                key="subscribers",
                hint="add a [[subscribers]] entry (or check --subscriber)",
            )

        def skip(entry: SubscriberConfig, exc: ConfigError) -> None:
            unusable.append(f"{entry.email}: skipped, {exc}")

        subscribers = resolve_everyone(
            load_gazetteer(), wanted, stored, path=settings.config_path, on_error=skip
        )
        if dry_run:
            backend: MailBackend = FileBackend.from_config(
                settings.delivery.options("file"), settings.base_dir
            )
        else:
            backend = create_backend(
                settings.delivery.backend,
                settings.delivery.options(settings.delivery.backend),
                settings.base_dir,
            )
        if not no_poll:
            poll_with_progress(settings, store, all_sources(settings.sources, store), force=force)
        deliveries = send_due(settings, store, subscribers, backend, utc_now(), dry_run=dry_run)
    sent = [d for d in deliveries if d.error is None]
    failed = [d for d in deliveries if d.error]
    skipped = len(configured) - len(deliveries) - len(unusable)
    console.print(
        f"{'previewed' if dry_run else 'sent'} {plural(len(sent), 'digest')} through "
        f"{backend.name}, "
        f"{len(failed) + len(unusable) + len(unreadable)} failed, {skipped} skipped "
        "(nothing new, already sent this period, or not active)",
        highlight=False,
    )
    problems = [f"{d.subscriber.email}: {d.error}" for d in failed] + unusable + unreadable
    for problem in problems:
        errors.print(f"[bold red]error:[/] {escape(problem)}", highlight=False)
    if problems:
        raise typer.Exit(1)


@app.command()
def run(config: Path = ConfigOption) -> None:
    """Run as a daemon: poll on [daemon] poll_every_seconds, send on [daemon] send_cron."""
    from digest.daemon import run_daemon  # APScheduler is only needed by the daemon

    with reported():
        run_daemon(config, say=_say)


def _say(line: str) -> None:
    """One daemon line on stdout, with the local time: a daemon is never silent."""
    console.print(
        f"{datetime.now().astimezone():%Y-%m-%d %H:%M:%S} {line}",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )


@app.command()
def poll(
    config: Path = ConfigOption,
    force: bool = typer.Option(
        False, "--all", help="Poll every enabled source now, even those not due yet."
    ),
) -> None:
    """Poll every due source once (configured and added ones) and store what is new."""
    with reported(), configured_store(config) as (settings, store):
        report = poll_with_progress(
            settings, store, all_sources(settings.sources, store), force=force
        )
    if report.polled and len(report.failed) == len(report.polled):
        raise typer.Exit(1)
