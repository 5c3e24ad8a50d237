"""Extractive summaries: the sentences of an article that best stand for the whole.

Works on cleaned text only (``clean.py`` has already removed captions and appeals), splits
sentences without breaking on "Mr", "No 10", initials or numbers, never returns a sentence cut
inside a quotation, and scores each sentence by how many of the article's frequent content
words it carries, with a prior for sentences near the top (news puts the point first).
"""

from __future__ import annotations

import math
import re
from collections import Counter

from digest.clean import split_paragraphs

ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sir",
        "st",
        "no",
        "nos",
        "cllr",
        "rev",
        "revd",
        "gen",
        "col",
        "lt",
        "capt",
        "sgt",
        "insp",
        "supt",
        "det",
        "pc",
        "rt",
        "hon",
        "jr",
        "sr",
        "vs",
        "etc",
        "inc",
        "ltd",
        "co",
        "corp",
        "dept",
        "est",
        "fig",
        "approx",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "mt",
        "ft",
        "al",
        "eg",
        "ie",
    ]
)
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "he",
        "she",
        "they",
        "we",
        "you",
        "i",
        "his",
        "her",
        "their",
        "our",
        "your",
        "my",
        "me",
        "him",
        "them",
        "us",
        "not",
        "no",
        "so",
        "than",
        "then",
        "there",
        "here",
        "have",
        "has",
        "had",
        "do",
        "does",
        "did",
        "will",
        "would",
        "can",
        "could",
        "should",
        "may",
        "might",
        "must",
        "shall",
        "just",
        "also",
        "about",
        "after",
        "before",
        "over",
        "under",
        "into",
        "out",
        "up",
        "down",
        "more",
        "most",
        "very",
        "all",
        "any",
        "some",
        "such",
        "only",
        "own",
        "same",
        "other",
        "which",
        "who",
        "whom",
        "what",
        "when",
        "where",
        "why",
        "how",
        "said",
        "says",
        "say",
        "mr",
        "ms",
        "mrs",
        "one",
        "two",
        "new",
    ]
)
_BOUNDARY = re.compile(r"""[.!?]+['"’”)\]]*\s+(?=['"‘“(\[]?[A-Z0-9])""")
# Lower-case words of two letters or more, without a leading or trailing apostrophe.
_WORD = re.compile(r"[a-z][a-z'’-]*[a-z]")
_SINGLE_OPEN = re.compile(r"(?:^|(?<=[\s(:—–-]))['‘](?=\w)")
_SINGLE_CLOSE = re.compile(r"(?<=[\w.,!?])['’](?=[\s.,;:)!?]|$)(?!s\b)")
_LAST_WORD = re.compile(r"([A-Za-z]+)\.$")
MIN_WORDS = 6
MAX_WORDS = 70
POSITION_WEIGHT = 0.6


def split_sentences(text: str) -> list[str]:
    """Sentences of cleaned text; a sentence never spans paragraphs or a quotation's end."""
    sentences: list[str] = []
    for paragraph in split_paragraphs(text):
        pieces: list[str] = []
        start = 0
        for match in _BOUNDARY.finditer(paragraph):
            candidate = paragraph[start : match.end()].strip()
            # The word before the full stop is all that matters: look at a short tail only.
            if _ends_with_abbreviation(paragraph[max(0, match.start() - 24) : match.start() + 1]):
                continue
            pieces.append(candidate)
            start = match.end()
        tail = paragraph[start:].strip()
        if tail:
            pieces.append(tail)
        sentences.extend(_join_open_quotes(pieces))
    return sentences


def _ends_with_abbreviation(prefix: str) -> bool:
    """True when the full stop ending ``prefix`` belongs to "Mr.", "No.", an initial..."""
    if not prefix.endswith("."):
        return False
    word = _LAST_WORD.search(prefix)
    if word is None:
        return False
    token = word.group(1)
    return (len(token) == 1 and token.isupper()) or token.lower() in ABBREVIATIONS


def _unbalanced(text: str) -> bool:
    """True while a quotation opened in ``text`` has not been closed."""
    if text.count('"') % 2 or text.count("“") > text.count("”"):
        return True
    if "'" not in text and "‘" not in text:
        return False
    # Single quotes double as apostrophes: count only quote-shaped ones.
    opened = len(_SINGLE_OPEN.findall(text))
    closed = len(_SINGLE_CLOSE.findall(text))
    return opened > closed


def _join_open_quotes(pieces: list[str]) -> list[str]:
    """Glue pieces back together while a double quotation is still open."""
    joined: list[str] = []
    buffer = ""
    for piece in pieces:
        buffer = f"{buffer} {piece}".strip() if buffer else piece
        if not _unbalanced(buffer):
            joined.append(buffer)
            buffer = ""
    if buffer:
        joined.append(buffer)
    return joined


def _content_words(sentence: str) -> set[str]:
    """The distinct non-stopwords of ``sentence``, lower-cased."""
    return set(_WORD.findall(sentence.lower())) - STOPWORDS


def _word_counts(text: str) -> Counter[str]:
    counts = Counter(_WORD.findall(text.lower()))
    for word in STOPWORDS & counts.keys():
        del counts[word]
    return counts


def _eligible(sentence: str) -> bool:
    words = len(sentence.split())
    # Furniture was removed paragraph by paragraph before this text was stored; what is left
    # is article text, so only shape is checked here.
    return MIN_WORDS <= words <= MAX_WORDS and not _unbalanced(sentence)


# Summary sentences are drawn from the top of an article, where news puts its point; the whole
# text still decides which words matter. Bounding the window bounds the cost per article.
WINDOW_PARAGRAPHS = 12


def summarise_text(text: str, sentences: int = 2, title: str = "") -> tuple[str, ...]:
    """The ``sentences`` best sentences of ``text``, in their original order."""
    paragraphs = split_paragraphs(text)
    candidates = split_sentences("\n\n".join(paragraphs[:WINDOW_PARAGRAPHS]))
    if not candidates:
        return ()
    eligible = [(i, s) for i, s in enumerate(candidates) if _eligible(s)]
    if not eligible:
        eligible = list(enumerate(candidates))
    if len(eligible) <= sentences:
        return tuple(s for _, s in eligible)
    words_of = {i: _content_words(s) for i, s in eligible}
    frequencies = _word_counts(text)
    for word in _content_words(title):
        frequencies[word] += 2
    top = max(frequencies.values(), default=1)

    def score(index: int) -> float:
        words = words_of[index]
        if not words:
            return 0.0
        centrality = sum(frequencies[w] for w in words) / top / math.sqrt(len(words))
        return centrality + POSITION_WEIGHT / (1 + index)

    ranked = sorted(eligible, key=lambda pair: -score(pair[0]))
    chosen = sorted(ranked[:sentences])
    return tuple(sentence for _, sentence in chosen)
