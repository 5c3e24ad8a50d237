"""Compose each subscriber's digest: their seats, the stories new to them, newest first.

A seat's section depends only on the seat and on the time the reader last got a digest, so
sections are built once per (seat, since) and shared by every subscriber who follows that
seat: with 100,000 subscribers over 650 seats, the work is per seat, not per reader.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from datetime import date, datetime, timedelta

from digest.config import DigestConfig, StoriesConfig
from digest.models import Digest, Role, SeatSection, Story, Subscriber
from digest.parallel.thresholds import sections_in_flight
from digest.seats.follows import SeatFollow
from digest.seats.gazetteer import Gazetteer, load_gazetteer
from digest.store.core import Store
from digest.stories.generative import ChatSummariser
from digest.stories.seat_stories import SeatArticle, StoryBuilder, StoryPolicy, build_stories

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
        rules: StoriesConfig | None = None,
        writer: ChatSummariser | None = None,
    ) -> None:
        self.gazetteer = gazetteer or load_gazetteer()
        self.store = store
        self.config = config
        self.policy = StoryPolicy(
            rules=rules or StoriesConfig(),
            sentences=sentences,
            resend_updates=config.resend_updates,
            max_stories=config.max_stories_per_seat,
            max_text_chars=config.max_text_chars,
            max_sentence_chars=config.max_sentence_chars,
            live_coverage=config.live_coverage,
        )
        self.builder = StoryBuilder(self.policy, writer)
        self._sections: dict[tuple[str, datetime], SeatSection] = {}
        self._last_sent: dict[str, datetime] | None = None

    def section(self, follow: SeatFollow, since: datetime, today: date) -> SeatSection:
        """The section for one seat, with stories first seen since ``since``."""
        cache_key = (follow.key, since)
        if cache_key not in self._sections:
            stories = self.builder.stories(self._articles(follow, since), since)
            self._sections[cache_key] = self._section(follow, stories, today)
        return self._sections[cache_key]

    def build_sections(
        self,
        wanted: Iterable[tuple[SeatFollow, datetime]],
        today: date,
        pool: Executor,
        workers: int,
    ) -> None:
        """Build the sections not built yet, the stories of several at once in ``pool``'s
        ``workers`` processes.

        This process reads each seat's articles and assembles the sections; the workers
        group and summarise. At most two seats per worker are in flight, so memory holds a
        few seats' articles, not every seat's.
        """
        todo: dict[tuple[str, datetime], tuple[SeatFollow, datetime]] = {}
        for follow, since in wanted:
            if (follow.key, since) not in self._sections:
                todo.setdefault((follow.key, since), (follow, since))
        limit = sections_in_flight(workers)
        running: dict[Future[tuple[Story, ...]], tuple[SeatFollow, datetime]] = {}

        def collect(done: Iterable[Future[tuple[Story, ...]]]) -> None:
            for future in done:
                follow, since = running.pop(future)
                self._sections[(follow.key, since)] = self._section(follow, future.result(), today)

        for follow, since in todo.values():
            if len(running) >= limit:
                collect(wait(running, return_when=FIRST_COMPLETED).done)
            found = self._articles(follow, since)
            running[pool.submit(build_stories, self.policy, found, since)] = (follow, since)
        collect(wait(running).done)

    def _articles(self, follow: SeatFollow, since: datetime) -> list[SeatArticle]:
        """The seat's articles since ``since``, and those of the few days before, so a story
        already sent is recognised when a new copy of it arrives."""
        window = timedelta(days=self.policy.rules.same_event_days)
        return self.store.articles_for_seats(follow.codes, seen_since=since - window)

    def _section(self, follow: SeatFollow, stories: tuple[Story, ...], today: date) -> SeatSection:
        return SeatSection(
            key=follow.key,
            name=follow.name,
            overview=overview_line(stories),
            stories=stories,
            context=seat_context(self.gazetteer, follow, today) if follow.seats else "",
        )

    def since_for(self, subscriber: Subscriber, now: datetime) -> datetime:
        """Where the subscriber's news starts: their last sent digest, or the lookback."""
        window_start = now - timedelta(days=self.config.lookback_days)
        if self._last_sent is None:  # one query for every subscriber this composer serves
            self._last_sent = self.store.last_sent_times()
        last_sent = self._last_sent.get(subscriber.email)
        return max(window_start, last_sent) if last_sent else window_start

    def compose(
        self, subscriber: Subscriber, follows: Sequence[SeatFollow], now: datetime, period: str
    ) -> Digest:
        """One subscriber's digest: stories new since their last sent digest (or the lookback)."""
        since = self.since_for(subscriber, now)
        sections = tuple(self.section(follow, since, now.date()) for follow in follows)
        return Digest(subscriber=subscriber, period=period, generated_at=now, sections=sections)
