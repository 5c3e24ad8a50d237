"""Whether one matched name is evidence at all, judged from where it stands and what is next to it.

The automaton finds every written form of a seat, place or person; many of those matches are
not about the place or the person. This module holds the rules that look at the text around a
match, each one for a class of use rather than a list of names:

* where it stands: a byline, a photo credit ("[Jane Doe/BBC]"), a caption label, a "Read
  more" or "Most Read" line is page furniture, not the story;
* what follows: a sports club ("Ipswich Town", "Tottenham Hotspur v ..."), a newspaper
  ("Shropshire Star"), a foreign state or country ("Derby, Connecticut");
* what precedes or follows a person's name: a first name before a place ("John Burton") or a
  longer name around an MP's ("Colin James Clark"); the title "MP", a ministry or a quote
  that shows it is the MP who is meant.

Every rule returns a short reason (shown by ``digest tag``) or ``""`` when the match stands.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache
from operator import itemgetter

import ahocorasick

from digest.seats.wordlists import (
    ABROAD,
    ACTING_WORDS,
    CIVIC_WORDS,
    CLUB_CIVIC,
    CLUB_ONLY,
    CLUB_WORDS,
    CONTEST_WORDS,
    GIVEN_PREFIX,
    INITIALS,
    MONTHS,
    NEWSPAPER_WORDS,
    NOT_SURNAMES,
    PAST_WORDS,
    PERSON_WORDS,
    QUOTE_WORDS,
    SEAT_WORDS,
    SPORT_CONTEXT,
    SPORT_WORDS,
)

_ABROAD_AFTER = re.compile(r",\s+((?:[A-Z][a-z]+ ){0,2}[A-Z][a-zA-Z]+)")

# Lines that are page furniture, wherever a name stands in them.
# A credit in brackets anywhere in a line: "(Jane Doe/PA)", "[Jane Doe/BBC]".
_CREDIT = re.compile(r"[\[(][^\])\n]{2,60}/[^\])\n]{2,30}[\])]")

_PERSON_PAIRS = ("lib dem", "liberal democrat", "green party", "reform uk", "sinn f")
_WORDS = re.compile(r"[a-z][a-z-]*")


def line_bounds(text: str, start: int) -> tuple[int, int]:
    """The start and end of the line (paragraph) holding offset ``start``."""
    begin = text.rfind("\n", 0, start) + 1
    end = text.find("\n", start)
    return begin, len(text) if end == -1 else end


# How a furniture line opens (any case), after any non-word characters; or a byline.
_FURNITURE_OPENINGS = (
    "read more",
    "more on this",
    "see also",
    "related",
    "most read",
    "most popular",
    "you may also like",
    "recommended",
    "trending",
    "top stories",
    "follow us",
    "sign up",
    "listen",
    "watch",
    "image caption",
    "image source",
    "image copyright",
    "picture:",
    "photo:",
    "credit:",
    "copyright",
)
_BYLINE = r"(?-i:By [A-Z][\w'’-]+ [A-Z])"
_FURNITURE_LINE_START = re.compile(
    rf"\W*({'|'.join(_FURNITURE_OPENINGS)}|{_BYLINE})",
    re.IGNORECASE,
)
# One of these may open a line before its first word ("“We ...").
_OPENING_QUOTES = frozenset("“‘\"'(")


class _ProseOpening(dict[str, bool]):
    """Whether a line opening with these characters (up to four of them, the line's own) is
    sure to be no furniture line, so ``_FURNITURE_LINE_START`` need not be tried: most lines
    of prose ("The", "“We", "A report"). Remembered by opening: a few hundred recur."""

    def __missing__(self, opening: str) -> bool:
        prose = _is_prose_opening(opening)
        if len(self) < 10_000:
            self[opening] = prose
        return prose


def _is_prose_opening(opening: str) -> bool:
    """Whether no line opening so can match ``_FURNITURE_LINE_START``: its first word, after
    at most one quote or bracket, begins with ASCII letters that begin no furniture opening
    and no byline. An ASCII letter matches only itself in either case; an ASCII character
    besides letters only itself. A line opening otherwise (a digit, two marks, a character
    beyond ASCII: ``re`` matches the long s to "s" ignoring case) is left to the expression."""
    if not opening:
        return True  # an empty line, never furniture
    if opening[0] in _OPENING_QUOTES:
        opening = opening[1:]
    letters = len(opening) - len(opening.lstrip(string.ascii_letters))
    if letters == 0 or not opening[: letters + 1].isascii():
        return False
    known = opening[:letters].lower() + opening[letters : letters + 1]
    return not (
        any(o.startswith(known) or known.startswith(o) for o in _FURNITURE_OPENINGS)
        or opening.startswith("By ")
        or "By ".startswith(opening)
    )


_PROSE_OPENING = _ProseOpening()
_OPENING = itemgetter(slice(0, 4))  # a line's first characters
_FURNITURE_ANYWHERE = re.compile(
    r"\b(image|picture|photo)s? (source|caption|credit|copyright)", re.IGNORECASE
)

# (start, end, reason) of each stretch of furniture in one article.
Spans = list[tuple[int, int, str]]


def furniture_spans(text: str, title_end: int, ascii_text: bytes | None = None) -> Spans:
    """The stretches of one article's body that are page furniture, found in one pass.

    The title is never furniture. In the body a photo credit in brackets, and a line that
    opens as a byline, a "Read more"/related link or a caption label (or holds "Image
    caption"), tell nothing about what the story is about. Usually empty, so judging each
    name costs nothing.

    ``ascii_text`` is the text encoded as ASCII with "?" for the rest (the matcher makes
    it): whether "image", "picture" or "photo" is in the lower-cased text is read from it,
    as lower-casing bytes costs a fraction of lower-casing a text with curly quotes. The
    answer is the same: no character beyond ASCII lower-cases into these words (only "İ"
    and the Kelvin sign lower-case to ASCII letters at all: an "i" with a dot after it,
    and "k").
    """
    spans: Spans = []
    line = "on a furniture line (byline, caption, credit or related links)"
    size = len(text)
    # Most articles have no line that could open as furniture: each line's opening looked up
    # at C speed over the lines split apart (when the body has several: a body of one line
    # is looked at as it is) tells so without a match tried.
    if text.find("\n", title_end + 2) == -1 or not all(
        map(_PROSE_OPENING.__getitem__, map(_OPENING, text[title_end:].split("\n")))
    ):
        begin = title_end
        while begin < size:  # line starts, one anchored match each
            finish = text.find("\n", begin)
            finish = size if finish == -1 else finish
            if (
                finish > begin
                and not _PROSE_OPENING[text[begin : begin + 4]]
                and _FURNITURE_LINE_START.match(text, begin, finish)
            ):
                spans.append((begin, finish, line))
            begin = finish + 1
    lower = (text.encode("ascii", "replace") if ascii_text is None else ascii_text).lower()
    if b"image" in lower or b"picture" in lower or b"photo" in lower:
        for match in _FURNITURE_ANYWHERE.finditer(text, title_end):
            begin = text.rfind("\n", 0, match.start()) + 1
            finish = text.find("\n", match.end())
            spans.append((begin, size if finish == -1 else finish, line))
    if "/" in text and ("(" in text or "[" in text):  # what a credit needs
        spans.extend((*m.span(), "in a photo credit") for m in _CREDIT.finditer(text, title_end))
    spans.sort(key=lambda span: span[2] != "in a photo credit")  # the narrower reason first
    return spans


def furniture_reason(spans: Spans, start: int) -> str:
    """Why the name at ``start`` stands in furniture ("" when it does not)."""
    for low, high, reason in spans:
        if low <= start < high:
            return reason
    return ""


_NEXT_WORD = re.compile(r"[ \t]+([A-Za-z][\w'’.]*)")
_FIXTURE_AFTER = re.compile(r"\s+(v|vs\.?)\s+[A-Z]")
_FIXTURE_BEFORE = re.compile(r"[A-Za-z]\s+(v|vs\.?)\s+$")
_POSSESSIVE = re.compile(r"['’]s$")


def _next_word(text: str, end: int) -> str:
    if end >= len(text) or text[end] not in " \t":
        return ""
    match = _NEXT_WORD.match(text, end, end + 40)
    return match.group(1) if match else ""


def _previous_word(text: str, start: int) -> str:
    if start < 2 or text[start - 1] != " " or not text[start - 2].isalpha():
        return ""
    space = text.rfind(" ", 0, start - 1)
    # A line break counts only after the last space: looked for there, not back to the
    # text's start (a body without line breaks was scanned end to end for each name).
    begin = max(space, text.rfind("\n", space + 1, start - 1)) + 1
    word = text[begin : start - 1]
    return word if word[:1].isalpha() else ""


def club_or_outlet_reason(text: str, end: int) -> str:
    """Why "<name> <word>" is a sports club or a newspaper, not the place ("" otherwise)."""
    following = _next_word(text, end)
    if not following:
        return ""
    if following in CLUB_ONLY:
        return f"a sports club ({following})"
    if following in CLUB_WORDS:
        after = _next_word(text, end + 1 + len(following))
        if _POSSESSIVE.sub("", after.lower().rstrip(".,")) not in CLUB_CIVIC:
            return f"a sports club ({following})"
    if following in ("league", "union") or following.lower() == "fc":
        return f"a sport ({following})"
    if following in NEWSPAPER_WORDS:
        return f"a newspaper or outlet name ({following})"
    if following[0] == "v" and _FIXTURE_AFTER.match(text, end, end + 12):
        return "a sports fixture (X v Y)"
    return ""


def after_fixture_reason(text: str, start: int) -> str:
    """Why a name after "v" in "X v Y" is a team ("" otherwise)."""
    if "v" in text[max(0, start - 5) : start] and _FIXTURE_BEFORE.search(
        text, max(0, start - 8), start
    ):
        return "a sports fixture (X v Y)"
    return ""


def abroad_reason(text: str, end: int) -> str:
    """Why "<place>, <US state or country>" is a place abroad ("" otherwise)."""
    if end >= len(text) or text[end] != ",":
        return ""
    match = _ABROAD_AFTER.match(text, end)
    if match and match.group(1) in ABROAD:
        return f"a place abroad ({match.group(1)})"
    return ""


def is_month(name: str) -> bool:
    """Whether a name is also a month ("March", "May")."""
    return name in MONTHS


def longer_proper_name_reason(text: str, start: int, end: int) -> str:
    """Why a word-like place (a first name, a common word) starting or ending a longer
    capitalised name is part of it: "Paul Flynn", "River Swale", "Old Trafford"."""
    following = _next_word(text, end)
    if following[:1].isupper() and following.rstrip(".,") not in NOT_SURNAMES:
        return f"part of a longer name (before {following!r})"
    return ""


# Words that change what the name after them means, besides first names ("of": a title,
# "Bishop of Durham", ``named.title_of_reason``).
WORDS_BEFORE = frozenset(
    GIVEN_PREFIX | INITIALS | {"River", "river", "Loch", "Lake", "Afon", "v", "vs", "of"}
)
# Reasons that say the name is a person's: every other naming of it in the article is that
# person too ("Paula Radcliffe ... Radcliffe won").
SURNAME = "a surname"
FIRST_NAME = "a first name"
PERSON_REASONS = (SURNAME, FIRST_NAME)


def word_before_reason(text: str, start: int, first_names: frozenset[str]) -> str:
    """Why a name is not the place from the word before it: a first name, a title or an
    initial makes it a surname ("John Burton", "J Worsley"); "River", "Loch" or "Lake" makes
    it the water."""
    before = _previous_word(text, start)
    if before in first_names or before in GIVEN_PREFIX or before in INITIALS:
        return f"{SURNAME} (after {before!r})"
    if before.lower() in ("river", "loch", "lake", "afon"):
        return "a river or lake of the same name"
    return ""


def first_name_reason(text: str, start: int, end: int, first_names: frozenset[str]) -> str:
    """Why a place or seat named like a first name is a person's first name: a surname
    follows it ("Gordon Strachan", "Gordon D'Arcy"). Not when a first name follows: that is
    the seat before its candidate's name ("for Gordon Colin Clark")."""
    if text[start:end] not in first_names:
        return ""
    following = _next_word(text, end)
    surname = following.rstrip(".,'’s")
    if following[:1].isupper() and surname not in NOT_SURNAMES and surname not in first_names:
        return f"{FIRST_NAME} (before {following!r})"
    return ""


def as_person_reason(text: str, start: int, seen_as: str) -> str:
    """Why a name the article uses elsewhere as a person's name is that person here too,
    unless a place word stands before it ("in", "from", "near", "of")."""
    if _previous_word(text, start).lower() in _LOCATIVE:
        return ""
    return f"the name of a person the article names ({seen_as})"


_LOCATIVE = frozenset(("in", "from", "near", "of"))
# ASCII letters lower-cased and hyphens kept, anything else a space (``ascii_text`` holds
# nothing beyond ASCII): the words of a text, each between spaces.
_LOWER_LETTERS = (
    bytes(
        ord(chr(code).lower()) if chr(code).isalpha() or chr(code) == "-" else 32
        for code in range(128)
    )
    + b" " * 128
)
# How much of an article (after its title) tells whether it is a sports report.
SPORT_READ = 1000
SPORT_MIN_WORDS = 3
# A result for a headline: "Hereford 1-1 Doncaster", "Newcastle 27-27 Gloucester".
_SCORE_LINE = re.compile(rb"[A-Za-z] \d{1,3}-\d{1,3} [A-Z]")


# The civic words most often in an article's opening (on ../shared/eval and the labelled
# fixtures), between spaces as in ``reads_as_sport``'s padded opening.
_COMMON_CIVIC = tuple(f" {word} ".encode() for word in ("mp", "labour", "election", "council"))


def reads_as_sport(ascii_text: bytes, title_end: int) -> bool:
    """Whether an article is a sports report: its title and opening hold a sport word and
    at least three sport or match words in all ("striker", "fixture", "rugby"; "club",
    "season", "fans"), and no word of politics ("council", "MP", "election", "Labour"); or its
    headline is a result ("Hereford 1-1 Doncaster"). In such a report a town named is a team
    or a ground ("Blackburn boss", "at Twickenham"), not the place. ``ascii_text`` is the
    text as ASCII bytes (``?`` for the rest), as the matcher reads it."""
    if _SCORE_LINE.search(ascii_text, 0, title_end):
        return True
    head = b" " + ascii_text[: title_end + 2 + SPORT_READ].translate(_LOWER_LETTERS) + b" "
    # One word of politics decides (no sports report), whatever else the opening holds: the
    # commonest are looked for first, as whole words between spaces, which costs a fraction
    # of the automaton's pass below over every character.
    for word in _COMMON_CIVIC:
        if word in head:
            return False
    # Whole words found by a small automaton over the words padded with spaces: splitting
    # the opening into a set of words cost three times as much, for every article.
    found = {word for _, word in _sport_automaton().iter(head.decode("ascii"))}
    return (
        len(found) >= SPORT_MIN_WORDS
        and not SPORT_WORDS.isdisjoint(found)
        and CIVIC_WORDS.isdisjoint(found)
    )


@lru_cache(maxsize=1)
def _sport_automaton() -> ahocorasick.Automaton:
    """The sport, match and civic words, each between spaces (whole words only)."""
    automaton = ahocorasick.Automaton()
    for word in SPORT_CONTEXT | CIVIC_WORDS:
        automaton.add_word(f" {word} ", word)
    automaton.make_automaton()
    return automaton


def longer_name_reason(text: str, start: int, end: int, first_names: frozenset[str]) -> str:
    """Why an MP's name inside a longer personal name is someone else ("Colin James Clark")."""
    before = _previous_word(text, start)
    if before in first_names:
        return f"part of a longer name (after {before!r})"
    following = _next_word(text, end)
    if (
        following[:1].isupper()
        and following.rstrip(".,'’s") not in NOT_SURNAMES
        and (not following.endswith(("'s", "’s")))
    ):
        return f"part of a longer name (before {following!r})"
    return ""


def window(text: str, start: int, end: int, reach: int = 80) -> str:
    """The text around a match, within its line.

    Only the reach either side is searched for line ends: a text with no line breaks (a
    feed's body often has none) is not scanned end to end for each name.
    """
    low = start - reach if start > reach else 0
    begin = text.rfind("\n", low, start)
    finish = text.find("\n", start, end + reach)
    return text[low if begin == -1 else begin + 1 : end + reach if finish == -1 else finish]


def _words(text: str, start: int, end: int, reach: int) -> set[str]:
    return set(_WORDS.findall(window(text, start, end, reach).lower()))


def has_seat_context(text: str, start: int, end: int) -> bool:
    """Whether the words around a name say it is the constituency (MP, seat, by-election)."""
    return not SEAT_WORDS.isdisjoint(_words(text, start, end, 50))


def seat_word_follows(text: str, end: int) -> bool:
    """Whether the word right after a name makes it the constituency ("Wakefield MP",
    "Wakefield seat")."""
    following = text[end : end + 20].split(maxsplit=1)
    return bool(following) and following[0].strip(".,;:").lower() in SEAT_WORDS


def has_mp_context(text: str, start: int, end: int) -> bool:
    """Whether the words around a person's name say they are an MP or candidate ("MP", a
    ministry, a party, "candidate")."""
    near = window(text, start, end, 80).lower()
    if not PERSON_WORDS.isdisjoint(_WORDS.findall(near)):
        return True
    return any(pair in near for pair in _PERSON_PAIRS)


def names_politician(text: str, start: int, end: int) -> bool:
    """Whether the words around a person's name show the politician: MP, minister, party or
    candidate words, or a quote ("said", "told")."""
    near = window(text, start, end, 80).lower()
    return _has_word(near, _POLITICIAN_WORDS) or any(pair in near for pair in _PERSON_PAIRS)


def names_contest(text: str, start: int, end: int, year: int) -> bool:
    """Whether the sentence naming a seat is about its contest ("selected John Blair to
    contest the South Antrim seat"): a story reporting a seat's candidates is about it. Not
    a contest of years before (``year``: the article's): "first elected in Stafford in
    1984, in a by-election" is an MP's history."""
    near = window(text, start, end, 80)
    if not _has_word(near.lower(), _CONTEST_WORDS):
        return False
    return all(int(found) >= year - 1 for found in _YEAR.findall(near))


_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def names_past(text: str, start: int, end: int) -> bool:
    """Whether the sentence naming a seat puts it in an MP's past ("first represented
    Croydon Central before switching to Mole Valley")."""
    return _has_word(window(text, start, end, 60).lower(), _PAST_WORDS)


def is_quoted(text: str, start: int, end: int) -> bool:
    """Whether the person is quoted or acts in the sentence that names them."""
    return _has_word(window(text, start, end, 60), _TAKING_PART)


def _has_word(text: str, words: ahocorasick.Automaton) -> bool:
    """Whether any of these words (an automaton of them, ``_word_finder``) stands in
    ``text`` as a whole word: neither the character before nor the one after it is a word
    character (``\\w``: alphanumeric or "_"), as ``\\b(?:w1|w2|...)\\b`` would find it.

    A regular expression tries its alternatives at every letter of the text (a large part
    of tagging's regex time, bench/RESULTS.md), and looking for each word in turn reads the
    text once a word; the automaton reads it once for them all, and only the few places a
    word stands are checked for whole words.
    """
    size = len(text)
    for last, length in words.iter(text):
        at = last + 1 - length
        if (at == 0 or not _word_char(text[at - 1])) and (
            last + 1 == size or not _word_char(text[last + 1])
        ):
            return True
    return False


def _word_finder(words: frozenset[str] | tuple[str, ...]) -> ahocorasick.Automaton:
    """An automaton over these words for ``_has_word``, each found with its length."""
    automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    for word in words:
        automaton.add_word(word, len(word))
    automaton.make_automaton()
    return automaton


def _word_char(char: str) -> bool:
    """Whether a character is a word character to ``re`` (``\\w`` in a str pattern)."""
    return char.isalnum() or char == "_"


_POLITICIAN_WORDS = _word_finder(QUOTE_WORDS | PERSON_WORDS)
# A person takes part in a story by saying something or by doing something: what they did
# counts for ``member`` (not for telling an MP from a namesake: anyone acts).
_TAKING_PART = _word_finder(QUOTE_WORDS | ACTING_WORDS)
_CONTEST_WORDS = _word_finder(CONTEST_WORDS)
_PAST_WORDS = _word_finder(PAST_WORDS)
