"""Story fingerprints: the words, phrases, names and event marks of one article, and the
MinHash sketches over them that find candidates without comparing every pair.

Made once per article when it is polled (``prepare``) and stored with it
(``print_bytes``/``print_from_bytes``, versioned by ``PRINT_FORMAT``); the grouper
(``grouping``) reads them instead of tokenising again.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from datasketch import MinHash

from digest.stories.event_evidence import EventMarks, event_marks
from digest.stories.word_hashes import hash_array, word_hashes
from digest.text import STOPWORDS

PHRASE_WORDS = 3

LEDE_WORDS = 25  # the opening content words that, with the title, say what happened

NUM_PERM = 32  # for the phrase and name sketches

WORD_PERM = 64  # for the word sketch: finer, for the lower similarities of rewrites

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

_POSSESSIVE = re.compile(r"['’]s\b")

_HASH_WORD = re.compile(r"[^\W_]+")  # dedupe.normalised_text's words

# A capitalised word after a space; the character before the space is checked in Python
# (a word character, comma or bracket): a look-behind in the pattern would make the regex
# engine try it at every character of the text.
_SPACED_CAPITAL = re.compile(r" [A-Z][\w’'-]*")

# Trimmed from both ends of a token (the straight apostrophe is left to the word pattern).
_EDGE_PUNCTUATION = string.punctuation.replace("'", "") + "“”‘’—–…«»„"


@dataclass(frozen=True, slots=True, eq=False)
class Fingerprint:
    """An article's phrases and content words (sorted unique 32-bit hashes: far less
    memory than Python sets), its names, MinHash sketches of the phrases and of the words
    with the names, its lead's content words (title and opening) and its marks of the event
    (quotes, figures, names: ``event_evidence``)."""

    phrases: np.ndarray
    words: np.ndarray
    names: frozenset[str]
    phrase_sketch: np.ndarray  # MinHash signature (uint32) of the phrases
    word_sketch: np.ndarray  # ... of the content words and names
    lede: np.ndarray
    marks: EventMarks


def _words(text: str) -> list[str]:
    """Lower-case words, a possessive 's dropped ("Clacton's" is "clacton").

    Split at spaces with punctuation trimmed first: most tokens are then plain words, and
    only the rest (apostrophes, hyphens, "U.K.") go through the word pattern, which gives
    the same words as running it over the whole text, at less cost.
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
    in each, so one pass over the text serves the two (cheaper than two passes). What the
    other tokens give (``_token_words``) is remembered per process: they are few, and the
    same ones recur through the news ("council,", "council's"), so each is trimmed and
    read by the patterns once.
    """
    found: list[str] = []
    hashed: list[str] = []
    append, keep = found.append, hashed.append
    known = _TOKEN_WORDS
    for token in text.casefold().split():
        if token.isalnum():
            append(token)
            keep(token)
            continue
        words = known.get(token)
        if words is None:  # the same few tokens recur through the news ("council's")
            if len(known) > _MAX_TOKENS:
                known.clear()
            words = known[token] = _token_words(token)
        found += words[0]
        hashed += words[1]
    return found, hashed


_MAX_TOKENS = 100_000  # remembered tokens (``_TOKEN_WORDS``): emptied past this many
_TOKEN_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _token_words(token: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The words a token other than a plain word gives to ``_words`` and to
    ``normalised_text``: a word with punctuation only at its ends ("council,", "“we") is
    the one word of both, as the trimmed characters are neither letters nor digits."""
    trimmed = token.strip(_EDGE_PUNCTUATION)
    if trimmed.isalnum():
        return (trimmed,), (trimmed,)
    words = _WORD.findall(_POSSESSIVE.sub("", trimmed)) if trimmed else []
    return tuple(words), tuple(_HASH_WORD.findall(token))


def fingerprint(title: str, text: str, words: list[str] | None = None) -> Fingerprint:
    """The sets and sketches an article is compared by (``words``: ``_words(text)``, when
    already made)."""
    words = _words(text) if words is None else words
    hashes = hash_array(words)
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
    title_hashes = hash_array(title_words)
    content_hashes = _unique(np.concatenate([content, title_hashes]))
    names = _names(text)
    # The event sketch holds the content words and, once more under a mark, the names: a
    # rewrite keeps the places and people while changing most other words.
    marked = hash_array([f"@{name}" for name in names])
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
PRINT_FORMAT = 3  # 2: the lead's words and the event marks added; 3: event names not kept

_PRINT_HEADER = 5  # format, phrase, word, lead word and quote run counts (uint32 each)

_GROUP = "\x1e"  # between the string sets: names, figures


def print_bytes(found: Fingerprint) -> bytes:
    """A fingerprint as stored with its article: made once when the article is prepared,
    so composing a digest (every send, over every article of the last few days) reads it
    instead of tokenising and hashing the text again. 32-bit values throughout."""
    marks = found.marks
    counts = [len(found.phrases), len(found.words), len(found.lede), len(marks.quotes)]
    header = np.array([PRINT_FORMAT, *counts], dtype=np.uint32)
    # Not the event names and subjects: read from the article's text when a pair needs
    # them (``EventMarks``), so an article's print is made and kept without them.
    strings = (found.names, marks.numbers)
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


def print_from_bytes(data: bytes, title: str, text: str) -> Fingerprint | None:
    """A stored fingerprint of the article ``title`` and ``text`` (which its event names are
    read from when needed), or ``None`` for one of another format (or damaged)."""
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
    if len(groups) != 2:
        return None
    names, numbers = (frozenset(group.split("\n")) if group else frozenset() for group in groups)
    return Fingerprint(
        values[:phrases].astype(np.uint64),
        values[phrases:at].astype(np.uint64),
        names,
        values[at : at + NUM_PERM].copy(),
        values[at + NUM_PERM : sketches].copy(),
        values[sketches : sketches + lede].astype(np.uint64),
        EventMarks(values[sketches + lede :].astype(np.uint64), numbers, title, text),
    )


def _unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (cheaper than ``np.unique`` on arrays this small)."""
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
    return _unique(np.array(word_hashes(sorted(STOPWORDS)), dtype=np.uint64))


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
    if not len(values):
        return np.full(num_perm, 0xFFFFFFFF, dtype=np.uint32)
    a, b = _tiled_permutations(num_perm, len(values))
    # One row per permutation. The multipliers and offsets come as whole rows (``a`` and
    # ``b`` repeated along each): numpy would otherwise copy each one out along its row
    # through a buffer before every product and sum, costing more than the arithmetic.
    hashed = a * values
    hashed += b
    # The shift commutes with the minimum (it keeps order), so only the minima are
    # shifted: less work, the same signature.
    signature: np.ndarray = hashed.min(axis=1) >> np.uint64(32)
    return signature.astype(np.uint32)


_TILED: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _tiled_permutations(num_perm: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """``_permutations(num_perm)`` as columns repeated ``width`` times (views of one table
    per process, grown, doubling, for a wider set of values)."""
    table = _TILED.get(num_perm)
    if table is None or table[0].shape[1] < width:
        a, b = _permutations(num_perm)
        columns = max(width, 1024 if table is None else 2 * table[0].shape[1])
        table = _TILED[num_perm] = (
            np.repeat(a[:, None], columns, axis=1),
            np.repeat(b[:, None], columns, axis=1),
        )
    return table[0][:, :width], table[1][:, :width]


def minhash(signature: np.ndarray) -> MinHash:
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
