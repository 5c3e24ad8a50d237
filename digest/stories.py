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
decision is then made on the exact sets. Linked articles form one story (union-find).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from datasketch import MinHash, MinHashLSH

from digest.config import StoriesConfig
from digest.summarise import STOPWORDS

PHRASE_WORDS = 3
MIN_SHARED_WORDS = 8
MIN_SHARED_NAMES = 1
NUM_PERM = 64  # for the phrase sketch
WORD_PERM = 128  # for the word sketch: finer, for the lower similarities of rewrites

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_POSSESSIVE = re.compile(r"['’]s$")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?:;])\s+|\n+")


@dataclass(frozen=True, slots=True)
class StoryRules:
    """Thresholds for joining articles into one story (``[stories]`` in config.toml)."""

    # Same text: Jaccard of three-word phrases, or containment of the shorter text, or (for
    # a lightly edited copy) most content words shared.
    same_text: float = 0.5
    same_text_containment: float = 0.75
    same_text_words: float = 0.5
    # Same event in other words: content-word Jaccard alone, or a lower one with shared
    # names; never across seats (when both have one) and only close in time.
    same_event_words: float = 0.3
    same_event_words_with_names: float = 0.15
    same_event_names: float = 0.2
    same_event_days: float = 3.0


def rules_from(config: StoriesConfig) -> StoryRules:
    """The rules as ``[stories]`` in config.toml sets them."""
    return StoryRules(**config.model_dump())


@dataclass(frozen=True, slots=True)
class StoryInput:
    """What grouping needs to know of an article."""

    key: Hashable
    title: str
    text: str
    published: datetime | None = None
    seats: frozenset[str] = frozenset()  # seat codes the article is about or mentions


@dataclass(frozen=True, slots=True)
class Fingerprint:
    phrases: frozenset[int]
    words: frozenset[str]
    names: frozenset[str]
    phrase_hash: MinHash
    word_hash: MinHash


@dataclass(frozen=True, slots=True)
class Similarity:
    """How alike two articles are, and the verdict with its reason."""

    phrases: float  # Jaccard of three-word phrases
    containment: float  # share of the shorter text's phrases in the longer
    words: float  # Jaccard of content words (title and text)
    names: float  # Jaccard of capitalised names
    days_apart: float | None
    shared_seats: bool
    same_story: bool
    reason: str


@dataclass(slots=True)
class StoryGroup:
    """Articles that are one story, first-published first, with the links that joined them."""

    members: list[StoryInput]
    links: list[tuple[Hashable, Hashable, Similarity]] = field(default_factory=list)


def _words(text: str) -> list[str]:
    """Lower-case words, a possessive 's dropped ("Clacton's" is "clacton")."""
    return [_POSSESSIVE.sub("", w.casefold()) for w in _WORD.findall(text)]


def fingerprint(title: str, text: str) -> Fingerprint:
    """The sets and sketches an article is compared by."""
    words = _words(text)
    phrases = frozenset(
        zlib.crc32(" ".join(words[i : i + PHRASE_WORDS]).encode("utf-8"))
        for i in range(max(1, len(words) - PHRASE_WORDS + 1))
    )
    content = frozenset(w for w in _words(f"{title}\n{text}") if w not in STOPWORDS)
    names = _names(text)
    return Fingerprint(
        phrases,
        content,
        names,
        _sketch(phrases, NUM_PERM),
        _sketch((zlib.crc32(w.encode("utf-8")) for w in content), WORD_PERM),
    )


def _names(text: str) -> frozenset[str]:
    """Capitalised words that do not open a sentence: people, places, organisations."""
    found = set()
    for sentence in _SENTENCE_BREAK.split(text):
        for word in _WORD.findall(sentence)[1:]:
            folded = _POSSESSIVE.sub("", word.casefold())
            if word[0].isupper() and folded not in STOPWORDS:
                found.add(folded)
    return frozenset(found)


def _sketch(values: Iterable[int], num_perm: int) -> MinHash:
    template = _template(num_perm)
    sketch = MinHash(
        num_perm=num_perm, permutations=template.permutations, scheme=template.scheme, hashfunc=int
    )
    sketch.update_batch(list(values))
    return sketch


@lru_cache(maxsize=2)
def _template(num_perm: int) -> MinHash:
    return MinHash(num_perm=num_perm, seed=1)


def _jaccard(a: frozenset[object], b: frozenset[object]) -> float:
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def compare(
    a: StoryInput, fa: Fingerprint, b: StoryInput, fb: Fingerprint, rules: StoryRules
) -> Similarity:
    """Whether two articles are one story, and why (or why not)."""
    shared_phrases = len(fa.phrases & fb.phrases)
    phrases = shared_phrases / (len(fa.phrases) + len(fb.phrases) - shared_phrases or 1)
    containment = shared_phrases / (min(len(fa.phrases), len(fb.phrases)) or 1)
    words = _jaccard(fa.words, fb.words)
    names = _jaccard(fa.names, fb.names)
    # Shares of tiny sets mean little: two one-line items about one seat share half their
    # words by chance. Word and name rules need this much evidence.
    enough = len(fa.words & fb.words) >= MIN_SHARED_WORDS
    enough_names = len(fa.names & fb.names) >= MIN_SHARED_NAMES
    days = (
        abs((a.published - b.published).total_seconds()) / 86400
        if a.published is not None and b.published is not None
        else None
    )
    # Seats only keep stories apart when both articles have one and they share none: a
    # rewrite that names no seat can still be the same event.
    shared_seats = bool(a.seats & b.seats) or not (a.seats and b.seats)
    close = days is None or days <= rules.same_event_days
    about = ("same seat" if a.seats & b.seats else "no seat in conflict") + (
        f", {days:.1f} days apart" if days is not None else ""
    )
    if phrases >= rules.same_text:
        same, reason = True, f"same text: {phrases:.0%} of three-word phrases shared"
    elif containment >= rules.same_text_containment:
        same, reason = True, f"same text: {containment:.0%} of the shorter one is in the other"
    elif words >= rules.same_text_words and close and enough:
        same, reason = True, f"edited copy: {words:.0%} of content words shared, {about}"
    elif (
        close
        and shared_seats
        and enough
        and (
            words >= rules.same_event_words
            or (
                words >= rules.same_event_words_with_names
                and names >= rules.same_event_names
                and enough_names
            )
        )
    ):
        same, reason = (
            True,
            f"same event: {words:.0%} of content words and {names:.0%} of names shared, {about}",
        )
    else:
        why = []
        if not enough:
            shared_words = len(fa.words & fb.words)
            why.append(f"only {shared_words} content word{'s' * (shared_words != 1)} in common")
        elif words < rules.same_event_words:
            why.append(f"only {words:.0%} of content words")
            if words >= rules.same_event_words_with_names:
                why[-1] += f" and {names:.0%} of names"
            why[-1] += " shared"
        if not shared_seats:
            why.append("about different seats")
        if not close:
            why.append(f"{days:.1f} days apart")
        same, reason = False, "different stories: " + ", ".join(why)
    return Similarity(phrases, containment, words, names, days, shared_seats, same, reason)


class StoryGrouper:
    """Adds articles one by one; each joins the story of any earlier article it matches."""

    def __init__(self, rules: StoryRules | None = None) -> None:
        self.rules = rules or StoryRules()
        # LSH thresholds sit below the decision thresholds: the index proposes, the exact
        # sets decide.
        self._phrase_index = MinHashLSH(threshold=0.3, num_perm=NUM_PERM)
        # 64 bands of 2 for the words: a pair sharing a fifth of its words is proposed 93
        # times in 100, one sharing a twentieth 15 times in 100.
        self._word_index = MinHashLSH(num_perm=WORD_PERM, params=(64, 2))
        self._items: list[StoryInput] = []
        self._prints: list[Fingerprint] = []
        self._parent: list[int] = []
        self._links: list[tuple[int, int, Similarity]] = []

    def add(self, item: StoryInput, print_: Fingerprint | None = None) -> None:
        """Index an article and link it to every earlier one that is the same story."""
        index = len(self._items)
        found = print_ or fingerprint(item.title, item.text)
        self._items.append(item)
        self._prints.append(found)
        self._parent.append(index)
        candidates = set(self._phrase_index.query(found.phrase_hash))
        candidates |= set(self._word_index.query(found.word_hash))
        for other in sorted(candidates):
            similarity = compare(self._items[other], self._prints[other], item, found, self.rules)
            if similarity.same_story:
                self._links.append((other, index, similarity))
                self._union(other, index)
        self._phrase_index.insert(index, found.phrase_hash)
        self._word_index.insert(index, found.word_hash)

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
        for a, b, similarity in self._links:
            by_root[position[a]].links.append((self._items[a].key, self._items[b].key, similarity))
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
