"""Extractive summaries: the sentences of an article that best stand for the whole.

Works on cleaned text only (``clean.py`` has already removed captions and appeals), splits
sentences without breaking on "Mr", "No 10", initials or numbers, never returns a sentence cut
inside a quotation, and scores each sentence by how many of the article's frequent content
words it carries, with a prior for sentences near the top (news puts the point first).
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
import string
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from digest.bounds import MAX_SENTENCE_CHARS, bound_text, shorten
from digest.dates import MONTH_ABBREVIATIONS, opens_with_date
from digest.furniture import looks_like_furniture
from digest.stories.attribution import Attribution, Attributor
from digest.text import STOPWORDS, split_paragraphs

ABBREVIATIONS = (
    frozenset(
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
    | MONTH_ABBREVIATIONS
)
_BOUNDARY = re.compile(r"""[.!?]+['"’”)\]]*\s+(?=['"‘“(\[]?[A-Z0-9])""")
# Lower-case words of two letters or more, without a leading or trailing apostrophe.
_WORD = re.compile(r"[a-z][a-z'’-]*[a-z]")
# Single quote marks opening and closing a quotation (not apostrophes): at a sentence start
# or after a space, bracket, colon or dash; after a word or a stop, not before an "s". What
# comes before a mark is read by a lookbehind after it, so that the engine tries each
# expression only where a mark stands.
_SINGLE_OPEN = re.compile(r"['‘](?<![^\s(:—–-].)(?=\w)")
_SINGLE_CLOSE = re.compile(r"['’](?<=[\w.,!?].)(?=[\s.,;:)!?]|$)(?!s\b)")
_ASCII_LETTERS = string.ascii_letters
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
    # The letters before the full stop: the word it ends.
    before = prefix[:-1]
    token = before[len(before.rstrip(_ASCII_LETTERS)) :]
    if not token:
        return False
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
    candidates: list[tuple[int, int, str]] = []
    # What each article's sentences may show (their speakers named), worked out on demand.
    speakers: list[Attributor] = []
    # The first few reports carry the story; scoring is quadratic in sentences, so a story
    # told by dozens of outlets is summarised from its first ``MAX_STORY_TEXTS``.
    for number, (_, text) in enumerate(texts[:MAX_STORY_TEXTS]):
        sentences_of_text = candidate_sentences(text)
        speakers.append(Attributor(sentences_of_text))
        for position, sentence in enumerate(sentences_of_text):
            if sentence not in seen:
                seen.add(sentence)
                candidates.append((number, position, sentence))
    if not candidates:
        return ()
    shown = _Shown(candidates, speakers)
    words = [_content_words(sentence) for _, _, sentence in candidates]
    logs = [math.log(len(w)) if len(w) > 1 else 0.0 for w in words]
    centrality = _centrality(words, logs)
    # Whether a sentence may be chosen (``_eligible``: the furniture tests are not cheap) is
    # asked only as the choice reaches it: in story order for the lede and the fallback,
    # in score order for the rest. Most summaries are settled by their first few.
    known: dict[int, bool] = {}

    def eligible(i: int) -> bool:
        if i not in known:
            known[i] = _eligible(candidates[i][2])
        return known[i]

    everyone = range(len(candidates))
    allowed: Callable[[int], bool] = eligible
    # A quotation whose speaker cannot be named never enters a summary: placed after another
    # sentence, it reads as that sentence's subject speaking.
    if not any(shown[i].usable for i in everyone if eligible(i)):
        allowed = frozenset([i for i in everyone if shown[i].usable] or [0]).__contains__

    def score(i: int) -> float:
        position = candidates[i][1]
        prior = 1 + POSITION_PRIOR / (1 + position)
        fullness: float = math.pow(len(words[i]), LENGTH_PREFERENCE)
        return centrality[i] * fullness * prior

    # News puts its point in its first sentence (the lede: not a teaser line, a question or a
    # quotation). Chosen on merit it usually is; a summary opening elsewhere must open with
    # a sentence that stands on its own, else the lede leads.
    first_allowed = itertools.islice((i for i in everyone if allowed(i)), LEDE_SEARCH)
    lede = next((i for i in first_allowed if _is_lede(candidates[i], shown[i])), None)
    # Usability is asked in rank order, so only the sentences up to the last one considered
    # are read for their speakers. (Sorting every candidate and passing over those not
    # allowed ranks the allowed ones as sorting only them would: the sort is stable.)
    order = sorted(everyone, key=lambda i: -score(i))
    chosen = _choose((i for i in order if allowed(i)), words, sentences, shown)
    if chosen and lede is not None and lede not in chosen:
        opening = _as_shown(candidates, shown, min(chosen), None)
        if _leans_on_context(opening):
            # The summary would open mid-story ("Ms Macdonald said ..."): the lede leads.
            rest = (i for i in order if i != lede and allowed(i))
            chosen = _choose(itertools.chain([lede], rest), words, sentences, shown)
    order = sorted(chosen)
    return shorten_summary(
        [_as_shown(candidates, shown, i, order[k - 1] if k else None) for k, i in enumerate(order)],
        max_sentence_chars,
    )


def _centrality(words: Sequence[set[str]], logs: Sequence[float]) -> list[float]:
    """Each sentence's summed similarity to every other: the words it shares with one,
    over the sum of their log lengths (a sentence of one word shares nothing).

    Most pairs share no word, so the words shared are counted from where each word occurs
    rather than pair by pair; the sums are still added up pair by pair in order, as floats
    must be for the same result.
    """
    # For each sentence, the later sentences sharing a word with it, once per word shared.
    shares: list[list[int]] = [[] for _ in words]
    later: dict[str, list[int]] = {}
    for i in reversed(range(len(words))):
        if not logs[i]:
            continue
        found = shares[i]
        for word in words[i]:
            sentences = later.get(word)
            if sentences is None:
                later[word] = [i]
            else:
                found += sentences
                sentences.append(i)
        found.sort()
    centrality = [0.0] * len(words)
    for i, found in enumerate(shares):
        k, end = 0, len(found)
        while k < end:
            j = found[k]
            following = bisect.bisect_right(found, j, k)
            similarity = (following - k) / (logs[i] + logs[j])
            centrality[i] += similarity
            centrality[j] += similarity
            k = following
    return centrality


def _choose(
    ranked: Iterable[int], words: Sequence[set[str]], sentences: int, shown: _Shown
) -> list[int]:
    """The first ``sentences`` of ``ranked`` that do not repeat one taken before them and
    can be shown (a quotation whose speaker cannot be named never enters a summary)."""
    chosen: list[int] = []
    for index in ranked:
        if len(chosen) == sentences:
            break
        if any(_overlap(words[index], words[c]) >= REPEAT_OVERLAP for c in chosen):
            continue
        if shown[index].usable:
            chosen.append(index)
    return chosen


class _Shown:
    """Candidate number -> its ``Attribution``, from the attributor of its article."""

    def __init__(
        self, candidates: Sequence[tuple[int, int, str]], speakers: Sequence[Attributor]
    ) -> None:
        self.candidates = candidates
        self.speakers = speakers

    def __getitem__(self, index: int) -> Attribution:
        number, position, _ = self.candidates[index]
        return self.speakers[number][position]


# An opening that needs the sentences before it: a pronoun or demonstrative, a connective, a
# titled surname without the full name ("Ms Macdonald said"), "the 46-year-old".
_LEANING = re.compile(
    r"^(?:(?:But|And|However|Meanwhile|Also|So|Yet)\b,?\s*)?"
    r"(?:(?:He|She|They|It|His|Her|Their|Its|This|These|Those|That)\b"
    r"|(?:Mr|Mrs|Ms|Miss|Dr|Sir|Dame|Cllr|Councillor)\.?\s+[A-Z][\w’'-]+\b(?!\s+[A-Z])"
    r"|[Tt]he\s+\d+-year-old\b)"
)


def _leans_on_context(sentence: str) -> bool:
    """Whether ``sentence`` cannot open a summary: it refers back to what came before.

    The test is on the opening only, and a sentence like that is still a fine second one."""
    return _LEANING.match(sentence) is not None or sentence.split()[0] in _CONNECTIVES


_CONNECTIVES = frozenset({"But", "And", "However,", "Meanwhile,", "Also,"})


def _is_lede(candidate: tuple[int, int, str], attribution: Attribution) -> bool:
    """Whether a sentence near the top of the first article can lead its summary."""
    number, position, sentence = candidate
    return (
        number == 0
        and position < LEDE_SEARCH
        and attribution.usable
        and not attribution.quoted
        and sentence[:1].isupper()
        and not opens_with_date(sentence)
        and sentence.rstrip("'\"’”)").endswith((".", "!"))
    )


def _as_shown(
    candidates: Sequence[tuple[int, int, str]],
    shown: _Shown,
    index: int,
    previous: int | None,
) -> str:
    """A chosen sentence as the summary shows it: with its speaker (or subject) named
    where the article said "she" or ran a quotation on, unless the sentence just before it
    in the summary is the one before it in the article and already names that person."""
    number, position, sentence = candidates[index]
    speaker = shown[index].speaker
    if shown[index].text == sentence or speaker is None:
        return sentence
    follows = previous is not None and candidates[previous][:2] == (number, position - 1)
    if follows and previous is not None and speaker.split()[-1] in candidates[previous][2]:
        return sentence
    return shown[index].text


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


MAX_STORY_TEXTS = 5
# Sentence length counts a little (more words carry more of the story), to this power.
LENGTH_PREFERENCE = 0.2
# News puts its point first: the first sentence's score is raised by this share, the
# second's by half of it, and so on.
POSITION_PRIOR = 0.2
# The lede is the first lede-shaped sentence among the first this many of the first article.
LEDE_SEARCH = 3
# A candidate sharing this much of its words with a chosen sentence repeats it.
REPEAT_OVERLAP = 0.5
