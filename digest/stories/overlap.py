"""How much two articles have in common, measured on their fingerprints' exact sets.

The grouper (``grouping``) proposes candidates from sketches; each candidate pair is then
measured here exactly: shared three-word phrases (Jaccard and containment), content words,
names, how much of each lead the other tells, the days between them, their seats and the
event evidence they share. ``verdict`` turns the measures into a decision; ``compare`` is
that decision for one pair, as ``digest stories`` shows it.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np

from digest.config import StoriesConfig
from digest.stories.event_evidence import shared_evidence
from digest.stories.fingerprints import Fingerprint
from digest.stories.verdict import NO_EVIDENCE, Overlap, Similarity, basis, similarity


@dataclass(frozen=True, slots=True)
class StoryInput:
    """What grouping needs to know of an article."""

    key: Hashable
    title: str
    text: str
    published: datetime | None = None
    seats: frozenset[str] = frozenset()  # seat codes the article is about or mentions


def shared_count(a: np.ndarray, b: np.ndarray) -> int:
    """How many values two sorted, distinct arrays share."""
    return int(shared_with_each(a, [b])[0])


def shared_with_each(
    target: np.ndarray, others: Sequence[np.ndarray], table: np.ndarray | None = None
) -> np.ndarray:
    """How many values each of ``others`` shares with ``target`` (all sorted and distinct),
    in one search for all of them: an article is checked against several candidates at
    once, cheaper than intersecting pair by pair. With ``table`` (numbered values:
    ``Numbering.phrases``) each value is looked up in it, not searched for."""
    if not len(target) or not others:
        return np.zeros(len(others), dtype=np.int64)
    joined = np.concatenate(others)
    if table is None:
        at = np.minimum(np.searchsorted(target, joined), len(target) - 1)
        return _run_counts(target[at] == joined, others)
    table[target] = True
    hits = table[joined]
    table[target] = False
    return _run_counts(hits, others)


def _run_counts(hits: np.ndarray, runs: Sequence[np.ndarray]) -> np.ndarray:
    """How many of ``hits`` (booleans, along the last axis) are set in each run, the runs
    laid end to end as ``runs`` are: one ``reduceat``, a fraction of the cost of a
    cumulative sum (an empty run, which ``reduceat`` cannot express, counts none)."""
    sizes = np.array([len(run) for run in runs])
    starts = np.cumsum(sizes) - sizes
    filled = sizes > 0
    if filled.all():
        counts: np.ndarray = np.add.reduceat(hits, starts, axis=-1, dtype=np.int64)
        return counts
    counts = np.zeros((*hits.shape[:-1], len(runs)), dtype=np.int64)
    if filled.any():
        counts[..., filled] = np.add.reduceat(hits, starts[filled], axis=-1, dtype=np.int64)
    return counts


def lede_in_words(found: Fingerprint) -> np.ndarray | None:
    """Which of an article's content words are words of its lead (a mask over
    ``found.words``), or ``None`` if its lead holds a word its content words do not.

    A print's lead is its title's and its opening content words, all among its content
    words, so the mask holds the whole lead; ``shared_words_and_ledes`` counts with it.
    """
    words, lede = found.words, found.lede
    mask = np.zeros(len(words), dtype=bool)
    if not len(lede):
        return mask
    if not len(words):
        return None
    at = np.minimum(np.searchsorted(words, lede), len(words) - 1)
    if not np.array_equal(words[at], lede):
        return None
    mask[at] = True
    return mask


def shared_words_and_ledes(
    target: Fingerprint,
    target_lede: np.ndarray,
    others: Sequence[tuple[Fingerprint, np.ndarray]],
    table: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each of ``others`` (a print and its ``lede_in_words`` mask): how many content
    words it shares with ``target``, how many of its lead words are in ``target``'s words,
    and how many of ``target``'s lead words are in its words.

    The three counts from one search of the others' words in the target's: a lead is part
    of its article's words, so a lead word in common is a shared word that is marked as a
    lead word on its side. (Three ``shared_with_each`` searches give the same counts, at
    about three times the cost.) With ``table`` (numbered words: ``Numbering.words``) each
    word is looked up in it instead: 1 for a word of ``target``, 3 for a word of its lead.
    """
    if not len(target.words) or not others:
        empty = np.zeros(len(others), dtype=np.int64)
        return empty, empty.copy(), empty.copy()
    words = target.words
    joined = np.concatenate([print_.words for print_, _ in others])
    if table is None:
        at = np.minimum(np.searchsorted(words, joined), len(words) - 1)
        hit = words[at] == joined
        told = target_lede[at]
    else:
        table[words] = 1
        table[target.lede] = 3
        found = table[joined]
        table[words] = 0
        hit = found != 0
        told = found == 3
    their_lede = np.concatenate([mask for _, mask in others])
    counted = np.stack([hit, hit & their_lede, hit & told])
    counts = _run_counts(counted, [print_.words for print_, _ in others])
    return counts[0], counts[1], counts[2]


@dataclass(frozen=True, slots=True)
class Numbering:
    """Lookup tables for counting what numbered prints (``numbered``) share: one entry
    per phrase number and per word number, all clear between counts."""

    phrases: np.ndarray  # booleans
    words: np.ndarray  # uint8: 1 a word of the article counted against, 3 one of its lead


def numbered(prints: Sequence[Fingerprint]) -> tuple[list[Fingerprint], Numbering]:
    """The prints with each phrase, content word and lead word replaced by its rank among
    those of all of them, and the tables to count them by.

    A rank keeps the order and tells values apart, so every set stays sorted and distinct
    and every count of shared values is the same. Numbered, a value is found in a set by
    one look-up in a table as long as the numbers, where a hash is searched for (a binary
    search, a dozen steps with a cache miss each): the grouper counts each article's
    phrases and words against several candidates, so a seat's articles numbered once are
    counted at a fraction of the cost.
    """
    phrases, phrase_count = _ranked([print_.phrases for print_ in prints])
    words, word_count = _ranked([part for p in prints for part in (p.words, p.lede)])
    renumbered = [
        replace(print_, phrases=phrases[n], words=words[2 * n], lede=words[2 * n + 1])
        for n, print_ in enumerate(prints)
    ]
    tables = Numbering(np.zeros(phrase_count, dtype=bool), np.zeros(word_count, dtype=np.uint8))
    return renumbered, tables


def _ranked(arrays: Sequence[np.ndarray]) -> tuple[list[np.ndarray], int]:
    """Each array's values as their ranks among the values of all, and how many there are.

    Values below 2**32 (the hashes of a print, all 32-bit) are ranked by one sort of each
    value with its position in its low bits: the sort orders by value, the positions say
    where each rank goes (less work than ``np.unique``'s indirect sort)."""
    if not arrays:
        return [], 0
    joined = np.concatenate(arrays).astype(np.uint64, copy=False)
    ends = np.cumsum([len(array) for array in arrays])[:-1]
    if not len(joined) or int(joined.max()) >> 32:
        values, ranks = np.unique(joined, return_inverse=True)
        return np.split(ranks, ends), len(values)
    keyed = (joined << np.uint64(32)) | np.arange(len(joined), dtype=np.uint64)
    keyed.sort()
    ordered = keyed >> np.uint64(32)
    fresh = np.empty(len(keyed), dtype=np.int64)
    fresh[0] = 0
    np.not_equal(ordered[1:], ordered[:-1], out=fresh[1:], casting="unsafe")
    rank = np.cumsum(fresh)
    ranks = np.empty(len(keyed), dtype=np.int64)
    ranks[(keyed & np.uint64(0xFFFFFFFF)).astype(np.intp)] = rank
    return np.split(ranks, ends), int(rank[-1]) + 1


def overlap_of(
    a: StoryInput,
    fa: Fingerprint,
    b: StoryInput,
    fb: Fingerprint,
    phrases: int,
    words: int,
    ledes: tuple[int, int] | None = None,
    *,
    evidence: bool = True,
) -> Overlap:
    """What two articles have in common.

    ``phrases`` and ``words``: how many of each the two share; ``ledes``: how many of a's
    lead words are in b's words and of b's in a's (counted here when not given). Without
    ``evidence`` the event evidence is left out (``NO_EVIDENCE``), for a caller that
    gathers it (``with_evidence``) only where a verdict or a link needs it.
    """
    shared_names = len(fa.names & fb.names)
    # The union's size from the sizes (no union set built): the same count.
    names = len(fa.names) + len(fb.names) - shared_names
    days = (
        abs((a.published - b.published).total_seconds()) / 86400
        if a.published is not None and b.published is not None
        else None
    )
    same_seat = bool(a.seats & b.seats)
    # How much of each lead (what happened) the other article tells: the lesser of the two.
    a_told, b_told = ledes or (shared_count(fb.words, fa.lede), shared_count(fa.words, fb.lede))
    ledes_told = sorted((a_told / (len(fa.lede) or 1), b_told / (len(fb.lede) or 1)))
    share = words / (len(fa.words) + len(fb.words) - words or 1)
    jaccard, containment = phrase_shares(fa, fb, phrases)
    return Overlap(
        phrases=jaccard,
        containment=containment,
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
        evidence=shared_evidence(fa.marks, fb.marks) if evidence else NO_EVIDENCE,
    )


def phrase_shares(fa: Fingerprint, fb: Fingerprint, shared: int) -> tuple[float, float]:
    """The phrases two articles share (``shared`` of them) as a share of all their phrases
    (Jaccard) and of the shorter one's (containment)."""
    a, b = len(fa.phrases), len(fb.phrases)
    return shared / (a + b - shared or 1), shared / (min(a, b) or 1)


def with_evidence(o: Overlap, fa: Fingerprint, fb: Fingerprint) -> Overlap:
    """``o`` (made without evidence) with the event evidence the two articles share."""
    return replace(o, evidence=shared_evidence(fa.marks, fb.marks))


def compare(
    a: StoryInput, fa: Fingerprint, b: StoryInput, fb: Fingerprint, rules: StoriesConfig
) -> Similarity:
    """Whether two articles are one story, and why (or why not)."""
    overlap = overlap_of(
        a, fa, b, fb, shared_count(fa.phrases, fb.phrases), shared_count(fa.words, fb.words)
    )
    return similarity(overlap, basis(overlap, rules), rules)
