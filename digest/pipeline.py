"""The spine: which subscribers are due, their digests composed, and the digests delivered.

The stages live in their wings: ``polling.poll_all`` (fetch, prepare and store articles;
re-exported here), ``compose`` (sections once per seat), ``render`` and ``delivery.send``
(claim, send, settle). ``send_due`` is one send as ``digest send`` and the daemon's send
job run it. Each stage is a plain function over plain data; failures are contained per unit
of work (a source in ``poll_all``, a message in ``deliver_all``). ``ConfigError`` is never
caught here.

The spine is where the whole ``Settings`` stops: it hands each stage the tables it uses
(``poll_all``: ``[poll]``, ``[[sources]]`` and the config's folder; the composer: ``[digest]``,
``[summarise]`` and ``[stories]``; ``deliver_all``: ``[digest]``, ``[delivery]`` and a
renderer factory, ``renderer_for``) and the worker processes it may use
(``digest.parallel.mapping``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from digest.clock import utc_now
from digest.compose import DigestComposer
from digest.config import Settings
from digest.delivery.backends.base import MailBackend
from digest.delivery.send import Delivery, deliver_all
from digest.models import Digest, Frequency, Subscriber
from digest.parallel.mapping import inlining, pooled
from digest.parallel.thresholds import PROCESSES_FROM_SECTIONS, sections_in_flight
from digest.parallel.workers import worker_count
from digest.polling import PollReport, SourceOutcome, poll_all
from digest.seats.follows import SeatFollow
from digest.store.core import Store
from digest.stories.generative import ChatSummariser

if TYPE_CHECKING:
    from digest.delivery.send import RendererFactory
    from digest.render.renderer import DigestRenderer

log = logging.getLogger(__name__)

__all__ = [
    "Delivery",
    "PollReport",
    "SourceOutcome",
    "compose_all",
    "deliver_all",
    "due_subscribers",
    "iter_digests",
    "period_for",
    "poll_all",
    "poll_configured",
    "renderer_for",
    "send_due",
    "utc_now",
]


def poll_configured(settings: Settings, store: Store, **options: Any) -> PollReport:
    """``poll_all`` with the config's ``[poll]``, ``[[sources]]`` and folder: the one place
    the whole config is taken apart for the poll (``options`` as ``poll_all`` takes them)."""
    return poll_all(settings.poll, store, settings.sources, base_dir=settings.base_dir, **options)


def period_of(now: datetime) -> str:
    """The day ``now`` falls in, in ``now``'s own time zone."""
    return now.date().isoformat()


def period_for(subscriber: Subscriber, now: datetime, default_timezone: str) -> str:
    """The digest period ``now`` falls in for ``subscriber``: their day ("2026-11-23") or
    ISO week ("2026-W48"), in their time zone (else ``default_timezone``). The outbox key is
    subscriber + period, so any process computing it for the same moment agrees."""
    local = now.astimezone(ZoneInfo(subscriber.timezone or default_timezone))
    if subscriber.frequency == Frequency.WEEKLY:
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    return local.date().isoformat()


def due_subscribers(
    store: Store,
    subscribers: Sequence[tuple[Subscriber, tuple[SeatFollow, ...]]],
    now: datetime,
    default_timezone: str,
) -> list[tuple[Subscriber, tuple[SeatFollow, ...]]]:
    """Those whose digest for their current period is not settled yet (sent or refused)."""
    periods = {s.email: period_for(s, now, default_timezone) for s, _ in subscribers}
    settled = {period: store.sent_subscribers(period) for period in set(periods.values())}
    return [(s, f) for s, f in subscribers if s.email not in settled[periods[s.email]]]


def compose_all(
    settings: Settings,
    store: Store,
    subscribers: Sequence[tuple[Subscriber, tuple[SeatFollow, ...]]],
    now: datetime,
    period: str | None = None,
) -> list[Digest]:
    """Every subscriber's digest for ``period`` (default: each one's own, ``period_for``),
    sections shared."""
    return list(iter_digests(settings, store, subscribers, now, period))


def iter_digests(
    settings: Settings,
    store: Store,
    subscribers: Sequence[tuple[Subscriber, tuple[SeatFollow, ...]]],
    now: datetime,
    period: str | None = None,
) -> Iterator[Digest]:
    """Each subscriber's digest in turn, composed as it is needed: a send to 100,000
    subscribers holds their rows and the shared sections, never 100,000 digests."""
    writer = ChatSummariser(settings.summarise) if settings.summarise.method == "openai" else None
    composer = DigestComposer(
        store,
        settings.digest,
        settings.summarise.sentences,
        rules=settings.stories,
        writer=writer,
    )
    default_timezone = settings.daemon.timezone
    try:
        workers = worker_count(settings.poll.workers)
        wanted = {
            (follow.key, since): (follow, since)
            for subscriber, follows in subscribers
            for since in (composer.since_for(subscriber, now),)
            for follow in follows
        }
        if writer is None and workers > 1 and len(wanted) >= PROCESSES_FROM_SECTIONS:
            with pooled(workers, in_flight=sections_in_flight(workers)) as mapper:
                composer.build_sections(wanted.values(), now.date(), mapper)
        for subscriber, follows in subscribers:
            own = period or period_for(subscriber, now, default_timezone)
            yield composer.compose(subscriber, follows, now, own)
    finally:
        if writer is not None:
            writer.close()


def send_due(
    settings: Settings,
    store: Store,
    subscribers: Sequence[tuple[Subscriber, tuple[SeatFollow, ...]]],
    backend: MailBackend,
    now: datetime,
    *,
    dry_run: bool = False,
) -> list[Delivery]:
    """Compose and send this period's digest to each subscriber whose period is not settled
    yet: ``digest send`` and the daemon's send job both come here.

    With ``dry_run`` every subscriber gets a preview (nothing is claimed or skipped), as
    ``digest send --dry-run`` shows what a send would contain.
    """
    if not dry_run:
        # Composing costs summaries and renders: skip whoever has this period already.
        subscribers = due_subscribers(store, subscribers, now, settings.daemon.timezone)
    digests = iter_digests(settings, store, subscribers, now)
    kind = "preview" if dry_run else "sent"
    return deliver_all(
        digests,
        settings.digest,
        settings.delivery,
        store,
        backend,
        renderer=renderer_for(settings),
        kind=kind,
        now=now,
    )


def renderer_for(settings: Settings) -> RendererFactory:
    """How a send makes its renderer: the ``[digest]`` title and subject, the ``[render]``
    templates, premailer where ``[poll] workers`` puts it (``parallel.mapping.inlining``).

    A factory, not a renderer: ``deliver_all`` calls it with the first digest it sends, so
    a run with nothing new never loads Jinja2 nor starts the inlining workers.
    """

    @contextmanager
    def configured() -> Iterator[DigestRenderer]:
        from digest.render.renderer import DigestRenderer

        templates = settings.render.templates_dir
        with inlining(settings.poll.workers) as inliner:
            yield DigestRenderer(
                title=settings.digest.title,
                subject_template=settings.digest.subject,
                templates_dir=settings.resolve(templates) if templates else None,
                inliner=inliner,
            )

    return configured
