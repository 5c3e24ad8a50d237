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

import math
import re
import string
import sys
import zlib
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from datasketch import MinHash, MinHashLSH

from digest.config import StoriesConfig
from digest.stories.event_evidence import EventMarks, event_marks, shared_evidence
from digest.stories.verdict import NO_EVIDENCE, Overlap, Similarity, basis, similarity
from digest.text import STOPWORDS

__all__ = ["Similarity"]  # defined in story_verdict, imported from here by callers

PHRASE_WORDS = 3
LEDE_WORDS = 25  # the opening content words that, with the title, say what happened
NUM_PERM = 32  # for the phrase and name sketches
WORD_PERM = 64  # for the word sketch: finer, for the lower similarities of rewrites
EVENT_LSH_THRESHOLD = 0.15
MAX_COMPARED = 8  # exact comparisons per added article, at most
# A mark (quote run, figure, name) held by more articles than this is not rare: it blocks
# nothing (a council's phone number, "Boris Johnson" in a year of news).
MARK_POSTINGS = 32
SCAN_LIMIT = 300  # up to this many held articles, compare sketches with all; then LSH

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_POSSESSIVE = re.compile(r"['’]s\b")
_HASH_WORD = re.compile(r"[^\W_]+")  # dedupe.normalised_text's words
# A capitalised word after a space; the character before the space is checked in Python
# (a word character, comma or bracket): a look-behind in the pattern would make the regex
# engine try it at every character of the text, at twice the cost.
_SPACED_CAPITAL = re.compile(r" [A-Z][\w’'-]*")
# Trimmed from both ends of a token (the straight apostrophe is left to the word pattern).
_EDGE_PUNCTUATION = string.punctuation.replace("'", "") + "“”‘’—–…«»„"


# The thresholds are ``[stories]`` in config.toml, defaults and all: one definition.
StoryRules = StoriesConfig


@dataclass(frozen=True, slots=True)
class StoryInput:
    """What grouping needs to know of an article."""

    key: Hashable
    title: str
    text: str
    published: datetime | None = None
    seats: frozenset[str] = frozenset()  # seat codes the article is about or mentions


@dataclass(frozen=True, slots=True, eq=False)
class Fingerprint:
    """An article's phrases and content words (sorted unique 32-bit hashes: a tenth of the
    memory of Python sets), its names, MinHash sketches of the phrases and of the words
    with the names, its lead's content words (title and opening) and its marks of the event
    (quotes, figures, names: ``event_evidence``)."""

    phrases: np.ndarray
    words: np.ndarray
    names: frozenset[str]
    phrase_sketch: np.ndarray  # MinHash signature (uint32) of the phrases
    word_sketch: np.ndarray  # ... of the content words and names
    lede: np.ndarray
    marks: EventMarks


@dataclass(slots=True)
class StoryGroup:
    """Articles that are one story, first-published first, with the links that joined them."""

    members: list[StoryInput]
    links: list[tuple[Hashable, Hashable, Similarity]] = field(default_factory=list)


def _words(text: str) -> list[str]:
    """Lower-case words, a possessive 's dropped ("Clacton's" is "clacton").

    Split at spaces with punctuation trimmed first: most tokens are then plain words, and
    only the rest (apostrophes, hyphens, "U.K.") go through the word pattern, which gives
    the same words as running it over the whole text at about half the cost.
    """
    found: list[str] = []
    append = found.append
    for token in text.casefold().split():
        token = token.strip(_EDGE_PUNCTUATION)
        if token.isalnum():
            append(token)
        elif token:
            found.extend(_WORD.findall(_POSSESSIVE.sub("", token)))
    return found


def words_and_hash_words(text: str) -> tuple[list[str], list[str]]:
    """``_words(text)``, and from the same pass the words ``dedupe.content_hash`` is made of
    (``normalised_text``: runs of letters and digits, apostrophes splitting them).

    Preparing an article needs both; nearly every token is a plain word that is the same
    in each, so one pass over the text serves the two (a third of their cost apart).
    """
    found: list[str] = []
    hashed: list[str] = []
    append, keep = found.append, hashed.append
    for token in text.casefold().split():
        if token.isalnum():
            append(token)
            keep(token)
            continue
        hashed.extend(_HASH_WORD.findall(token))
        token = token.strip(_EDGE_PUNCTUATION)
        if token.isalnum():
            append(token)
        elif token:
            found.extend(_WORD.findall(_POSSESSIVE.sub("", token)))
    return found, hashed


def _word_hashes(words: Sequence[str]) -> list[int]:
    """crc32 of each word, remembered (the vocabulary of news is small)."""
    found = list(map(_WORD_HASHES.get, words))
    if None in found:
        if len(_WORD_HASHES) > 200_000:
            _WORD_HASHES.clear()
        for position, value in enumerate(found):
            if value is None:
                word = words[position]
                found[position] = _WORD_HASHES[word] = zlib.crc32(word.encode("utf-8"))
    return found  # type: ignore[return-value]


_WORD_HASHES: dict[str, int] = {}


def fingerprint(title: str, text: str, words: list[str] | None = None) -> Fingerprint:
    """The sets and sketches an article is compared by (``words``: ``_words(text)``, when
    already made)."""
    words = _words(text) if words is None else words
    hashes = np.array(_word_hashes(words), dtype=np.uint64)
    if len(hashes) >= PHRASE_WORDS:
        # A phrase's hash mixes its words' hashes (odd multipliers, kept to 32 bits).
        mixed = hashes[:-2] * np.uint64(0x9E3779B1) + hashes[1:-1] * np.uint64(0x85EBCA77)
        phrase_hashes = (mixed + hashes[2:]) & np.uint64(0xFFFFFFFF)
    else:
        phrase_hashes = hashes
    phrases = _unique(phrase_hashes)
    title_words = [w for w in _words(title) if w not in STOPWORDS]
    stop = _stopword_hashes()
    at = np.minimum(np.searchsorted(stop, hashes), len(stop) - 1)
    content = hashes[stop[at] != hashes]
    title_hashes = np.array(_word_hashes(title_words), dtype=np.uint64)
    content_hashes = _unique(np.concatenate([content, title_hashes]))
    names = _names(text)
    # The event sketch holds the content words and, once more under a mark, the names: a
    # rewrite keeps the places and people while changing most other words.
    marked = np.array(_word_hashes([f"@{name}" for name in names]), dtype=np.uint64)
    # The lead: the title and the opening content words, what happened.
    lede = _unique(np.concatenate([title_hashes, content[:LEDE_WORDS]]))
    return Fingerprint(
        phrases,
        content_hashes,
        names,
        _signature(phrases, NUM_PERM),
        _signature(np.concatenate([content_hashes, marked]), WORD_PERM),
        lede,
        event_marks(title, text),
    )


# The layout of a stored fingerprint (``print_bytes``). Bump it whenever ``fingerprint``
# would give another result for the same text (phrases, hashes, stop words, sketches): a
# stored print of another format is ignored and the article fingerprinted again.
PRINT_FORMAT = 2  # 2: the lead's words and the event marks added
_PRINT_HEADER = 5  # format, phrase, word, lead word and quote run counts (uint32 each)
_GROUP = "\x1e"  # between the string sets: names, figures, event names, subjects


def print_bytes(found: Fingerprint) -> bytes:
    """A fingerprint as stored with its article: made once when the article is prepared,
    so composing a digest (every send, over every article of the last few days) reads it
    instead of tokenising and hashing the text again. 32-bit values throughout."""
    marks = found.marks
    counts = [len(found.phrases), len(found.words), len(found.lede), len(marks.quotes)]
    header = np.array([PRINT_FORMAT, *counts], dtype=np.uint32)
    strings = (found.names, marks.numbers, marks.names, marks.subjects)
    return b"".join(
        [
            header.tobytes(),
            found.phrases.astype(np.uint32).tobytes(),
            found.words.astype(np.uint32).tobytes(),
            found.phrase_sketch.astype(np.uint32).tobytes(),
            found.word_sketch.astype(np.uint32).tobytes(),
            found.lede.astype(np.uint32).tobytes(),
            marks.quotes.astype(np.uint32).tobytes(),
            _GROUP.join("\n".join(sorted(group)) for group in strings).encode("utf-8"),
        ]
    )


def print_from_bytes(data: bytes) -> Fingerprint | None:
    """A stored fingerprint, or ``None`` for one of another format (or damaged)."""
    ints = len(data) // 4
    if ints < 1 or int(np.frombuffer(data, np.uint32, 1)[0]) != PRINT_FORMAT:
        return None  # another format (format 1 had a shorter header)
    if ints < _PRINT_HEADER:
        return None
    header = np.frombuffer(data, np.uint32, _PRINT_HEADER)
    phrases, words, lede, quotes = (int(v) for v in header[1:])
    end = _PRINT_HEADER + phrases + words + NUM_PERM + WORD_PERM + lede + quotes
    if ints < end:
        return None
    values = np.frombuffer(data, np.uint32, end - _PRINT_HEADER, 4 * _PRINT_HEADER)
    at = phrases + words
    sketches = at + NUM_PERM + WORD_PERM
    try:
        groups = data[4 * end :].decode("utf-8").split(_GROUP)
    except UnicodeDecodeError:
        return None
    if len(groups) != 4:
        return None
    names, numbers, event_names, subjects = (
        frozenset(group.split("\n")) if group else frozenset() for group in groups
    )
    return Fingerprint(
        values[:phrases].astype(np.uint64),
        values[phrases:at].astype(np.uint64),
        names,
        values[at : at + NUM_PERM].copy(),
        values[at + NUM_PERM : sketches].copy(),
        values[sketches : sketches + lede].astype(np.uint64),
        EventMarks(values[sketches + lede :].astype(np.uint64), numbers, event_names, subjects),
    )


def _unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (a quarter of ``np.unique``'s cost on arrays this small)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


@lru_cache(maxsize=1)
def _stopword_hashes() -> np.ndarray:
    """The stop words' hashes, sorted, for masking them out of an article's in one step."""
    return _unique(np.array(_word_hashes(sorted(STOPWORDS)), dtype=np.uint64))


def _names(text: str) -> frozenset[str]:
    """Capitalised words that do not open a sentence: people, places, organisations.

    A word counts when a word, comma or bracket and one space come before it; after a full
    stop, a line break or a quotation mark it may only be capitalised for the sentence.
    """
    spotted = set()
    for match in _SPACED_CAPITAL.finditer(text):
        before = match.start() - 1
        if before >= 0 and (text[before].isalnum() or text[before] in ",)_"):
            spotted.add(match.group()[1:])
    found = set()
    for name in spotted:  # each name once: they recur through an article
        folded = name.casefold()
        if "'" in folded or "’" in folded:
            folded = _POSSESSIVE.sub("", folded)
        found.add(folded)
    return frozenset(found - STOPWORDS)


def _signature(values: np.ndarray, num_perm: int) -> np.ndarray:
    """A MinHash signature of 32-bit hashes, computed in one numpy step: per permutation the
    multiply-shift hash ``(a * v + b) mod 2**64 >> 32`` (a universal family; numpy's
    unsigned arithmetic wraps, so there is no division). Only this process compares them."""
    a, b = _permutations(num_perm)
    if not len(values):
        return np.full(num_perm, 0xFFFFFFFF, dtype=np.uint32)
    # One row per permutation, added to in place; the shift commutes with the minimum (it
    # keeps order), so only the minima are shifted: half the cost, the same signature.
    hashed = np.multiply.outer(a, values)
    hashed += b[:, None]
    signature: np.ndarray = hashed.min(axis=1) >> np.uint64(32)
    return signature.astype(np.uint32)


def _minhash(signature: np.ndarray) -> MinHash:
    """datasketch's wrapper around one of our signatures, for its LSH index."""
    from datasketch import MinHash

    template = _template(len(signature))
    return MinHash(
        num_perm=len(signature),
        hashvalues=signature,
        permutations=template.permutations,
        scheme=template.scheme,
    )


@lru_cache(maxsize=2)
def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    generator = np.random.default_rng(1)
    a = generator.integers(0, 1 << 63, size=num_perm, dtype=np.uint64) * np.uint64(2) + 1
    b = generator.integers(0, 1 << 63, size=num_perm, dtype=np.uint64)
    return a, b


@lru_cache(maxsize=2)
def _template(num_perm: int) -> MinHash:
    """A datasketch MinHash whose scheme and permutations the wrappers borrow: LSH needs
    its type, not its hashing (the signatures are ours, from ``_permutations``)."""
    from datasketch import MinHash

    return MinHash(num_perm=num_perm, seed=1)


def _shared(a: np.ndarray, b: np.ndarray) -> int:
    return int(_shared_with_each(a, [b])[0])


def _shared_with_each(target: np.ndarray, others: Sequence[np.ndarray]) -> np.ndarray:
    """How many values each of ``others`` shares with ``target`` (all sorted and distinct),
    in one search for all of them: an article is checked against several candidates at
    once, a third of the cost of intersecting pair by pair."""
    if not len(target) or not others:
        return np.zeros(len(others), dtype=np.int64)
    joined = np.concatenate(others)
    at = np.minimum(np.searchsorted(target, joined), len(target) - 1)
    hits = np.zeros(len(joined) + 1, dtype=np.int64)
    np.cumsum(target[at] == joined, out=hits[1:])
    sizes = np.array([len(other) for other in others])
    ends = np.cumsum(sizes)
    counts: np.ndarray = hits[ends] - hits[ends - sizes]
    return counts


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


def _overlap(
    a: StoryInput,
    fa: Fingerprint,
    b: StoryInput,
    fb: Fingerprint,
    phrases: int,
    words: int,
    ledes: tuple[int, int] | None = None,
    evidence_from: float = 0.0,
) -> Overlap:
    """``phrases`` and ``words``: how many of each the two share; ``ledes``: how many of
    a's lead words are in b's words and of b's in a's (counted here when not given).
    The event evidence is gathered when the word share reaches ``evidence_from`` (below
    the rules' least share for a same-event join it cannot change the verdict)."""
    shared_names = len(fa.names & fb.names)
    names = len(fa.names | fb.names)
    days = (
        abs((a.published - b.published).total_seconds()) / 86400
        if a.published is not None and b.published is not None
        else None
    )
    same_seat = bool(a.seats & b.seats)
    # How much of each lead (what happened) the other article tells: the lesser of the two.
    a_told, b_told = ledes or (_shared(fb.words, fa.lede), _shared(fa.words, fb.lede))
    ledes_told = sorted((a_told / (len(fa.lede) or 1), b_told / (len(fb.lede) or 1)))
    share = words / (len(fa.words) + len(fb.words) - words or 1)
    return Overlap(
        phrases=phrases / (len(fa.phrases) + len(fb.phrases) - phrases or 1),
        containment=phrases / (min(len(fa.phrases), len(fb.phrases)) or 1),
        words=share,
        names=shared_names / names if names else 0.0,
        shared_words=words,
        shared_names=shared_names,
        days=days,
        same_seat=same_seat,
        # Seats only keep stories apart when both articles have one and they share none: a
        # rewrite that names no seat can still be the same event.
        shared_seats=same_seat or not (a.seats and b.seats),
        lede=ledes_told[0],
        lede_other=ledes_told[1],
        evidence=shared_evidence(fa.marks, fb.marks) if share >= evidence_from else NO_EVIDENCE,
    )


def compare(
    a: StoryInput, fa: Fingerprint, b: StoryInput, fb: Fingerprint, rules: StoryRules
) -> Similarity:
    """Whether two articles are one story, and why (or why not)."""
    overlap = _overlap(a, fa, b, fb, _shared(fa.phrases, fb.phrases), _shared(fa.words, fb.words))
    return similarity(overlap, basis(overlap, rules), rules)


class StoryGrouper:
    """Adds articles one by one; each joins the story of any earlier article it matches."""

    def __init__(self, rules: StoryRules | None = None) -> None:
        self.rules = rules or StoryRules()
        # Candidates: while the grouper holds at most SCAN_LIMIT articles, every earlier one
        # (its sketch compared in one numpy step: cheaper than any index at that size, and
        # it misses nothing). Beyond that, MinHash LSH indexes (datasketch), built then from
        # what is held. LSH thresholds sit below the decision thresholds: the indexes
        # propose, the exact sets decide. Other outlets' rewrites share few phrases but many
        # words, or fewer words and the same names (places, people): one index for each. A
        # looser word index would propose half of every topical corpus and cost time
        # quadratic in it. The word and name indexes serve the same-event rule, which only
        # joins reports a few days apart: they are kept per span of days and only the spans
        # in reach are asked, so the work per article follows the news of those days, not
        # the corpus. datasketch is imported only then: it loads scipy (0.8 s), which a
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
        self._parent.append(index)
        keys = self._marks_of(found)
        marked = self._sharing_marks(item, keys)
        if index <= SCAN_LIMIT:
            candidates: set[int] | range = range(index)
        else:
            candidates = self._indexed_candidates(found, item) | marked
        if candidates:
            chosen = sorted(candidates)
            # The sketches already tell most candidates apart: estimate every one at once
            # and only intersect the exact sets of those that may pass a rule.
            words = (self._word_sketches[chosen] == found.word_sketch).mean(axis=1)
            phrases = (self._phrase_sketches[chosen] == found.phrase_sketch).mean(axis=1)
            sizes = self._word_counts[chosen]
            teaser = np.minimum(sizes, len(found.words)) < 0.3 * np.maximum(sizes, len(found.words))
            shares_mark = np.isin(chosen, list(marked)) if marked else np.zeros(len(chosen), bool)
            worth = (words >= 0.08) | (phrases >= 0.15) | teaser | shares_mark
            others = np.asarray(chosen)[worth]
            if len(others) > MAX_COMPARED:
                # Boilerplate-heavy news (one council's reports) can make everything a
                # candidate: compare only the likeliest, so the cost per article stays flat.
                likely = np.maximum(words, phrases) + shares_mark
                likeliest = likely[worth].argsort(kind="stable")[::-1]
                others = np.sort(others[likeliest[:MAX_COMPARED]])
            self._link(index, others.tolist())
        self._remember_marks(index, keys)
        self._grow(found)
        if self._phrase_index is not None:
            self._index(index)

    def _link(self, index: int, others: list[int]) -> None:
        """Join article ``index`` to the story of each of ``others`` that it matches."""
        item, found = self._items[index], self._prints[index]
        prints = [self._prints[other] for other in others]
        phrases = _shared_with_each(found.phrases, [p.phrases for p in prints])
        words = _shared_with_each(found.words, [p.words for p in prints])
        # Each lead against the other's words: theirs in this one's, this one's in theirs
        # (an intersection's size is the same counted from either side).
        told = _shared_with_each(found.words, [p.lede for p in prints])
        telling = _shared_with_each(found.lede, [p.words for p in prints])
        least = self.rules.same_event_words_with_names
        overlaps = [
            _overlap(
                self._items[other],
                print_,
                item,
                found,
                int(shared),
                int(common),
                (int(a), int(b)),
                least,
            )
            for other, print_, shared, common, a, b in zip(
                others, prints, phrases, words, told, telling, strict=True
            )
        ]
        bases = [basis(overlap, self.rules) for overlap in overlaps]
        # Whether article ``index`` is the same story as an earlier one, by that one: the
        # candidates' verdicts, then those of stories' first articles as they are needed.
        same = {other: bool(joined) for other, joined in zip(others, bases, strict=True)}
        for other, overlap, joined in zip(others, overlaps, bases, strict=True):
            if not joined:
                continue
            if joined == "same event":
                # A report joins a story through another report only if it is also the same
                # story as the story's first article: reports of one event must not chain,
                # A like B like C, into a story of everything that happened in a town that week.
                first = self._find(other)
                if first not in same:
                    same[first] = self._same_story(first, index)
                if not same[first]:
                    continue
            self._links.append((other, index, similarity(overlap, joined, self.rules)))
            self._union(other, index)

    @staticmethod
    def _marks_of(found: Fingerprint) -> list[int | str]:
        """The keys an article is blocked under: its quote runs' hashes and its figures."""
        keys: list[int | str] = found.marks.quotes.tolist()
        keys.extend(found.marks.numbers)
        return keys

    def _sharing_marks(self, item: StoryInput, keys: list[int | str]) -> set[int]:
        """Earlier articles within reach in days that share a rare mark of the event."""
        sharing: set[int] = set()
        get = self._marked.get
        for key in keys:
            holders = get(key)
            if holders and len(holders) <= MARK_POSTINGS:
                sharing.update(holders)
        if item.published is None or not sharing:
            return sharing
        reach = (self.rules.same_event_days + 1) * 86400
        return {
            other
            for other in sharing
            if (when := self._items[other].published) is None
            or abs((when - item.published).total_seconds()) <= reach
        }

    def _remember_marks(self, index: int, keys: list[int | str]) -> None:
        marked = self._marked
        for key in keys:
            holders = marked.get(key)
            if holders is None:
                marked[key] = [index]
            elif len(holders) <= MARK_POSTINGS:  # beyond, the key blocks nothing: stop growing
                holders.append(index)

    def _indexed_candidates(self, found: Fingerprint, item: StoryInput) -> set[int]:
        """Earlier articles the LSH indexes propose (built on first need)."""
        if self._phrase_index is None:
            from datasketch import MinHashLSH

            self._phrase_index = MinHashLSH(num_perm=NUM_PERM, params=_bands(0.3, NUM_PERM))
            for held in range(len(self._items) - 1):
                self._index(held)
        candidates = set(self._phrase_index.query(_minhash(found.phrase_sketch)))
        word_hash = _minhash(found.word_sketch)
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
        self._phrase_index.insert(index, _minhash(found.phrase_sketch))
        own = self._bucket(self._items[index])
        if own not in self._event_indexes:
            self._event_indexes[own] = MinHashLSH(
                num_perm=WORD_PERM, params=_bands(EVENT_LSH_THRESHOLD, WORD_PERM)
            )
        self._event_indexes[own].insert(index, _minhash(found.word_sketch))

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
        phrases, words, lead, quote runs, names and figures)."""
        return sum(
            p.phrases.nbytes
            + p.words.nbytes
            + p.lede.nbytes
            + p.marks.quotes.nbytes
            + sum(map(sys.getsizeof, (p.names, p.marks.numbers, p.marks.names, p.marks.subjects)))
            for p in self._prints
        )

    def _same_story(self, earlier: int, index: int) -> bool:
        a, fa = self._items[earlier], self._prints[earlier]
        b, fb = self._items[index], self._prints[index]
        shared = _shared(fa.phrases, fb.phrases), _shared(fa.words, fb.words)
        return bool(basis(_overlap(a, fa, b, fb, *shared), self.rules))

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
