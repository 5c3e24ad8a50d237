"""Which earlier articles a new one is compared with: the grouper's candidates.

An article is compared exactly (``overlap``) only with the few earlier ones that could be
the same story. While few are held, every earlier one (its sketch compared in one numpy
step: cheaper than any index at that size, and it misses nothing). Beyond that, MinHash LSH
indexes (datasketch), built then from what is held. LSH thresholds sit below the decision
thresholds: the indexes propose, the exact sets decide. Other outlets' rewrites share few
phrases but many words, or fewer words and the same names (places, people): one index for
each. A looser word index would propose a large share of every topical corpus and cost time
quadratic in it. The word and name indexes serve the same-event rule, which only joins
reports a few days apart: they are kept per span of days and only the spans in reach are
asked, so the work per article follows the news of those days, not the corpus. datasketch
is imported only then: it loads scipy, a slow import, which a digest of a few hundred
articles per seat never needs.

Blocking by rare marks of the event: each quote run and figure points to the articles
holding it (names are left to the word sketches: they are many, and alone they never join),
so another outlet's report that shares a quote but few words is still compared.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from datasketch import MinHashLSH

from digest.config import StoriesConfig
from digest.stories.fingerprints import NUM_PERM, WORD_PERM, Fingerprint, minhash
from digest.stories.overlap import StoryInput

EVENT_LSH_THRESHOLD = 0.15
MAX_COMPARED = 8  # exact comparisons per added article, at most
# A mark (quote run, figure, name) held by more articles than this is not rare: it blocks
# nothing (a council's phone number, "Boris Johnson" in a year of news).
MARK_POSTINGS = 32
SCAN_LIMIT = 300  # up to this many held articles, compare sketches with all; then LSH


@lru_cache(maxsize=8)
def _bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """datasketch's bands and rows for a threshold (worked out once: it integrates)."""
    from datasketch import MinHashLSH

    index = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return index.b, index.r


def _microseconds(when: datetime | None) -> int | None:
    """``when`` in whole microseconds since the epoch (naive times since a naive epoch):
    differences in days read as exactly as subtracting the datetimes."""
    if when is None:
        return None
    return (when - (_EPOCH if when.tzinfo else _NAIVE_EPOCH)) // _MICROSECOND


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)


def _agreement(sketches: np.ndarray, sketch: np.ndarray) -> np.ndarray:
    """The share of each row of ``sketches`` equal to ``sketch`` (a MinHash estimate of
    the Jaccard similarity): ``(sketches == sketch).mean(axis=1)``, the same floats, with
    the agreements counted eight at a time (each eight booleans read as one 64-bit word,
    whose set bits are the agreements) instead of added one by one."""
    agree = sketches == sketch  # a new array, laid out row by row: viewable as words
    if agree.shape[1] % 8:
        mean: np.ndarray = agree.mean(axis=1)
        return mean
    counts = np.bitwise_count(agree.view(np.uint64)).sum(axis=1)
    shares: np.ndarray = counts / agree.shape[1]
    return shares


def _grown(rows: np.ndarray, capacity: int) -> np.ndarray:
    bigger = np.zeros((capacity, rows.shape[1]), dtype=rows.dtype)
    bigger[: len(rows)] = rows
    return bigger


class Candidates:
    """The articles held so far, as sketches, LSH indexes and marks: what proposes the
    earlier articles a new one may be the same story as."""

    def __init__(self, rules: StoriesConfig) -> None:
        self.rules = rules
        self._phrase_index: MinHashLSH | None = None
        self._event_indexes: dict[int | None, MinHashLSH] = {}
        self._word_sketches = np.zeros((0, WORD_PERM), dtype=np.uint32)
        self._phrase_sketches = np.zeros((0, NUM_PERM), dtype=np.uint32)
        self._word_counts = np.zeros(0, dtype=np.int64)
        self._reach = math.ceil(rules.same_event_days)
        self._marked: dict[int | str, list[int]] = {}
        self._published: list[datetime | None] = []
        self._stamps: list[int | None] = []  # the same, in microseconds since the epoch
        self._prints: list[Fingerprint] = []

    def propose(self, index: int, item: StoryInput, found: Fingerprint) -> list[int]:
        """The earlier articles article ``index`` is worth comparing with exactly (at most
        MAX_COMPARED, the likeliest), in order; it is remembered under its marks."""
        self._published.append(item.published)
        self._stamps.append(_microseconds(item.published))
        self._prints.append(found)
        marked = self._sharing_marks(index, item, self._marks_of(found))
        # Every earlier article (the rows held so far: a slice, no copy), or those proposed.
        rows: slice | np.ndarray
        if index <= SCAN_LIMIT:
            chosen, rows = np.arange(index), slice(0, index)
        else:
            chosen = rows = np.array(sorted(self._indexed_candidates(found, item) | marked))
        if not len(chosen):
            return []
        # The sketches already tell most candidates apart: estimate every one at once
        # and only intersect the exact sets of those that may pass a rule.
        words = _agreement(self._word_sketches[rows], found.word_sketch)
        phrases = _agreement(self._phrase_sketches[rows], found.phrase_sketch)
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
        result: list[int] = others.tolist()
        return result

    def hold(self, index: int) -> None:
        """Keep article ``index`` (proposed for) for the articles after it."""
        self._grow(index)
        if self._phrase_index is not None:
            self._index(index)

    def _bucket(self, published: datetime | None) -> int | None:
        """The span of days an article is indexed under (``reach + 1`` days wide)."""
        if published is None:
            return None
        return published.date().toordinal() // (self._reach + 1)

    def _buckets(self, item: StoryInput) -> list[int | None]:
        """The spans an article's event may share: its own and its neighbours (all days
        within reach), and the undated (an undated article asks them all)."""
        bucket = self._bucket(item.published)
        if bucket is None:
            return list(self._event_indexes)
        return [None, bucket - 1, bucket, bucket + 1]

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
        postings: list[list[int]] = []
        marked = self._marked
        for key in keys:
            holders = marked.get(key)
            if holders is None:
                marked[key] = [index]
            elif len(holders) <= MARK_POSTINGS:  # beyond, the key blocks nothing: stop growing
                postings.append(holders)
                holders.append(index)
        # Read after every posting took the article in: it is not one of its own.
        sharing = set(chain.from_iterable(postings))
        sharing.discard(index)
        when = self._stamps[index]
        if when is None or not sharing:
            return sharing
        # Within reach as ``timedelta.total_seconds`` measures it (microseconds / 10**6).
        reach = (self.rules.same_event_days + 1) * 86400
        stamps = self._stamps
        return {
            other
            for other in sharing
            if (then := stamps[other]) is None or abs(then - when) / 1_000_000 <= reach
        }

    def _indexed_candidates(self, found: Fingerprint, item: StoryInput) -> set[int]:
        """Earlier articles the LSH indexes propose (built on first need)."""
        if self._phrase_index is None:
            from datasketch import MinHashLSH

            self._phrase_index = MinHashLSH(num_perm=NUM_PERM, params=_bands(0.3, NUM_PERM))
            for held in range(len(self._published) - 1):
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
        own = self._bucket(self._published[index])
        if own not in self._event_indexes:
            self._event_indexes[own] = MinHashLSH(
                num_perm=WORD_PERM, params=_bands(EVENT_LSH_THRESHOLD, WORD_PERM)
            )
        self._event_indexes[own].insert(index, minhash(found.word_sketch))

    def _grow(self, index: int) -> None:
        """Append an article's sketches to the arrays candidates are estimated from."""
        found = self._prints[index]
        count = index + 1
        if count > len(self._word_sketches):
            capacity = max(64, 2 * count)
            self._word_sketches = _grown(self._word_sketches, capacity)
            self._phrase_sketches = _grown(self._phrase_sketches, capacity)
            self._word_counts = np.resize(self._word_counts, capacity)
        self._word_sketches[count - 1] = found.word_sketch
        self._phrase_sketches[count - 1] = found.phrase_sketch
        self._word_counts[count - 1] = len(found.words)
