"""Compose each subscriber's digest: their seats, the stories new to them, newest first.

A seat's section depends only on the seat and on the time the reader last got a digest, so
sections are built once per (seat, since) and shared by every subscriber who follows that
seat: with 100,000 subscribers over 650 seats, the work is per seat, not per reader.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from digest.config import DigestConfig, SubscriberConfig
from digest.errors import ConfigError
from digest.generative import ChatSummariser
from digest.models import (
    Article,
    Digest,
    Role,
    Seat,
    SeatSection,
    Story,
    StorySource,
    Subscriber,
)
from digest.seats.gazetteer import SET_2024, Gazetteer, load_gazetteer
from digest.store import Store
from digest.stories import Fingerprint, StoryGrouper, StoryInput, StoryRules, fingerprint
from digest.summarise import summarise_story


@dataclass(frozen=True, slots=True)
class SeatFollow:
    """A seat as a subscriber follows it: a display name and the codes it covers."""

    label: str
    name: str
    codes: tuple[str, ...]
    seats: tuple[Seat, ...] = ()  # the seat under this name in each boundary set

    @property
    def key(self) -> str:
        """A stable identity for the section (the codes it covers)."""
        return "+".join(self.codes)


def resolve_seat(
    gazetteer: Gazetteer, text: str, *, where: str = "seats", path: Path | None = None
) -> SeatFollow:
    """The seat a subscriber means by ``text`` (a name in either set, a variant or a code).

    Both boundary sets are followed: a 2010 name also covers its main 2024 successor and the
    other way round, so "Norwich North" brings stories from before and after 2024.
    """
    seats = gazetteer.find_seats(text)
    if not seats:
        close = gazetteer.closest_names(text)
        hint = (
            "use one of: " + "; ".join(repr(c) for c in close)
            if close
            else "try `digest seats search` to find the official name"
        )
        raise ConfigError(
            f"no Westminster seat is called {text!r}", path=path, key=where, hint=hint
        )
    codes: list[str] = []
    for seat in seats:
        codes.append(seat.code)
        codes.extend(other.code for other in gazetteer.counterparts(seat))
    current = next((s for s in seats if s.boundary_set == SET_2024), seats[-1])
    return SeatFollow(
        label=text, name=current.name, codes=tuple(dict.fromkeys(codes)), seats=tuple(seats)
    )


def resolve_subscribers(
    gazetteer: Gazetteer,
    configured: Iterable[SubscriberConfig],
    *,
    path: Path | None = None,
    where: str = "subscribers[{index}].seats",
    on_error: Callable[[SubscriberConfig, ConfigError], None] | None = None,
) -> list[tuple[Subscriber, tuple[SeatFollow, ...]]]:
    """Active subscribers with their seats resolved; ``ConfigError`` names any unknown seat,
    or, with ``on_error``, that subscriber alone is reported and left out (a send must not
    stop for everyone because one stored subscriber follows a seat that no longer exists).
    Paused and unsubscribed ones are left out: they are sent nothing."""
    resolved = []
    for index, entry in enumerate(configured):
        if entry.status != "active":
            continue
        try:
            follows = tuple(
                resolve_seat(gazetteer, name, where=where.format(index=index), path=path)
                for name in entry.seats
            )
        except ConfigError as exc:
            if on_error is None:
                raise
            on_error(entry, exc)
            continue
        subscriber = Subscriber(
            email=entry.email,
            name=entry.name,
            seats=tuple(f.name for f in follows),
            frequency=entry.frequency,
            timezone=entry.timezone,
        )
        resolved.append((subscriber, follows))
    return resolved


def resolve_everyone(
    gazetteer: Gazetteer,
    configured: Sequence[SubscriberConfig],
    stored: Sequence[SubscriberConfig],
    *,
    path: Path | None,
    on_error: Callable[[SubscriberConfig, ConfigError], None],
) -> list[tuple[Subscriber, tuple[SeatFollow, ...]]]:
    """Config subscribers (strictly: a bad seat there is a config error), then stored ones
    the config does not list (a bad one is reported through ``on_error`` and skipped)."""
    listed = {s.email.lower() for s in configured}
    return resolve_subscribers(gazetteer, configured, path=path) + resolve_subscribers(
        gazetteer,
        [s for s in stored if s.email.lower() not in listed],
        where="stored subscriber",
        on_error=on_error,
    )


ROLE_PHRASES = {
    Role.PRIMARY: "about the seat",
    Role.MENTIONED: "mentioning it",
    Role.MEMBER: "about its MP elsewhere",
}


def overview_line(stories: Sequence[Story]) -> str:
    """One line a reader scans first: how much is new, from how many outlets, how close, and
    (with two or more stories) the first headlines.

    "3 new stories from 2 outlets: 1 about the seat, 2 mentioning it. Labour targets the
    seat; Bus route cut back; New classrooms approved."
    """
    if not stories:
        return "No new stories since your last digest."
    outlets = {source.name for story in stories for source in story.sources}
    noun = "story" if len(stories) == 1 else "stories"
    outlet_noun = "outlet" if len(outlets) == 1 else "outlets"
    line = f"{len(stories)} new {noun} from {len(outlets)} {outlet_noun}"
    counts = Counter(s.role for s in stories)
    if len(counts) == 1:
        (role,) = counts
        line = f"{line}, {ROLE_PHRASES[role]}."
    else:
        parts = [f"{counts[role]} {ROLE_PHRASES[role]}" for role in Role if counts[role]]
        line = f"{line}: {', '.join(parts)}."
    if len(stories) < 2:
        return line
    headlines = "; ".join(_short(s.title) for s in stories[:OVERVIEW_HEADLINES])
    more = len(stories) - OVERVIEW_HEADLINES
    if more > 0:
        return f"{line} {headlines}; and {more} more."
    return f"{line} {headlines}" + ("" if headlines.endswith("…") else ".")


OVERVIEW_HEADLINES = 3
OVERVIEW_HEADLINE_CHARS = 60


def _short(title: str) -> str:
    """A headline cut at a word to fit the overview line."""
    title = title.rstrip(" .")
    if len(title) <= OVERVIEW_HEADLINE_CHARS:
        return title
    return title[:OVERVIEW_HEADLINE_CHARS].rsplit(" ", 1)[0] + "…"


def seat_context(gazetteer: Gazetteer, follow: SeatFollow, day: date) -> str:
    """Who holds the seat on ``day`` and how marginal it was at the last contest."""
    seat = gazetteer.seat_in_force(list(follow.seats), day)
    parts = []
    mp = gazetteer.mp_on(seat, day)
    if mp is not None:
        parts.append(f"MP: {mp.name} ({mp.party})")
    result = gazetteer.last_result(seat, day)
    if result is not None:
        parts.append(f"last result {result.describe()}")
    return "; ".join(parts) + "." if parts else ""


class DigestComposer:
    """Builds digests, reusing each seat's section across subscribers."""

    def __init__(
        self,
        store: Store,
        config: DigestConfig,
        sentences: int = 2,
        gazetteer: Gazetteer | None = None,
        rules: StoryRules | None = None,
        writer: ChatSummariser | None = None,
    ) -> None:
        self.gazetteer = gazetteer or load_gazetteer()
        self.store = store
        self.config = config
        self.sentences = sentences
        self.rules = rules or StoryRules()
        self.writer = writer
        self._sections: dict[tuple[str, datetime], SeatSection] = {}
        self._summaries: dict[tuple[int, ...], tuple[str, ...]] = {}
        self._prints: dict[int, Fingerprint] = {}
        self._last_sent: dict[str, datetime] | None = None

    def _summary(self, articles: Sequence[Article]) -> tuple[str, ...]:
        """A story's summary, made once per composer however many seats show it."""
        key = tuple(a.id for a in articles)
        if key not in self._summaries:
            texts = [(a.title, a.text) for a in articles]
            summary = summarise_story(texts, self.sentences)
            if self.writer is not None:
                summary = self.writer.summarise(texts, self.sentences, fallback=summary)
            self._summaries[key] = summary
        return self._summaries[key]

    def _fingerprint(self, article: Article) -> Fingerprint:
        if article.id not in self._prints:
            self._prints[article.id] = fingerprint(article.title, article.text)
        return self._prints[article.id]

    def section(self, follow: SeatFollow, since: datetime, today: date) -> SeatSection:
        """The section for one seat, with stories first seen since ``since``.

        Articles are grouped into stories (``stories.py``) together with those of the few
        days before ``since``, so a copy arriving today of a story sent yesterday is not news
        again: a story belongs to the period its first article arrived in.
        """
        cache_key = (follow.key, since)
        if cache_key not in self._sections:
            window = timedelta(days=self.rules.same_event_days)
            found = self.store.articles_for_seats(follow.codes, seen_since=since - window)
            by_id = {article.id: (article, role, sources) for article, role, sources in found}
            grouper = StoryGrouper(self.rules)
            for article, _, _ in sorted(found, key=lambda f: (f[0].first_seen, f[0].id)):
                item = StoryInput(article.id, article.title, article.text, article.published)
                grouper.add(item, self._fingerprint(article))
            stories = []
            for group in grouper.groups():
                members = [by_id[int(str(m.key))] for m in group.members]
                if min(article.first_seen for article, _, _ in members) >= since:
                    stories.append(self._story(members))
                elif self._updated_since(members, since):
                    stories.append(replace(self._story(members), updated=True))
            # About the seat, then mentioning it, then its MP elsewhere; newest first in each.
            stories.sort(key=lambda s: (-s.role.rank, s.published, s.id), reverse=True)
            stories = stories[: self.config.max_stories_per_seat]
            self._sections[cache_key] = SeatSection(
                key=follow.key,
                name=follow.name,
                overview=overview_line(stories),
                stories=tuple(stories),
                context=seat_context(self.gazetteer, follow, today) if follow.seats else "",
            )
        return self._sections[cache_key]

    def _updated_since(
        self, members: Sequence[tuple[Article, Role, tuple[StorySource, ...]]], since: datetime
    ) -> bool:
        """Whether a story sent before ``since`` changed enough since to be shown again."""
        policy = self.config.resend_updates
        if policy == "never":
            return False
        changes = (
            article.updated_at if policy == "material" else article.revised_at
            for article, _, _ in members
        )
        return any(change is not None and change >= since for change in changes)

    def _story(self, members: Sequence[tuple[Article, Role, tuple[StorySource, ...]]]) -> Story:
        """One entry for articles that are one story: the first one's headline, every outlet
        once, the strongest role, one summary drawn from all of them."""
        lead = members[0][0]
        outlets: dict[str, StorySource] = {}
        for _, _, sources in members:
            for source in sources:
                outlets.setdefault(source.name, source)
        return Story(
            id=lead.id,
            title=lead.title,
            summary=self._summary([article for article, _, _ in members]),
            published=lead.published,
            sources=tuple(outlets.values()),
            role=min((role for _, role, _ in members), key=lambda r: r.rank),
        )

    def compose(
        self, subscriber: Subscriber, follows: Sequence[SeatFollow], now: datetime, period: str
    ) -> Digest:
        """One subscriber's digest: stories new since their last sent digest (or the lookback)."""
        window_start = now - timedelta(days=self.config.lookback_days)
        if self._last_sent is None:  # one query for every subscriber this composer serves
            self._last_sent = self.store.last_sent_times()
        last_sent = self._last_sent.get(subscriber.email)
        since = max(window_start, last_sent) if last_sent else window_start
        sections = tuple(self.section(follow, since, now.date()) for follow in follows)
        return Digest(subscriber=subscriber, period=period, generated_at=now, sections=sections)
