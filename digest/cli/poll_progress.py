"""A poll with a progress bar on the terminal and its one-line summary: shared by
``preview``, ``send`` and ``poll``."""

from __future__ import annotations

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from digest.cli.common import (
    errors,
    plural,
)
from digest.config import Settings, SourceConfig
from digest.pipeline import (
    PollReport,
    SourceOutcome,
    poll_configured,
)
from digest.store.core import Store


def poll_with_progress(
    settings: Settings, store: Store, sources: list[SourceConfig], *, force: bool = False
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

        report = poll_configured(
            settings,
            store,
            sources=enabled,
            on_progress=advance,
            force=force,
        )
    print_poll_report(report)
    return report


def print_poll_report(report: PollReport) -> None:
    """One summary line; each failure and warning was already logged with its reason."""
    polled = report.polled
    total = sum(o.items for o in polled)
    failed = ", ".join(repr(o.name) for o in report.failed)
    skipped = len(report.outcomes) - len(polled)
    errors.print(
        f"polled {plural(len(polled), 'source')}"
        + (f" ({skipped} not due or disabled)" if skipped else "")
        + f": {plural(total, 'item')}, {plural(report.added, 'new article')}, "
        + f"{len(report.failed)} failed"
        + (f" ({failed})" if failed else ""),
        highlight=False,
    )
