"""Grouping for a digest does less work than ``digest stories`` and decides the same.

A digest reads only a story's members: its grouper keeps no links (no verdict in words)
and gathers a pair's event evidence only where the verdict depends on it. These tests hold
it to the same stories as the grouper that explains every link, and the one-search counts
of shared words and leads to the plain intersections.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from digest.stories.candidates import _agreement
from digest.stories.fingerprints import fingerprint
from digest.stories.grouping import StoryGrouper, StoryInput
from digest.stories.overlap import (
    lede_in_words,
    numbered,
    shared_with_each,
    shared_words_and_ledes,
)
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


def test_a_seats_articles_added_at_once_make_the_same_stories() -> None:
    # A digest adds a seat's articles all at once (numbered, counted by table look-ups);
    # the stories are those of adding them one by one. Twice each: the fixture pages,
    # and the same pages once more, so that every page has an exact copy to join.
    start = datetime(2024, 5, 1, 9, tzinfo=UTC)
    pages = sorted(ARTICLES.items())
    items = [
        StoryInput(f"{key}-{copy}", item.title, item.text, start + timedelta(hours=5 * n))
        for n, (copy, (key, item)) in enumerate((c, page) for c in (1, 2) for page in pages)
    ]
    one_by_one = _grouped(items, links=False)
    at_once = StoryGrouper(links=False)
    at_once.add_all([(item, fingerprint(item.title, item.text)) for item in items])
    assert _members(at_once) == _members(one_by_one)
    assert any(len(members) > 2 for members in _members(at_once))
    with pytest.raises(ValueError, match="takes no other article"):
        at_once.add(items[0])


def test_numbered_prints_share_what_their_hashes_share() -> None:
    prints = [fingerprint(item.title, item.text) for item in ARTICLES.values()]
    ranked, tables = numbered(prints)
    target, others = prints[0], prints[1:]
    ranked_target, ranked_others = ranked[0], ranked[1:]
    for kind in ("phrases", "words", "lede"):
        assert [len(getattr(p, kind)) for p in ranked] == [len(getattr(p, kind)) for p in prints]
        assert all(np.all(np.diff(getattr(p, kind)) > 0) for p in ranked)  # sorted, distinct
    searched = shared_with_each(target.phrases, [p.phrases for p in others])
    looked_up = shared_with_each(
        ranked_target.phrases, [p.phrases for p in ranked_others], tables.phrases
    )
    assert looked_up.tolist() == searched.tolist() and searched.any()
    assert not tables.phrases.any()  # the table is left clear for the next count
    # An article with no phrases (a very short one) shares none, wherever it comes.
    none = np.zeros(0, dtype=np.int64)
    runs = [none, ranked_others[0].phrases, none, ranked_others[1].phrases, none]
    assert shared_with_each(ranked_target.phrases, runs, tables.phrases).tolist() == [
        0,
        *looked_up[:1].tolist(),
        0,
        *looked_up[1:2].tolist(),
        0,
    ]
    assert shared_with_each(ranked_target.phrases, runs).tolist() == (
        shared_with_each(ranked_target.phrases, runs, tables.phrases).tolist()
    )
    own, ranked_own = lede_in_words(target), lede_in_words(ranked_target)
    masks = [lede_in_words(p) for p in others]
    ranked_masks = [lede_in_words(p) for p in ranked_others]
    assert own is not None and ranked_own is not None
    pairs = [(p, m) for p, m in zip(others, masks, strict=True) if m is not None]
    ranked_pairs = [
        (p, m) for p, m in zip(ranked_others, ranked_masks, strict=True) if m is not None
    ]
    assert len(pairs) == len(ranked_pairs) == len(others)
    counts = shared_words_and_ledes(target, own, pairs)
    ranked_counts = shared_words_and_ledes(ranked_target, ranked_own, ranked_pairs, tables.words)
    assert [c.tolist() for c in ranked_counts] == [c.tolist() for c in counts]
    assert not tables.words.any()


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


def test_numbering_ranks_hashes_of_any_width() -> None:
    # Prints hold 32-bit hashes (ranked by one sort); wider values are ranked too.
    prints = [fingerprint(item.title, item.text) for item in list(ARTICLES.values())[:4]]
    wide = [replace(p, phrases=p.phrases + np.uint64(2**40)) for p in prints]
    for kind in (prints, wide):
        ranked, tables = numbered(kind)
        everything = np.concatenate([p.phrases for p in kind])
        values, ranks = np.unique(everything, return_inverse=True)
        assert np.concatenate([p.phrases for p in ranked]).tolist() == ranks.tolist()
        assert len(tables.phrases) == len(values)


def test_sketch_agreement_is_the_share_of_equal_values() -> None:
    rng = np.random.default_rng(7)
    for width in (64, 32, 12):
        sketches = rng.integers(0, 4, size=(50, width), dtype=np.uint32)
        sketch = sketches[3]
        assert _agreement(sketches, sketch).tolist() == (sketches == sketch).mean(axis=1).tolist()
