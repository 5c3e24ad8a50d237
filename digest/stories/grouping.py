"""Group articles into stories: copies of one article, and other outlets' reports of one event.

Two tests, each cheap to explain to an operator:

* **Same text** (syndicated, re-headlined, lightly edited or updated copies): the share of
  three-word phrases the two texts have in common (Jaccard), or the share of the shorter
  text's phrases found in the longer (containment: an update adds a paragraph, a teaser is
  the top of the article).
* **Same event, other words**: another outlet's own report shares fewer phrases but many of
  the content words and names, is about the same seat, and was published within a few days.

Candidates come from sketches, MinHash LSH indexes and rare marks (``candidates``), so each
article is compared with the few that could match, never with all; the decision is then
made on the exact sets (measured in ``overlap``, judged by ``verdict``).
Linked articles form one story (union-find).
"""

from __future__ import annotations

import sys
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np

from digest.config import StoriesConfig
from digest.stories.candidates import Candidates
from digest.stories.fingerprints import Fingerprint, fingerprint
from digest.stories.overlap import (
    Numbering,
    StoryInput,
    compare,
    lede_in_words,
    numbered,
    overlap_of,
    phrase_shares,
    shared_with_each,
    shared_words_and_ledes,
    with_evidence,
)
from digest.stories.verdict import (
    NO_EVIDENCE,
    Overlap,
    Similarity,
    basis,
    basis_without_evidence,
    same_text,
    similarity,
)

# ``StoryInput`` and ``compare`` live in ``overlap``; callers import them from here.
__all__ = [
    "StoryGroup",
    "StoryGrouper",
    "StoryInput",
    "StoryRules",
    "compare",
    "group_stories",
]

# The thresholds are ``[stories]`` in config.toml, defaults and all: one definition.
StoryRules = StoriesConfig

# The content words a pair shares, and of each one's lead those the other holds.
_Words = tuple[int, int, int]


@dataclass(slots=True)
class StoryGroup:
    """Articles that are one story, first-published first, with the links that joined them."""

    members: list[StoryInput]
    links: list[tuple[Hashable, Hashable, Similarity]] = field(default_factory=list)


class StoryGrouper:
    """Adds articles one by one; each joins the story of any earlier article it matches."""

    def __init__(self, rules: StoryRules | None = None, *, links: bool = True) -> None:
        """``links``: whether the groups keep the links that joined them, each with its
        verdict and reason (``digest stories`` shows them). A digest reads only the
        members: without links no verdict is put in words and a pair's event evidence is
        gathered only when the verdict depends on it. The members are the same either way.
        """
        self.rules = rules or StoryRules()
        self.keep_links = links
        # Which earlier articles each new one is compared with (``candidates``).
        self._candidates = Candidates(self.rules)
        self._items: list[StoryInput] = []
        self._prints: list[Fingerprint] = []
        self._ledes: list[np.ndarray | None] = []  # each print's ``lede_in_words``
        self._parent: list[int] = []
        self._links: list[tuple[int, int, Similarity]] = []
        self._numbering: Numbering | None = None  # set by ``add_all``

    def add_all(self, articles: Sequence[tuple[StoryInput, Fingerprint]]) -> None:
        """Add articles in the order given, to a grouper that has none yet: the same
        stories as adding each, counted faster. Given all at once, their prints are
        numbered (``overlap.numbered``), so what two articles share is counted by table
        look-ups; the grouper takes no other article after them."""
        if self._items:
            raise ValueError("add_all fills an empty grouper")
        prints, self._numbering = numbered([print_ for _, print_ in articles])
        for (item, _), print_ in zip(articles, prints, strict=True):
            self._add(item, print_)

    def add(self, item: StoryInput, print_: Fingerprint | None = None) -> None:
        """Index an article and link it to every earlier one that is the same story."""
        if self._numbering is not None:
            raise ValueError("a grouper filled by add_all takes no other article")
        self._add(item, print_ or fingerprint(item.title, item.text))

    def _add(self, item: StoryInput, found: Fingerprint) -> None:
        index = len(self._items)
        self._items.append(item)
        self._prints.append(found)
        self._ledes.append(lede_in_words(found))
        self._parent.append(index)
        others = self._candidates.propose(index, item, found)
        if others:
            self._link(index, others)
        self._candidates.hold(index)

    def _link(self, index: int, others: list[int]) -> None:
        """Join article ``index`` to the story of each of ``others`` that it matches."""
        if not self.keep_links:
            self._join(index, others)
            return
        found = self._prints[index]
        judged = self._judge(index, others)
        # Whether article ``index`` is the same story as an earlier one, by that one: the
        # candidates' verdicts, then those of stories' first articles as they are needed.
        same = {other: bool(joined) for other, (_, joined) in zip(others, judged, strict=True)}
        # The first articles the same-event joins below ask about, judged in one step
        # (a verdict does not depend on the stories, so asking before is asking the same;
        # one whose story grows meanwhile is judged when asked).
        firsts = {
            self._find(other)
            for other, (_, joined) in zip(others, judged, strict=True)
            if joined == "same event"
        }.difference(same)
        if firsts:
            ahead = sorted(firsts)
            same.update(
                (first, bool(joined))
                for first, (_, joined) in zip(ahead, self._judge(index, ahead), strict=True)
            )
        # A link shows the event evidence of a pair whose word share reaches the least for a
        # same-event join (below it the evidence can change no verdict, and none is shown).
        least_evidenced = self.rules.same_event_words_with_names
        for other, (overlap, joined) in zip(others, judged, strict=True):
            if not joined:
                continue
            if joined == "same event":
                # A report joins a story through another report only if it is also the same
                # story as the story's first article: reports of one event must not chain,
                # A like B like C, into a story of everything that happened in a town that week.
                first = self._find(other)
                if first not in same:
                    same[first] = bool(self._judge(index, [first])[0][1])
                if not same[first]:
                    continue
            if self.keep_links:
                if overlap.evidence is NO_EVIDENCE and overlap.words >= least_evidenced:
                    overlap = with_evidence(overlap, self._prints[other], found)
                self._links.append((other, index, similarity(overlap, joined, self.rules)))
            self._union(other, index)

    def _join(self, index: int, others: list[int]) -> None:
        """``_link`` for a grouper that keeps no links: the same stories joined, fewer pairs
        judged.

        Which stories article ``index`` joins does not depend on the order its candidates
        are judged in: a candidate lets it join its story by the pair's own verdict and, for
        a same-event join, by the verdict of the story's first article, which stays the
        first while the story is apart from this article. So a story's candidates are
        judged until one lets the article in, and its first article only when a same-event
        verdict asks. What the verdicts read is counted beforehand, for every candidate and
        every candidate story's first article in one search of the exact sets (cheaper than
        a search for each verdict, even counting first articles no verdict asks about).
        """
        stories: dict[int, list[int]] = {}
        for other in others:
            stories.setdefault(self._find(other), []).append(other)
        asked = sorted(stories.keys() | set(others))
        # Only the same-text rule joins articles further apart than a same-event join
        # reaches, and it reads only the phrases: their words are not counted.
        counted = self._counted(index, asked, [o for o in asked if not self._far(index, o)])
        verdicts: dict[int, str] = {}

        def verdict(other: int) -> str:
            if other not in verdicts:
                verdicts[other] = self._verdict(index, other, *counted[other])
            return verdicts[other]

        for first, members in stories.items():
            if any(verdict(m) and (verdict(m) != "same event" or verdict(first)) for m in members):
                self._union(first, index)

    def _counted(
        self, index: int, others: list[int], near: list[int]
    ) -> dict[int, tuple[int, _Words | None]]:
        """The phrases each of ``others`` shares with article ``index`` and, for those of
        ``near``, the words (``_shared_words``), all in one search of each."""
        phrases = self._shared_phrases(index, others).tolist()
        words = zip(*(counts.tolist() for counts in self._shared_words(index, near)), strict=True)
        counted: dict[int, tuple[int, _Words | None]] = {
            other: (shared, None) for other, shared in zip(others, phrases, strict=True)
        }
        for other, shared_words in zip(near, words, strict=True):
            counted[other] = (counted[other][0], shared_words)
        return counted

    def _verdict(self, index: int, other: int, phrases: int, words: _Words | None) -> str:
        """The verdict (``basis``) of a counted pair; ``words`` is ``None`` for a pair too
        far apart in days for any rule but the same text."""
        if words is None:
            shares = phrase_shares(self._prints[other], self._prints[index], phrases)
            return "same text" if same_text(*shares, self.rules) else ""
        return self._judged_pair(index, other, phrases, words)[1]

    def _judge(self, index: int, others: list[int]) -> list[tuple[Overlap, str]]:
        """Each of ``others`` against article ``index``: what they have in common and the
        verdict (``basis``), the exact sets of all of them intersected at once."""
        counted = self._counted(index, others, others)
        judged = []
        for other in others:
            shared, words = counted[other]
            assert words is not None  # every pair's words are counted here
            judged.append(self._judged_pair(index, other, shared, words))
        return judged

    def _shared_phrases(self, index: int, others: list[int]) -> np.ndarray:
        """How many phrases each of ``others`` shares with article ``index``."""
        return shared_with_each(
            self._prints[index].phrases,
            [self._prints[other].phrases for other in others],
            None if self._numbering is None else self._numbering.phrases,
        )

    def _judged_pair(
        self, index: int, other: int, phrases: int, words: _Words
    ) -> tuple[Overlap, str]:
        """What articles ``other`` and ``index`` have in common and the verdict, from the
        phrases and words they share (counted for many pairs at once)."""
        print_, found = self._prints[other], self._prints[index]
        common, told, telling = words
        overlap = overlap_of(
            self._items[other],
            print_,
            self._items[index],
            found,
            phrases,
            common,
            (told, telling),
            evidence=False,
        )
        return self._judged(overlap, print_, found)

    def _far(self, index: int, other: int) -> bool:
        """Whether two articles are further apart in days than a same-event join reaches
        (measured as ``overlap_of`` measures them)."""
        a, b = self._items[other].published, self._items[index].published
        if a is None or b is None:
            return False
        return abs((a - b).total_seconds()) / 86400 > self.rules.same_event_days

    def _shared_words(
        self, index: int, others: list[int]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The content words each of ``others`` shares with article ``index``, and each
        lead against the other's words: theirs in this one's, this one's in theirs (an
        intersection's size is the same counted from either side)."""
        found, own = self._prints[index], self._ledes[index]
        marked = [(self._prints[other], self._ledes[other]) for other in others]
        if own is not None:
            pairs = [(print_, mask) for print_, mask in marked if mask is not None]
            if len(pairs) == len(marked):
                table = None if self._numbering is None else self._numbering.words
                return shared_words_and_ledes(found, own, pairs, table)
        # A print whose lead is not among its words (none that ``fingerprint`` makes).
        prints = [print_ for print_, _ in marked]
        return (
            shared_with_each(found.words, [p.words for p in prints]),
            shared_with_each(found.words, [p.lede for p in prints]),
            shared_with_each(found.lede, [p.words for p in prints]),
        )

    def _judged(self, overlap: Overlap, fa: Fingerprint, fb: Fingerprint) -> tuple[Overlap, str]:
        """A pair's verdict (``basis``) from an overlap made without event evidence, which
        is gathered (and kept in the overlap returned) only when the verdict depends on it."""
        joined = basis_without_evidence(overlap, self.rules)
        if joined is not None:
            return overlap, joined
        overlap = with_evidence(overlap, fa, fb)
        return overlap, basis(overlap, self.rules)

    def kept_bytes(self) -> int:
        """What the grouper keeps per article it has seen: the fingerprints' exact sets (its
        phrases, words, lead, quote runs, names and figures) and which words are the lead's
        (event names are read, and kept, only for the pairs that need them: not counted)."""
        return sum(mask.nbytes for mask in self._ledes if mask is not None) + sum(
            p.phrases.nbytes
            + p.words.nbytes
            + p.lede.nbytes
            + p.marks.quotes.nbytes
            + sum(map(sys.getsizeof, (p.names, p.marks.numbers)))
            for p in self._prints
        )

    def _find(self, index: int) -> int:
        while self._parent[index] != index:
            self._parent[index] = self._parent[self._parent[index]]
            index = self._parent[index]
        return index

    def _union(self, a: int, b: int) -> None:
        root_a, root_b = self._find(a), self._find(b)
        if root_a != root_b:
            self._parent[max(root_a, root_b)] = min(root_a, root_b)

    def groups(self) -> list[StoryGroup]:
        """Every story, in the order their first article was added."""
        by_root: dict[int, StoryGroup] = {}
        position: dict[int, int] = {}
        for index, item in enumerate(self._items):
            root = self._find(index)
            group = by_root.setdefault(root, StoryGroup([]))
            group.members.append(item)
            position[index] = root
        for a, b, verdict in self._links:
            by_root[position[a]].links.append((self._items[a].key, self._items[b].key, verdict))
        for group in by_root.values():
            group.members.sort(key=_published_order)
        return [by_root[root] for root in sorted(by_root)]


def _published_order(item: StoryInput) -> tuple[float, str]:
    return (item.published.timestamp() if item.published else float("inf"), str(item.key))


def group_stories(items: Sequence[StoryInput], rules: StoryRules | None = None) -> list[StoryGroup]:
    """The stories among ``items`` (added in the order given)."""
    grouper = StoryGrouper(rules)
    for item in items:
        grouper.add(item)
    return grouper.groups()
