"""crc32 hashes of words, remembered per process: one memo for every stage that hashes words.

Fingerprints (phrases and content words) and event marks (quoted runs) hash the same
vocabulary, so they share one table; a word is hashed once per process, whichever asks first.
"""

from __future__ import annotations

import array
import zlib
from collections.abc import Sequence
from typing import cast

import numpy as np

# Emptied when it grows past this (the vocabulary of news is small; a flood of new words
# must not grow it without end).
MAX_REMEMBERED = 200_000
_WORD_HASHES: dict[str, int] = {}


def word_hashes(words: Sequence[str]) -> list[int]:
    """crc32 of each word, remembered."""
    found = list(map(_WORD_HASHES.get, words))
    if None in found:
        _hash_new_words(found, words)
    return found  # type: ignore[return-value]


def hash_array(words: Sequence[str]) -> np.ndarray:
    """The words' hashes (``word_hashes``) as a numpy array.

    Built through ``array.array``, which converts a list of Python ints in one C loop
    (``np.array`` inspects each element's type first, several times the work for the same
    values), and which refuses a ``None``: so the conversion is also the test for a new
    word, instead of a scan of the list for one.
    """
    found: list[int | None] = list(map(_WORD_HASHES.get, words))
    try:
        values = array.array("Q", cast("list[int]", found))  # a None raises TypeError
    except TypeError:  # a new word: hashed, then converted again
        _hash_new_words(found, words)
        values = array.array("Q", cast("list[int]", found))
    return np.frombuffer(values, dtype=np.uint64)


def _hash_new_words(found: list[int | None], words: Sequence[str]) -> None:
    """Fill in ``found`` (the remembered hashes of ``words``) where a word was new."""
    if len(_WORD_HASHES) > MAX_REMEMBERED:
        _WORD_HASHES.clear()
    for position, value in enumerate(found):
        if value is None:
            word = words[position]
            found[position] = _WORD_HASHES[word] = zlib.crc32(word.encode("utf-8"))
