"""Turn raw items into articles ready to store: clean, hash, tag, fingerprint for stories.

A pure function over plain data, so the poller can run it in worker processes: this is where
a cold poll spends its CPU, and a second core doubles throughput only outside the GIL.
Summaries are not made here: only the few stories a digest shows are summarised, when the
digest is composed (``compose.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from digest.models import FeedItem, PreparedArticle
from digest.prepare.clean import clean_body, clean_title
from digest.prepare.dedupe import canonical_url, content_hash
from digest.seats.tagger import tag_text
from digest.text import split_paragraphs


def item_hash(item: FeedItem) -> str:
    """The item as its source delivered it, hashed: when it changes, the article did."""
    raw = f"{item.title}\x00{item.body}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(raw).hexdigest()[:32]


# A paragraph of at least this many words, sharing less than half its words with every old
# paragraph, is news: a typo or a reworded phrase is not.
MATERIAL_PARAGRAPH_WORDS = 8
MATERIAL_OVERLAP = 0.5


def is_material_change(old_text: str, new_text: str) -> bool:
    """Whether a revised article says something new (a new paragraph), not just better."""
    old = [set(p.casefold().split()) for p in split_paragraphs(old_text)]
    for paragraph in split_paragraphs(new_text):
        words = set(paragraph.casefold().split())
        if len(words) < MATERIAL_PARAGRAPH_WORDS:
            continue
        if all(len(words & o) / len(words | o) < MATERIAL_OVERLAP for o in old):
            return True
    return False


def prepare_items(
    items: Sequence[FeedItem], today: datetime, area: str = ""
) -> list[PreparedArticle]:
    """Every item that survives cleaning (keeps a title and some text), prepared.

    ``area`` is the source's home county or district, for telling same-named places apart.
    Each step runs over the whole batch before the next begins: cleaning (lxml and the
    furniture rules), tagging (the seat automaton), hashing and fingerprinting each work
    on their own tables, and taking the items one step at a time keeps one step's tables
    in the processor's caches: less CPU for the same articles than taking each item
    through every step (bench/prepare.py).
    """
    titled = [(item, title) for item in items if (title := clean_title(item.title))]
    cleaned = [
        (item, title, clean_body(item.body, is_html=item.body_is_html)) for item, title in titled
    ]
    kept = [(item, title, text) for item, title, text in cleaned if text]
    tagged = [
        tag_text(title, text, (item.published or today).date(), area=area)
        for item, title, text in kept
    ]
    # numpy comes with it: imported here, where a poll with new items needs it anyway.
    from digest.stories.fingerprints import fingerprint, print_bytes, words_and_hash_words

    words = [words_and_hash_words(text) for _, _, text in kept]
    hashes = [
        content_hash(title, text, hash_words)
        for (_, title, text), (_, hash_words) in zip(kept, words, strict=True)
    ]
    prints = [
        print_bytes(fingerprint(title, text, found))
        for (_, title, text), (found, _) in zip(kept, words, strict=True)
    ]
    return [
        PreparedArticle(
            source_name=item.source_name,
            guid=item.guid,
            url=item.url,
            canonical_url=canonical_url(item.url),
            content_hash=content_hash_,
            title=title,
            text=text,
            published=item.published,
            boundary_set=boundary_set,
            tags=tags,
            item_hash=item_hash(item),
            story_print=story_print,
        )
        for (item, title, text), (boundary_set, tags), content_hash_, story_print in zip(
            kept, tagged, hashes, prints, strict=True
        )
    ]
