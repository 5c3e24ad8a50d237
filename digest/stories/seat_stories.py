"""A seat's stories for one period: its articles grouped, summarised and ordered.

Pure work over articles already read from the store, so a big send can build many seats'
story lists at once in worker processes (``build_stories``) while the composer, in the
calling process, reads the store and assembles the sections.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from digest.bounds import (
    MAX_SENTENCE_CHARS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    bound_text,
    shorten,
    strip_controls,
)
from digest.config import StoriesConfig
from digest.models import Article, Role, Story, StorySource

if TYPE_CHECKING:
    # Only a type here: the worker processes that build stories never load httpx for it.
    from digest.stories.fingerprints import Fingerprint
    from digest.stories.generative import ChatSummariser

# An article as the store gives it for a seat: its strongest role there and its outlets.
SeatArticle = tuple[Article, Role, tuple[StorySource, ...]]


@dataclass(frozen=True, slots=True)
class StoryPolicy:
    """What deciding and summarising a seat's stories needs besides the articles."""

    rules: StoriesConfig  # the grouping thresholds, ``[stories]``
    sentences: int
    resend_updates: str  # "material", "always" or "never" (``[digest] resend_updates``)
    max_stories: int
    # ``[digest] max_text_chars`` / ``max_sentence_chars``: how much of each article a
    # summary reads, how long one of its sentences may be.
    max_text_chars: int = MAX_TEXT_CHARS
    max_sentence_chars: int = MAX_SENTENCE_CHARS
    # ``[digest] live_coverage``: live blogs and match reports "label"led or "omit"ted.
    live_coverage: str = "label"


class StoryBuilder:
    """Builds seats' story lists, remembering fingerprints and summaries across seats (an
    article tagged with two seats is fingerprinted once, a story shown in both summarised
    once)."""

    def __init__(self, policy: StoryPolicy, writer: ChatSummariser | None = None) -> None:
        self.policy = policy
        self.writer = writer
        self._summaries: dict[tuple[int, ...], tuple[str, ...]] = {}
        self._prints: dict[int, Fingerprint] = {}

    def stories(self, found: Sequence[SeatArticle], since: datetime) -> tuple[Story, ...]:
        """The stories first seen since ``since`` (or shown again as updated), about the
        seat first, then mentioning it, then its MP elsewhere; newest first in each.

        ``found`` also holds the few days before ``since``, so a copy arriving today of a
        story sent yesterday is not news again: a story belongs to the period its first
        article arrived in.
        """
        # Imported on first use: numpy is a slow import, which a send with
        # nothing new (the common case for a daemon's or a cron job's run) never needs.
        from digest.stories.grouping import StoryGrouper, StoryInput

        by_id = {article.id: (article, role, sources) for article, role, sources in found}
        grouper = StoryGrouper(self.policy.rules, links=False)  # a digest shows no links
        grouper.add_all(
            [
                (
                    StoryInput(article.id, article.title, article.text, article.published),
                    self._fingerprint(article),
                )
                for article, _, _ in sorted(found, key=lambda f: (f[0].first_seen, f[0].id))
            ]
        )
        chosen: list[tuple[list[SeatArticle], bool]] = []  # members, updated
        for group in grouper.groups():
            members = [by_id[int(str(m.key))] for m in group.members]
            if self.policy.live_coverage == "omit" and self._coverage(members[0][0]):
                continue
            if min(article.first_seen for article, _, _ in members) >= since:
                chosen.append((members, False))
            elif self._updated_since(members, since):
                chosen.append((members, True))
        # Ordered and cut before the stories are made: only those shown are summarised.
        chosen.sort(key=_shown_order, reverse=True)
        stories = []
        for members, updated in chosen[: self.policy.max_stories]:
            story = self._story(members)
            stories.append(replace(story, updated=True) if updated else story)
        return tuple(stories)

    def _fingerprint(self, article: Article) -> Fingerprint:
        """The print stored with the article; made here for one stored without (before
        schema 6) or with a print of an older format."""
        from digest.stories.fingerprints import fingerprint, print_from_bytes

        if article.id not in self._prints:
            stored = (
                print_from_bytes(article.story_print, article.title, article.text)
                if article.story_print
                else None
            )
            self._prints[article.id] = stored or fingerprint(article.title, article.text)
        return self._prints[article.id]

    def _coverage(self, article: Article) -> str:
        """ "live" or "match" for a running page no extract summarises, else ""."""
        from digest.stories.live import coverage_kind

        return coverage_kind(article.title, article.text[: self.policy.max_text_chars])

    def _summary(self, articles: Sequence[Article]) -> tuple[str, ...]:
        key = tuple(a.id for a in articles)
        if key in self._summaries:
            return self._summaries[key]
        kind = self._coverage(articles[0])
        if kind:
            from digest.stories.live import coverage_summary

            self._summaries[key] = coverage_summary(kind)
        else:
            from digest.stories.summarise import summarise_story

            # Articles stored before texts were bounded at polling may still be huge.
            policy = self.policy
            texts = [(a.title, bound_text(a.text, policy.max_text_chars)) for a in articles]
            summary = summarise_story(texts, policy.sentences, policy.max_sentence_chars)
            if self.writer is not None:
                summary = self.writer.summarise(texts, policy.sentences, fallback=summary)
            # Whoever wrote it (a model answers what it likes), a summary is bounded text.
            cleaned = (" ".join(strip_controls(sentence).split()) for sentence in summary)
            self._summaries[key] = tuple(
                shorten(sentence, policy.max_sentence_chars) for sentence in cleaned if sentence
            )
        return self._summaries[key]

    def _updated_since(self, members: Sequence[SeatArticle], since: datetime) -> bool:
        """Whether a story sent before ``since`` changed enough since to be shown again."""
        policy = self.policy.resend_updates
        if policy == "never":
            return False
        changes = (
            article.updated_at if policy == "material" else article.revised_at
            for article, _, _ in members
        )
        return any(change is not None and change >= since for change in changes)

    def _story(self, members: Sequence[SeatArticle]) -> Story:
        """One entry for articles that are one story: the first one's headline, every outlet
        once, the strongest role, one summary drawn from all of them."""
        lead = members[0][0]
        outlets: dict[str, StorySource] = {}
        for _, _, sources in members:
            for source in sources:
                outlets.setdefault(source.name, source)
        return Story(
            id=lead.id,
            title=shorten(" ".join(strip_controls(lead.title).split()), MAX_TITLE_CHARS),
            summary=self._summary([article for article, _, _ in members]),
            published=lead.published,
            sources=tuple(outlets.values()),
            role=_strongest_role(members),
            articles=tuple(article.id for article, _, _ in members),
            lead_link=lead.url,
            lead_guid=lead.guid,
        )


def _shown_order(entry: tuple[list[SeatArticle], bool]) -> tuple[int, datetime | None, int]:
    """A story's place in its seat's list, from its articles (as ``StoryBuilder._story``
    makes it: the strongest role, then the first article's time and id)."""
    members = entry[0]
    lead = members[0][0]
    return (-_strongest_role(members).rank, lead.published, lead.id)


def _strongest_role(members: Sequence[SeatArticle]) -> Role:
    """A story's role in its seat: the strongest of its articles' roles."""
    return min((role for _, role, _ in members), key=lambda r: r.rank)


def build_stories(
    policy: StoryPolicy, found: Sequence[SeatArticle], since: datetime
) -> tuple[Story, ...]:
    """One seat's stories (the entry point for a worker process)."""
    return StoryBuilder(policy).stories(found, since)
