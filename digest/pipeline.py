"""One pass of the pipeline: poll -> clean -> dedupe -> tag -> summarise -> compose -> render
-> deliver.

Each stage is a plain function over plain data; only the store, the sources and the backend
do I/O. Failures are contained per unit of work: a source that cannot be read is recorded
and reported while the others carry on; a message that fails is reported while the rest are
delivered. ``ConfigError`` is never caught here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from digest.backends.base import MailBackend
from digest.clean import clean_body, clean_title
from digest.compose import DigestComposer, SeatFollow
from digest.config import Settings, SourceConfig
from digest.dedupe import canonical_url, content_hash
from digest.errors import SendError, SourceError
from digest.models import Digest, FeedItem, OutgoingEmail, SendResult, Subscriber
from digest.render import DigestRenderer, build_message, message_id_for
from digest.seats.tagger import tag_text
from digest.sources.base import build_source
from digest.sources.fetch import make_client
from digest.store import DigestRecord, NewArticle, Store
from digest.summarise import summarise_text
from digest.tokens import sign_token, signing_secret

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


@dataclass(slots=True)
class SourceOutcome:
    """What one poll of one source did."""

    name: str
    items: int = 0
    added: int = 0
    duplicates: int = 0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    not_modified: bool = False


@dataclass(slots=True)
class PollReport:
    """What a poll of every source did."""

    outcomes: list[SourceOutcome] = field(default_factory=list)

    @property
    def added(self) -> int:
        """New articles stored."""
        return sum(o.added for o in self.outcomes)

    @property
    def failed(self) -> list[SourceOutcome]:
        """Sources that could not be read."""
        return [o for o in self.outcomes if o.error]


def process_item(item: FeedItem, store: Store, settings: Settings, now: datetime) -> bool:
    """Clean, dedupe, tag, summarise and store one item; True when it is a new article."""
    title = clean_title(item.title)
    text = clean_body(item.body, is_html=item.body_is_html)
    if not title or not text:
        log.info("source %r: skipped an item with no text (%s)", item.source_name, item.guid)
        return False
    canonical = canonical_url(item.url)
    fingerprint = content_hash(title, text)
    existing = store.find_duplicate(item.guid, canonical, fingerprint)
    if existing is not None:
        if store.add_source_to_article(existing, item.source_name, item.url, now):
            log.info("source %r: article %d also carried here", item.source_name, existing)
        return False
    published = item.published or now
    boundary_set, tags = tag_text(title, text, published.date())
    store.add_article(
        NewArticle(
            source_name=item.source_name,
            guid=item.guid,
            url=item.url,
            canonical_url=canonical,
            content_hash=fingerprint,
            title=title,
            text=text,
            published=published,
            first_seen=now,
            boundary_set=boundary_set,
            summary=summarise_text(text, settings.summarise.sentences, title=title),
            tags=tags,
        )
    )
    return True


def poll_source(
    config: SourceConfig,
    settings: Settings,
    store: Store,
    client: httpx.Client,
    clock: Clock = utc_now,
) -> SourceOutcome:
    """Poll one source and store what is new; a failure is recorded, never raised."""
    outcome = SourceOutcome(name=config.name)
    started = clock()
    source = build_source(config, settings, client)
    try:
        result = source.poll(store.source_state(config.name))
    except SourceError as exc:
        outcome.error = str(exc)
        log.error("source %r failed: %s", config.name, exc)
        store.record_poll(
            name=config.name,
            kind=config.kind.value,
            location=config.location,
            at=started,
            error=str(exc),
        )
        return outcome
    outcome.items = len(result.items)
    outcome.warnings.extend(result.warnings)
    outcome.not_modified = result.not_modified
    for item in result.items:
        if process_item(item, store, settings, clock()):
            outcome.added += 1
        else:
            outcome.duplicates += 1
    store.record_poll(
        name=config.name,
        kind=config.kind.value,
        location=config.location,
        at=started,
        error=None,
        state=result.state,
        items_seen=outcome.items,
        articles_added=outcome.added,
    )
    log.info(
        "source %r: %d items, %d new, %d already known",
        config.name,
        outcome.items,
        outcome.added,
        outcome.duplicates,
    )
    return outcome


def poll_all(
    settings: Settings,
    store: Store,
    *,
    sources: Sequence[SourceConfig] | None = None,
    clock: Clock = utc_now,
    on_progress: Callable[[SourceOutcome], None] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> PollReport:
    """Poll every enabled source with one shared HTTP client."""
    report = PollReport()
    chosen = [s for s in (settings.sources if sources is None else sources) if s.enabled]
    with make_client(settings.poll, transport) as client:
        for config in chosen:
            outcome = poll_source(config, settings, store, client, clock)
            report.outcomes.append(outcome)
            if on_progress is not None:
                on_progress(outcome)
    return report


@dataclass(frozen=True, slots=True)
class Delivery:
    """One digest handed to a backend, or the reason it was not."""

    subscriber: Subscriber
    subject: str
    story_count: int
    result: SendResult | None
    error: str | None


def compose_all(
    settings: Settings,
    store: Store,
    subscribers: Sequence[tuple[Subscriber, tuple[SeatFollow, ...]]],
    now: datetime,
) -> list[Digest]:
    """Every subscriber's digest for this period, sections shared between them."""
    composer = DigestComposer(store, settings.digest)
    period = now.date().isoformat()
    return [composer.compose(sub, follows, now, period) for sub, follows in subscribers]


def deliver_all(
    digests: Sequence[Digest],
    settings: Settings,
    store: Store,
    backend: MailBackend,
    *,
    kind: str,
    now: datetime,
) -> list[Delivery]:
    """Render each digest (once per distinct content) and hand it to ``backend``."""
    renderer = DigestRenderer(
        title=settings.digest.title,
        subject_template=settings.digest.subject,
        templates_dir=settings.resolve(settings.render.templates_dir)
        if settings.render.templates_dir
        else None,
    )
    secret = signing_secret(store, settings.digest.secret_env)
    deliveries = []
    with backend:
        for digest in digests:
            subscriber = digest.subscriber
            if digest.story_count == 0 and not settings.digest.send_empty:
                log.info("subscriber %s: nothing new, no digest", subscriber.email)
                continue
            rendered = renderer.render(digest)
            unsubscribe = settings.digest.unsubscribe_url.format(
                token=sign_token(secret, subscriber.email)
            )
            copy = renderer.personalise(rendered, subscriber, unsubscribe)
            key = f"{subscriber.email}|{digest.period}"
            message_id = message_id_for(key, settings.digest.from_address)
            message = OutgoingEmail(
                to=subscriber.email,
                subject=copy.subject,
                html=copy.html,
                text=copy.text,
                message_bytes=build_message(
                    from_address=settings.digest.from_address,
                    subscriber=subscriber,
                    copy=copy,
                    message_id=message_id,
                    date=now,
                    list_id=settings.digest.list_id,
                    unsubscribe_url=unsubscribe,
                ),
                message_id=message_id,
                digest_key=f"{digest.period}-{subscriber.email}",
                story_count=digest.story_count,
            )
            try:
                result = backend.send(message)
            except SendError as exc:
                log.error("subscriber %s: digest not delivered: %s", subscriber.email, exc)
                deliveries.append(
                    Delivery(subscriber, copy.subject, digest.story_count, None, str(exc))
                )
                continue
            store.record_digest(
                DigestRecord(
                    subscriber=subscriber.email,
                    period=digest.period,
                    kind=kind,
                    backend=result.backend,
                    message_id=result.message_id,
                    story_count=digest.story_count,
                    created_at=now,
                    detail=result.detail,
                )
            )
            deliveries.append(Delivery(subscriber, copy.subject, digest.story_count, result, None))
    log.info("rendered %d distinct digests for %d subscribers", renderer.renders, len(digests))
    return deliveries
