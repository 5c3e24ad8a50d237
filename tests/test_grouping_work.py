"""Grouping for a digest does less work than ``digest stories`` and decides the same.

A digest reads only a story's members: its grouper keeps no links (no verdict in words)
and gathers a pair's event evidence only where the verdict depends on it. These tests hold
it to the same stories as the grouper that explains every link, and the one-search counts
of shared words and leads to the plain intersections.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from digest.stories.fingerprints import fingerprint
from digest.stories.grouping import StoryGrouper, StoryInput
from digest.stories.overlap import lede_in_words, shared_with_each, shared_words_and_ledes
from tests.test_stories import ARTICLES


def _members(grouper: StoryGrouper) -> list[list[object]]:
    return [[m.key for m in group.members] for group in grouper.groups()]


def _grouped(items: list[StoryInput], *, links: bool) -> StoryGrouper:
    grouper = StoryGrouper(links=links)
    for item in items:
        grouper.add(item)
    return grouper


def test_a_digest_grouper_makes_the_same_stories_without_links() -> None:
    # The labelled fixture pages, over a week so that days apart matter too, once without
    # their seats (as a digest groups one seat's articles) and once with them.
    start = datetime(2024, 5, 1, 9, tzinfo=UTC)
    for seated in (False, True):
        items = [
            StoryInput(
                key,
                item.title,
                item.text,
                start + timedelta(hours=9 * number),
                item.seats if seated else frozenset(),
            )
            for number, (key, item) in enumerate(sorted(ARTICLES.items()))
        ]
        explained = _grouped(items, links=True)
        quiet = _grouped(items, links=False)
        assert _members(quiet) == _members(explained)
        assert any(group.links for group in explained.groups())
        assert not any(group.links for group in quiet.groups())


def test_one_search_counts_shared_words_and_both_leads() -> None:
    prints = [fingerprint(item.title, item.text) for item in ARTICLES.values()]
    target, others = prints[0], prints[1:]
    own = lede_in_words(target)
    masks = [lede_in_words(print_) for print_ in others]
    assert own is not None and all(mask is not None for mask in masks)
    assert int(own.sum()) == len(target.lede)
    pairs = [(print_, mask) for print_, mask in zip(others, masks, strict=True) if mask is not None]
    words, told, telling = shared_words_and_ledes(target, own, pairs)
    assert words.tolist() == shared_with_each(target.words, [p.words for p in others]).tolist()
    assert told.tolist() == shared_with_each(target.words, [p.lede for p in others]).tolist()
    assert telling.tolist() == shared_with_each(target.lede, [p.words for p in others]).tolist()
    assert np.any(telling) and np.any(told)


def test_a_lead_outside_the_words_is_not_masked() -> None:
    found = fingerprint("Council votes on budget", "The council voted on its budget today.")
    odd = type(found)(
        found.phrases,
        np.setdiff1d(found.words, found.lede[:1], assume_unique=True),  # a lead word left out
        found.names,
        found.phrase_sketch,
        found.word_sketch,
        found.lede,
        found.marks,
    )
    assert lede_in_words(odd) is None
