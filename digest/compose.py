"""Compose each subscriber's digest: their seats, the stories new to them, newest first.

A seat's section depends only on the seat and on the time the reader last got a digest, so
sections are built once per (seat, since) and shared by every subscriber who follows that
seat: with 100,000 subscribers over 650 seats, the work is per seat, not per reader.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from digest.config import DigestConfig, StoriesConfig
from digest.models import (
    Digest,
    Role,
    SeatSection,
    SeeAlso,
    Story,
    StorySource,
    Subscriber,
)
from digest.parallel.mapping import Mapper
from digest.prepare.dedupe import canonical_url
from digest.seats.follows import SeatFollow
from digest.seats.gazetteer import Gazetteer, load_gazetteer
from digest.sources.base import outlet_name
from digest.store.core import Store
from digest.stories.generative import ChatSummariser
from digest.stories.seat_stories import SeatArticle, StoryBuilder, StoryPolicy, build_stories

ROLE_PHRASES = {
    Role.PRIMARY: "about the seat",
    Role.MENTIONED: "mentioning it",
    Role.MEMBER: "about its MP elsewhere",
}


def overview_line(stories: Sequence[Story]) -> str:
    """One line a reader scans first, saying what the list below does not: how much is new,
    how close it is to the seat, which outlets it came from, and what is back because it
    changed. The headlines themselves follow; repeating them here (cut to fit) only made
    the reader read them twice.

    "3 new stories from 2 outlets: 1 about the seat, 2 mentioning it. From Eastern Daily
    Press (2) and BBC News. 1 updated since your last digest."
    """
    if not stories:
        # The section says "Nothing new about SEAT this time." itself: one sentence, which
        # holds in a first digest too.
        return ""
    by_outlet = Counter(name for story in stories for name in {s.name for s in story.sources})
    noun = "story" if len(stories) == 1 else "stories"
    outlet_noun = "outlet" if len(by_outlet) == 1 else "outlets"
    line = f"{len(stories)} new {noun} from {len(by_outlet)} {outlet_noun}"
    counts = Counter(s.role for s in stories)
    if len(counts) == 1:
        (role,) = counts
        line = f"{line}, {ROLE_PHRASES[role]}."
    else:
        parts = [f"{counts[role]} {ROLE_PHRASES[role]}" for role in Role if counts[role]]
        line = f"{line}: {', '.join(parts)}."
    if len(by_outlet) > 1:
        ranked = sorted(by_outlet.items(), key=lambda pair: (-pair[1], pair[0].casefold()))
        names = [f"{name} ({count})" if count > 1 else name for name, count in ranked]
        more = len(names) - OVERVIEW_OUTLETS
        if more > 0:
            names = [*names[:OVERVIEW_OUTLETS], f"{more} more"]
        line = f"{line} From {', '.join(names[:-1])} and {names[-1]}."
    updated = sum(1 for story in stories if story.updated)
    if updated:
        line = f"{line} {updated} updated since your last digest."
    return line


# Outlets named in the overview; the rest are counted.
OVERVIEW_OUTLETS = 3


# How a party is named after "over": "the Conservatives", but "Labour" and "Plaid Cymru".
PARTY_AS_RUNNER_UP = {
    "Conservative": "the Conservatives",
    "Liberal Democrat": "the Liberal Democrats",
    "Independent": "an independent",
    "Speaker": "the Speaker",
    "Alliance": "Alliance",
    "Labour": "Labour",
    "Plaid Cymru": "Plaid Cymru",
    "Reform UK": "Reform UK",
    "Sinn Féin": "Sinn Féin",
}


def party_as_runner_up(party: str) -> str:
    """``party`` as the object of "majority ... over": a party called "the X Party" or
    "the Xs" in speech gets its article; a party named like a place or a slogan does not."""
    if party in PARTY_AS_RUNNER_UP:
        return PARTY_AS_RUNNER_UP[party]
    return party if party.lower().startswith("the ") else f"the {party}"


def seat_context(gazetteer: Gazetteer, follow: SeatFollow, day: date) -> str:
    """Who holds the seat on ``day`` and how marginal it was at the last contest, naming
    the MP once: "Alice Macdonald (Labour) since 2024, majority 10,850 over the
    Conservatives." When the last contest was won by someone else (a by-election not in
    the data, a seat between dissolution and polling day), both are said apart."""
    seat = gazetteer.seat_in_force(list(follow.seats), day)
    mp = gazetteer.mp_on(seat, day)
    result = gazetteer.last_result(seat, day)
    if mp is not None and result is not None and result.winner == mp.name:
        runs = [first for first, last in gazetteer.members(seat) if last.mnis_id == mp.mnis_id]
        since = min((first.elected.year for first in runs), default=mp.elected.year)
        majority = f"majority {result.majority:,} over {party_as_runner_up(result.runner_up_party)}"
        held = "" if since == result.day.year else f" in {result.day.year}"
        return f"{mp.name} ({mp.party}) since {since}, {majority}{held}."
    parts = []
    if mp is not None:
        parts.append(f"MP: {mp.name} ({mp.party})")
    if result is not None:
        parts.append(f"last result {result.describe()}")
    return "; ".join(parts) + "." if parts else ""


# Hosts that only ever redirected to a publisher's page, and no longer answer: a link
# through one is dead, while the feed's GUID often is the page's own address.
DEAD_REDIRECTORS = ("feedsportal.com",)


def _redirector(url: str) -> bool:
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:  # a malformed port or address: not one of ours to follow
        return False
    return any(host == name or host.endswith(f".{name}") for name in DEAD_REDIRECTORS)


def reader_link(url: str | None, guid: str = "") -> str | None:
    """The link a reader clicks for ``url``: the canonical URL the dedupe step computes
    (no ``utm_*``, ``at_*`` or other tracking parameters), and for a dead redirector the
    GUID when that is a web address."""
    if url and _redirector(url):
        page = canonical_url(guid)
        if page and not _redirector(page):
            return page
    return canonical_url(url) or url


def with_reader_links(story: Story) -> Story:
    """``story`` with every outlet's link as ``reader_link`` gives it."""
    sources = tuple(
        StorySource(
            source.name,
            reader_link(source.url, story.lead_guid if source.url == story.lead_link else ""),
        )
        for source in story.sources
    )
    return story if sources == story.sources else replace(story, sources=sources)


def outlet_names(store: Store) -> dict[str, str]:
    """The outlet a reader sees for each source whose name only repeats its location (a
    feed file's name, a URL): the feed's own title. Other sources are shown by their name,
    as the operator chose it, and so is a feed without a title."""
    shown = (
        (name, outlet_name(name, found.location, found.title))
        for name, found in store.sources.feed_titles().items()
    )
    return {name: outlet for name, outlet in shown if outlet != name}


def with_outlet_names(story: Story, outlets: dict[str, str]) -> Story:
    """``story`` with each source shown as ``outlets`` names it, once per outlet (two
    feeds of one publisher carry one title)."""
    if not outlets or not any(source.name in outlets for source in story.sources):
        return story
    shown: dict[str, StorySource] = {}
    for source in story.sources:
        name = outlets.get(source.name, source.name)
        if name not in shown or (shown[name].url is None and source.url is not None):
            # The outlet keeps a link if any of its feeds gave one a reader can follow.
            shown[name] = StorySource(name, source.url)
    return replace(story, sources=tuple(shown.values()))


def share_stories(sections: Sequence[SeatSection]) -> tuple[SeatSection, ...]:
    """The sections of one digest with each story printed once.

    A story in two followed seats is printed under the seat it is most about (its strongest
    role there, then the seat followed first) and listed by title under the others, with
    a pointer to where it is printed; counts (overview, inbox preview) then see it once.
    Done per digest, not per seat: which seats share a story depends on the reader.
    """
    home: dict[tuple[int, int], tuple[int, int]] = {}  # (section, story) -> where printed
    claims: list[tuple[frozenset[int], int, int]] = []  # articles, section, story printed
    for s_index, section in enumerate(sections):
        for t_index, story in enumerate(section.stories):
            articles = frozenset(story.articles or (story.id,))
            match = next((c for c in claims if c[0] & articles), None)
            if match is None:
                claims.append((articles, s_index, t_index))
                home[(s_index, t_index)] = (s_index, t_index)
                continue
            _, h_section, h_story = match
            if story.role.rank < sections[h_section].stories[h_story].role.rank:
                # This seat is what the story is most about: it is printed here instead.
                for spot, printed in home.items():
                    if printed == (h_section, h_story):
                        home[spot] = (s_index, t_index)
                claims[claims.index(match)] = (match[0] | articles, s_index, t_index)
                home[(s_index, t_index)] = (s_index, t_index)
            else:
                claims[claims.index(match)] = (match[0] | articles, h_section, h_story)
                home[(s_index, t_index)] = (h_section, h_story)
    if all(spot == printed for spot, printed in home.items()):
        return tuple(sections)
    shared = []
    for s_index, section in enumerate(sections):
        kept: list[Story] = []
        listed: list[SeeAlso] = []
        for t_index, story in enumerate(section.stories):
            h_section, h_story = home[(s_index, t_index)]
            if h_section == s_index:
                kept.append(story)
                continue
            entry = sections[h_section].stories[h_story]
            where = sections[h_section].name
            listed.append(SeeAlso(entry.title, where, entry.anchor, h_section < s_index))
        if not listed:
            shared.append(section)
            continue
        shared.append(
            replace(
                section,
                stories=tuple(kept),
                overview=overview_line(kept),
                elsewhere=tuple(listed),
            )
        )
    return tuple(shared)


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
        self._outlets: dict[str, str] | None = None

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
        mapper: Mapper,
    ) -> None:
        """Build the sections not built yet, the stories of several at once through
        ``mapper`` (worker processes, from the spine).

        This process reads each seat's articles and assembles the sections; the workers
        group and summarise. A seat's articles are read only when the mapper takes its
        job (a few seats per worker in flight), so memory holds a few seats' articles, not
        every seat's.
        """
        todo: dict[tuple[str, datetime], tuple[SeatFollow, datetime]] = {}
        for follow, since in wanted:
            if (follow.key, since) not in self._sections:
                todo.setdefault((follow.key, since), (follow, since))

        def jobs() -> Iterator[tuple[tuple[SeatFollow, datetime], tuple[object, ...]]]:
            for follow, since in todo.values():
                found = self._articles(follow, since)
                yield (follow, since), (self.policy, found, since)

        for (follow, since), stories in mapper.stream(build_stories, jobs()):
            self._sections[(follow.key, since)] = self._section(follow, stories, today)

    def _articles(self, follow: SeatFollow, since: datetime) -> list[SeatArticle]:
        """The seat's articles since ``since``, and those of the few days before, so a story
        already sent is recognised when a new copy of it arrives."""
        window = timedelta(days=self.policy.rules.same_event_days)
        return self.store.articles_for_seats(follow.codes, seen_since=since - window)

    def _section(self, follow: SeatFollow, stories: tuple[Story, ...], today: date) -> SeatSection:
        if self._outlets is None:  # one query for every section this composer builds
            self._outlets = outlet_names(self.store)
        outlets = self._outlets
        stories = tuple(with_outlet_names(with_reader_links(story), outlets) for story in stories)
        if follow.seats:
            stories = tuple(self._badged(follow, story, today) for story in stories)
        return SeatSection(
            key=follow.key,
            name=follow.name,
            overview=overview_line(stories),
            stories=stories,
            context=seat_context(self.gazetteer, follow, today) if follow.seats else "",
        )

    def _badged(self, follow: SeatFollow, story: Story, today: date) -> Story:
        """A ``member`` story about whoever held the seat on its date: when that is not
        the MP today, the badge says so ("Maidenhead's MP at the time")."""
        if story.role is not Role.MEMBER:
            return story
        seats = list(follow.seats)
        then = self.gazetteer.mp_on(
            self.gazetteer.seat_in_force(seats, story.published.date()), story.published.date()
        )
        now = self.gazetteer.mp_on(self.gazetteer.seat_in_force(seats, today), today)
        if then is None or (now is not None and now.mnis_id == then.mnis_id):
            return story
        return replace(story, past_member_of=follow.name)

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
        sections = share_stories([self.section(follow, since, now.date()) for follow in follows])
        return Digest(subscriber=subscriber, period=period, generated_at=now, sections=sections)
