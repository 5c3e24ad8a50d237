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
from collections.abc import Sequence

from digest.bounds import MAX_SENTENCE_CHARS, bound_text, shorten
from digest.clean import split_paragraphs
from digest.furniture import looks_like_furniture

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
    """Glue pieces back together while a double quotation is still open.

    British news leaves a quotation open where it runs on: at the end of a paragraph, and
    where the next sentence opens with a quotation mark again ('... 26 weeks. "We are
    going ...'). There the sentence is complete; it gets its closing mark so that a summary
    shows it closed, rather than being glued to the rest of the speech.
    """
    joined: list[str] = []
    buffer = ""
    for piece in pieces:
        if buffer and piece[:1] in _OPENING_QUOTES and buffer[-1:] in _SENTENCE_ENDS:
            joined.append(_closed(buffer))
            buffer = ""
        buffer = f"{buffer} {piece}".strip() if buffer else piece
        if not _unbalanced(buffer):
            joined.append(buffer)
            buffer = ""
    if buffer:
        joined.append(_closed(buffer) if buffer[-1:] in _SENTENCE_ENDS else buffer)
    return joined


_OPENING_QUOTES = frozenset('"“')
_SENTENCE_ENDS = frozenset(".!?")


def _closed(sentence: str) -> str:
    """``sentence`` with the double quotation it left open closed."""
    if sentence.count("“") > sentence.count("”"):
        return sentence + "”"
    return sentence + '"' if sentence.count('"') % 2 else sentence


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
    # Cleaning removed the furniture it could recognise; a caption or link it could not
    # still has furniture's shape (no final full stop, no clause, a dateline at its head).
    return (
        MIN_WORDS <= words <= MAX_WORDS
        and not _unbalanced(sentence)
        and not looks_like_furniture(sentence)
    )


# Summary sentences are drawn from the top of an article, where news puts its point; the whole
# text still decides which words matter. Bounding the window bounds the cost per article:
# scoring is quadratic in sentences, so the window has a length in characters too (one
# endless paragraph is as long as a whole article).
WINDOW_PARAGRAPHS = 12
WINDOW_CHARS = 20_000


def candidate_sentences(text: str) -> list[str]:
    """The sentences a summary may use: those of the first ``WINDOW_PARAGRAPHS``, at most
    ``WINDOW_CHARS`` characters of them."""
    window = "\n\n".join(split_paragraphs(text[: WINDOW_CHARS * 2])[:WINDOW_PARAGRAPHS])
    return split_sentences(bound_text(window, WINDOW_CHARS))


def shorten_summary(summary: Sequence[str], max_chars: int = MAX_SENTENCE_CHARS) -> tuple[str, ...]:
    """Each sentence of ``summary`` at most ``max_chars`` long, cut at a word end."""
    return tuple(shorten(sentence, max_chars) for sentence in summary)


def summarise_text(text: str, sentences: int = 2, title: str = "") -> tuple[str, ...]:
    """The ``sentences`` best sentences of ``text``, in their original order."""
    return summarise_story([(title, text)], sentences)


def summarise_story(
    texts: Sequence[tuple[str, str]],
    sentences: int = 2,
    max_sentence_chars: int = MAX_SENTENCE_CHARS,
) -> tuple[str, ...]:
    """One summary for a story told by one or more articles (``(title, text)`` each), no
    sentence longer than ``max_sentence_chars``.

    Each sentence is scored by its centrality: how much it shares with every other sentence
    of the story (word overlap over log lengths, as in TextRank, summed rather than
    iterated), times a mild preference for fuller sentences. A fact several outlets repeat
    is central, so it is chosen once; a sentence mostly saying what a chosen one says is
    skipped. Sentences come out in story order (first article first).
    """
    # Copies of one article repeat most sentences word for word: each is scored once.
    seen: set[str] = set()
    candidates = []
    # The first few reports carry the story; scoring is quadratic in sentences, so a story
    # told by dozens of outlets is summarised from its first ``MAX_STORY_TEXTS``.
    for number, (_, text) in enumerate(texts[:MAX_STORY_TEXTS]):
        for position, sentence in enumerate(candidate_sentences(text)):
            if sentence not in seen:
                seen.add(sentence)
                candidates.append((number, position, sentence))
    if not candidates:
        return ()
    words = [_content_words(sentence) for _, _, sentence in candidates]
    logs = [math.log(len(w)) if len(w) > 1 else 0.0 for w in words]
    centrality = [0.0] * len(candidates)
    for i in range(len(candidates)):
        if not logs[i]:
            continue
        for j in range(i + 1, len(candidates)):
            if logs[j]:
                shared = len(words[i] & words[j])
                if shared:
                    similarity = shared / (logs[i] + logs[j])
                    centrality[i] += similarity
                    centrality[j] += similarity
    eligible = [i for i, (_, _, sentence) in enumerate(candidates) if _eligible(sentence)]
    if not eligible:
        eligible = list(range(len(candidates)))

    def score(i: int) -> float:
        position = candidates[i][1]
        prior = 1 + POSITION_PRIOR / (1 + position)
        fullness: float = math.pow(len(words[i]), LENGTH_PREFERENCE)
        return centrality[i] * fullness * prior

    ranked = sorted(eligible, key=lambda i: -score(i))
    chosen: list[int] = []
    for index in ranked:
        if len(chosen) == sentences:
            break
        if any(_overlap(words[index], words[c]) >= REPEAT_OVERLAP for c in chosen):
            continue
        chosen.append(index)
    return shorten_summary([candidates[i][2] for i in sorted(chosen)], max_sentence_chars)


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


MAX_STORY_TEXTS = 5
# Sentence length counts a little (more words carry more of the story), to this power.
LENGTH_PREFERENCE = 0.2
# News puts its point first: the first sentence's score is raised by this share, the
# second's by half of it, and so on.
POSITION_PRIOR = 0.2
# A candidate sharing this much of its words with a chosen sentence repeats it.
REPEAT_OVERLAP = 0.5
