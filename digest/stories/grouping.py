"""Group articles into stories: copies of one article, and other outlets' reports of one event.

Two tests, each cheap to explain to an operator:

* **Same text** (syndicated, re-headlined, lightly edited or updated copies): the share of
  three-word phrases the two texts have in common (Jaccard), or the share of the shorter
  text's phrases found in the longer (containment: an update adds a paragraph, a teaser is
  the top of the article).
* **Same event, other words**: another outlet's own report shares fewer phrases but many of
  the content words and names, is about the same seat, and was published within a few days.

Candidates come from MinHash LSH indexes (datasketch) over the phrases and over the content
words, so each article is compared with the few that could match, never with all; the
decision is then made on the exact sets (measured in ``overlap``, judged by ``verdict``).
Linked articles form one story (union-find).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from datasketch import MinHashLSH

from digest.config import StoriesConfig
from digest.stories.fingerprints import NUM_PERM, WORD_PERM, Fingerprint, fingerprint, minhash
from digest.stories.overlap import (
    StoryInput,
    compare,
    lede_in_words,
    overlap_of,
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

EVENT_LSH_THRESHOLD = 0.15
MAX_COMPARED = 8  # exact comparisons per added article, at most
# A mark (quote run, figure, name) held by more articles than this is not rare: it blocks
# nothing (a council's phone number, "Boris Johnson" in a year of news).
MARK_POSTINGS = 32
SCAN_LIMIT = 300  # up to this many held articles, compare sketches with all; then LSH


# The thresholds are ``[stories]`` in config.toml, defaults and all: one definition.
StoryRules = StoriesConfig


@dataclass(slots=True)
class StoryGroup:
    """Articles that are one story, first-published first, with the links that joined them."""

    members: list[StoryInput]
    links: list[tuple[Hashable, Hashable, Similarity]] = field(default_factory=list)


@lru_cache(maxsize=8)
def _bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """datasketch's bands and rows for a threshold (worked out once: it integrates)."""
    from datasketch import MinHashLSH

    index = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return index.b, index.r


def _grown(rows: np.ndarray, capacity: int) -> np.ndarray:
    bigger = np.zeros((capacity, rows.shape[1]), dtype=rows.dtype)
    bigger[: len(rows)] = rows
    return bigger


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
        # Candidates: while the grouper holds at most SCAN_LIMIT articles, every earlier one
        # (its sketch compared in one numpy step: cheaper than any index at that size, and
        # it misses nothing). Beyond that, MinHash LSH indexes (datasketch), built then from
        # what is held. LSH thresholds sit below the decision thresholds: the indexes
        # propose, the exact sets decide. Other outlets' rewrites share few phrases but many
        # words, or fewer words and the same names (places, people): one index for each. A
        # looser word index would propose a large share of every topical corpus and cost time
        # quadratic in it. The word and name indexes serve the same-event rule, which only
        # joins reports a few days apart: they are kept per span of days and only the spans
        # in reach are asked, so the work per article follows the news of those days, not
        # the corpus. datasketch is imported only then: it loads scipy, a slow import, which a
        # digest of a few hundred articles per seat never needs.
        self._phrase_index: MinHashLSH | None = None
        self._event_indexes: dict[int | None, MinHashLSH] = {}
        self._word_sketches = np.zeros((0, WORD_PERM), dtype=np.uint32)
        self._phrase_sketches = np.zeros((0, NUM_PERM), dtype=np.uint32)
        self._word_counts = np.zeros(0, dtype=np.int64)
        self._reach = math.ceil(self.rules.same_event_days)
        # Blocking by rare marks of the event: each quote run and figure points to the
        # articles holding it (names are left to the word sketches: they are many, and
        # alone they never join), so another outlet's report that shares
        # a quote but few words is still compared.
        self._marked: dict[int | str, list[int]] = {}
        self._items: list[StoryInput] = []
        self._prints: list[Fingerprint] = []
        self._ledes: list[np.ndarray | None] = []  # each print's ``lede_in_words``
        self._parent: list[int] = []
        self._links: list[tuple[int, int, Similarity]] = []

    def _bucket(self, item: StoryInput) -> int | None:
        """The span of days an article is indexed under (``reach + 1`` days wide)."""
        if item.published is None:
            return None
        return item.published.date().toordinal() // (self._reach + 1)

    def _buckets(self, item: StoryInput) -> list[int | None]:
        """The spans an article's event may share: its own and its neighbours (all days
        within reach), and the undated (an undated article asks them all)."""
        bucket = self._bucket(item)
        if bucket is None:
            return list(self._event_indexes)
        return [None, bucket - 1, bucket, bucket + 1]

    def add(self, item: StoryInput, print_: Fingerprint | None = None) -> None:
        """Index an article and link it to every earlier one that is the same story."""
        index = len(self._items)
        found = print_ or fingerprint(item.title, item.text)
        self._items.append(item)
        self._prints.append(found)
        self._ledes.append(lede_in_words(found))
        self._parent.append(index)
        keys = self._marks_of(found)
        marked = self._sharing_marks(index, item, keys)
        # Every earlier article (the rows held so far: a slice, no copy), or those proposed.
        rows: slice | np.ndarray
        if index <= SCAN_LIMIT:
            chosen, rows = np.arange(index), slice(0, index)
        else:
            chosen = rows = np.array(sorted(self._indexed_candidates(found, item) | marked))
        if len(chosen):
            # The sketches already tell most candidates apart: estimate every one at once
            # and only intersect the exact sets of those that may pass a rule.
            words = (self._word_sketches[rows] == found.word_sketch).mean(axis=1)
            phrases = (self._phrase_sketches[rows] == found.phrase_sketch).mean(axis=1)
            sizes = self._word_counts[rows]
            teaser = np.minimum(sizes, len(found.words)) < 0.3 * np.maximum(sizes, len(found.words))
            # The articles sharing a mark are among those chosen: flagged where they sit.
            shares_mark = np.zeros(len(chosen), bool)
            if marked:
                shares_mark[np.searchsorted(chosen, sorted(marked))] = True
            worth = (words >= 0.08) | (phrases >= 0.15) | teaser | shares_mark
            others = chosen[worth]
            if len(others) > MAX_COMPARED:
                # Boilerplate-heavy news (one council's reports) can make everything a
                # candidate: compare only the likeliest, so the cost per article stays flat.
                likely = np.maximum(words, phrases) + shares_mark
                likeliest = likely[worth].argsort(kind="stable")[::-1]
                others = np.sort(others[likeliest[:MAX_COMPARED]])
            self._link(index, others.tolist())
        self._grow(found)
        if self._phrase_index is not None:
            self._index(index)

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
        first while the story is apart from this article. So each story's first candidate is
        judged first (every story's at once), and its other candidates only when that one
        did not let the article in: judging a candidate of a story already joined would
        change nothing when no link is kept.
        """
        stories: dict[int, list[int]] = {}
        for other in others:
            stories.setdefault(self._find(other), []).append(other)
        verdicts: dict[int, str] = {}
        joined: list[int] = []
        waves = ({first: members[:1] for first, members in stories.items()}, stories)
        for wave in waves:
            asked = {
                first: [m for m in members if m not in verdicts]
                for first, members in wave.items()
                if first not in joined
            }
            self._judge_into(index, [m for members in asked.values() for m in members], verdicts)
            firsts = sorted(
                first
                for first, members in asked.items()
                if first not in verdicts and any(verdicts[m] == "same event" for m in members)
            )
            self._judge_into(index, firsts, verdicts)
            for first, members in asked.items():
                if any(
                    verdicts[m] and (verdicts[m] != "same event" or verdicts[first])
                    for m in members
                ):
                    joined.append(first)
        for first in joined:
            self._union(first, index)

    def _judge_into(self, index: int, others: list[int], verdicts: dict[int, str]) -> None:
        """Record the verdict of each of ``others`` against article ``index``."""
        if others:
            for other, (_, joined) in zip(others, self._judge(index, others), strict=True):
                verdicts[other] = joined

    def _judge(self, index: int, others: list[int]) -> list[tuple[Overlap, str]]:
        """Each of ``others`` against article ``index``: what they have in common and the
        verdict (``basis``), the exact sets of all of them intersected at once."""
        item, found = self._items[index], self._prints[index]
        prints = [self._prints[other] for other in others]
        phrases = shared_with_each(found.phrases, [p.phrases for p in prints])
        words, told, telling = self._shared_words(index, others)
        return [
            self._judged(
                overlap_of(
                    self._items[other],
                    print_,
                    item,
                    found,
                    int(shared),
                    int(common),
                    (int(a), int(b)),
                    evidence=False,
                ),
                print_,
                found,
            )
            for other, print_, shared, common, a, b in zip(
                others, prints, phrases, words, told, telling, strict=True
            )
        ]

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
                return shared_words_and_ledes(found, own, pairs)
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

    @staticmethod
    def _marks_of(found: Fingerprint) -> list[int | str]:
        """The keys an article is blocked under: its quote runs' hashes and its figures."""
        keys: list[int | str] = found.marks.quotes.tolist()
        keys.extend(found.marks.numbers)
        return keys

    def _sharing_marks(self, index: int, item: StoryInput, keys: list[int | str]) -> set[int]:
        """Earlier articles within reach in days that share a rare mark of the event; and
        article ``index`` is remembered under its marks (each mark's holders looked up once
        for both: the marks are distinct, so none sees the article itself)."""
        sharing: set[int] = set()
        marked = self._marked
        for key in keys:
            holders = marked.get(key)
            if holders is None:
                marked[key] = [index]
            elif len(holders) <= MARK_POSTINGS:  # beyond, the key blocks nothing: stop growing
                sharing.update(holders)
                holders.append(index)
        if item.published is None or not sharing:
            return sharing
        reach = (self.rules.same_event_days + 1) * 86400
        return {
            other
            for other in sharing
            if (when := self._items[other].published) is None
            or abs((when - item.published).total_seconds()) <= reach
        }

    def _indexed_candidates(self, found: Fingerprint, item: StoryInput) -> set[int]:
        """Earlier articles the LSH indexes propose (built on first need)."""
        if self._phrase_index is None:
            from datasketch import MinHashLSH

            self._phrase_index = MinHashLSH(num_perm=NUM_PERM, params=_bands(0.3, NUM_PERM))
            for held in range(len(self._items) - 1):
                self._index(held)
        candidates = set(self._phrase_index.query(minhash(found.phrase_sketch)))
        word_hash = minhash(found.word_sketch)
        for bucket in self._buckets(item):
            words_index = self._event_indexes.get(bucket)
            if words_index is not None:
                candidates.update(words_index.query(word_hash))
        return candidates

    def _index(self, index: int) -> None:
        """Add a held article to the LSH indexes."""
        from datasketch import MinHashLSH

        assert self._phrase_index is not None
        found = self._prints[index]
        self._phrase_index.insert(index, minhash(found.phrase_sketch))
        own = self._bucket(self._items[index])
        if own not in self._event_indexes:
            self._event_indexes[own] = MinHashLSH(
                num_perm=WORD_PERM, params=_bands(EVENT_LSH_THRESHOLD, WORD_PERM)
            )
        self._event_indexes[own].insert(index, minhash(found.word_sketch))

    def _grow(self, found: Fingerprint) -> None:
        """Append an article's sketches to the arrays candidates are estimated from."""
        count = len(self._prints)
        if count > len(self._word_sketches):
            capacity = max(64, 2 * count)
            self._word_sketches = _grown(self._word_sketches, capacity)
            self._phrase_sketches = _grown(self._phrase_sketches, capacity)
            self._word_counts = np.resize(self._word_counts, capacity)
        self._word_sketches[count - 1] = found.word_sketch
        self._phrase_sketches[count - 1] = found.phrase_sketch
        self._word_counts[count - 1] = len(found.words)

    def kept_bytes(self) -> int:
        """What the grouper keeps per article it has seen: the fingerprints' exact sets (its
        phrases, words, lead, quote runs, names and figures) and which words are the lead's."""
        return sum(mask.nbytes for mask in self._ledes if mask is not None) + sum(
            p.phrases.nbytes
            + p.words.nbytes
            + p.lede.nbytes
            + p.marks.quotes.nbytes
            + sum(map(sys.getsizeof, (p.names, p.marks.numbers, p.marks.names, p.marks.subjects)))
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
