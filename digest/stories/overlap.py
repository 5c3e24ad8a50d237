"""How much two articles have in common, measured on their fingerprints' exact sets.

The grouper (``grouping``) proposes candidates from sketches; each candidate pair is then
measured here exactly: shared three-word phrases (Jaccard and containment), content words,
names, how much of each lead the other tells, the days between them, their seats and the
event evidence they share. ``verdict`` turns the measures into a decision; ``compare`` is
that decision for one pair, as ``digest stories`` shows it.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
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


def shared_with_each(target: np.ndarray, others: Sequence[np.ndarray]) -> np.ndarray:
    """How many values each of ``others`` shares with ``target`` (all sorted and distinct),
    in one search for all of them: an article is checked against several candidates at
    once, cheaper than intersecting pair by pair."""
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


def overlap_of(
    a: StoryInput,
    fa: Fingerprint,
    b: StoryInput,
    fb: Fingerprint,
    phrases: int,
    words: int,
    ledes: tuple[int, int] | None = None,
    evidence_from: float = 0.0,
) -> Overlap:
    """What two articles have in common.

    ``phrases`` and ``words``: how many of each the two share; ``ledes``: how many of a's
    lead words are in b's words and of b's in a's (counted here when not given). The event
    evidence is gathered when the word share reaches ``evidence_from`` (below the rules'
    least share for a same-event join it cannot change the verdict).
    """
    shared_names = len(fa.names & fb.names)
    names = len(fa.names | fb.names)
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
    a: StoryInput, fa: Fingerprint, b: StoryInput, fb: Fingerprint, rules: StoriesConfig
) -> Similarity:
    """Whether two articles are one story, and why (or why not)."""
    overlap = overlap_of(
        a, fa, b, fb, shared_count(fa.phrases, fb.phrases), shared_count(fa.words, fb.words)
    )
    return similarity(overlap, basis(overlap, rules), rules)
