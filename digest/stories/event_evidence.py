"""Evidence that two reports are of one event: shared quotes, numbers and named people.

Other outlets' reports of one event share few phrases (each writes its own), but they copy
what happened: the words someone said (quotes are copied verbatim), the figures (votes,
majorities, money), and the people and places beyond the story's subject. Two stories about
one seat and its MP a week apart share the subject, not these: the test is what happened,
not who it is about.

Marks are found in the raw text (capitals and quotation marks matter) and kept as small
sets: quoted six-word runs as 32-bit hashes, numbers and names as strings (an operator
reads them in ``digest stories``).
"""

from __future__ import annotations

import array
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from digest.stories.word_hashes import hash_array, word_hashes

QUOTE_WORDS = 6  # a shared quote is a run of at least this many words inside quotation marks

# Quotation marks: curly double, straight double, curly single (an apostrophe is ’ too, so
# a single quote must open after a space or bracket and close before one or punctuation).
# An opened quote with no close in its paragraph runs to the paragraph's end (a quote of
# several paragraphs reopens each paragraph and closes only in the last).
# (Each branch starts with its mark, so the regex engine skips to the marks; whether a
# single quote opens after a space is checked in Python: a look-behind costs at every
# character.)
_QUOTED = re.compile(
    r"“([^”\n]+)(?:”|$)|\"([^\"\n]+)(?:\"|$)|‘([^\n]+?)(?:’(?=[\s.,;:!?)\]]|$)|$)", re.M
)
_QUOTE_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# A figure: money, a count with thousands separators, a decimal, a percentage.
# (Starting at the digit lets the regex engine skip to digits; a currency sign before it is
# read from the text.)
_NUMBER = re.compile(r"(\d[\d,.]*)(\s?(?:%|per cent|m\b|bn\b|k\b|million|billion))?", re.I)
_COUNT = re.compile(r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?")
# A name: two or more capitalised words in a row ("Stephen McPartland", "Mole Valley"),
# joined by a space, a hyphen or a lower-case particle ("Newcastle upon Tyne"; not "and"
# or "in", which join two names: "Jane Doe and John Roe", "Rishi Sunak in Richmond").
_NAME = re.compile(r"[A-Z][\w’'-]*(?:(?: (?:upon|on|of|under|de|van|von|le|la|y))* [A-Z][\w’'-]*)+")


def _listed(words: str) -> frozenset[str]:
    return frozenset(words.split())


_PARTICLES = _listed("upon on of under de van von le la y")


# Words that open a capitalised run without being part of the name: honorifics and the
# capitalised first word of a sentence.
_OPENERS = _listed(
    "mr mrs ms miss dr sir dame lord lady cllr councillor rev prof the a an in on at and "
    "but as if when while after before this that these those it he she they we i his her "
    "their our its "
)
# Words that make a capitalised run an office, a party, an institution or a date rather than
# a person or a place: every story about a seat names the party, "the House of Commons" and
# "the general election". A run is cut at them ("Stevenage MP Stephen McPartland" gives
# "Stephen McPartland"); what is left of two words or more is a name.
_GENERIC = _listed(
    "mp mps msp ms mla mep mayor minister secretary chancellor leader chair chairman "
    "spokesman spokeswoman spokesperson councillor candidate member members reporter "
    "editor party labour conservative conservatives tory tories liberal democrat democrats "
    "lib dem dems snp green greens reform uk plaid cymru sinn féin sdlp dup uup alliance "
    "independent ukip brexit house commons lords parliament government council borough "
    "county city district committee commission office department assembly senedd executive "
    "court trust union kingdom election elections general by-election news times post echo "
    "mail star january february march april may june july august september october "
    "november december monday tuesday wednesday thursday friday saturday sunday prime "
    "shadow deputy home foreign health justice education "
)


class EventMarks:
    """What of an event an article records: its quotes (hashes of the six-word runs inside
    quotation marks), its figures, the names it gives (two words or more, case-folded) and,
    of those, its subjects (named in the title or the most often: who or what it is about).

    The quotes and figures are made with the article: they choose the articles it is
    compared with (``candidates``). The names and subjects are read from its title and text
    when first asked for: only a pair the other measures leave open needs them
    (``verdict``), and finding names reads every character, so neither preparing an
    article nor its stored print pays for them.
    """

    __slots__ = ("_named", "_text", "_title", "numbers", "quotes")

    def __init__(self, quotes: np.ndarray, numbers: frozenset[str], title: str, text: str):
        self.quotes = quotes
        self.numbers = numbers
        self._title = title
        self._text = text
        self._named: tuple[frozenset[str], frozenset[str]] | None = None

    @property
    def names(self) -> frozenset[str]:
        return self._read()[0]

    @property
    def subjects(self) -> frozenset[str]:
        return self._read()[1]

    def _read(self) -> tuple[frozenset[str], frozenset[str]]:
        if self._named is None:
            self._named = event_names(self._title, self._text)
        return self._named


@dataclass(frozen=True, slots=True)
class EventEvidence:
    """What two articles share of an event, and the score it makes (see ``evidence_score``)."""

    quote_runs: int  # shared six-word runs inside quotation marks
    numbers: tuple[str, ...]
    names: tuple[str, ...]  # shared names beyond either article's subjects
    score: float

    def describe(self) -> str:
        """The evidence in words, for a verdict's reason."""
        parts = []
        if self.quote_runs:
            parts.append(f"a quote of {self.quote_runs + QUOTE_WORDS - 1}+ words")
        if self.numbers:
            parts.append("figures " + ", ".join(self.numbers[:4]))
        if self.names:
            parts.append("names " + ", ".join(self.names[:4]))
        return "; ".join(parts) if parts else "no quote, figure or other name in common"


_MIX = np.array([0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F, 0x165667B1, 1], dtype=np.uint64)


def quoted_runs(text: str) -> list[list[str]]:
    """The words of each quoted passage, lower-case."""
    runs: list[list[str]] = []
    if "“" not in text and '"' not in text and "‘" not in text:
        return runs
    for match in _quotations(text):
        double, straight, single = match.groups()
        if single is not None and match.start() and text[match.start() - 1] not in " \n([":
            continue  # an apostrophe ("the MP’s ‘plan’" opens after a space; "’" inside a word)
        quoted = double or straight or single
        words = _quote_words(quoted.casefold().replace("’", "'"))
        if len(words) >= QUOTE_WORDS:
            runs.append(words)
    return runs


def _quote_words(quoted: str) -> list[str]:
    """``_QUOTE_WORD.findall(quoted)``, token by token: no word crosses a space, a token
    of letters and digits only is one word, and what the pattern finds in the others is
    remembered per process (the pattern's repeated group costs far more than a split)."""
    found: list[str] = []
    known = _TOKEN_WORDS
    for token in quoted.split():
        if token.isalnum():
            found.append(token)
            continue
        words = known.get(token)
        if words is None:
            if len(known) > 100_000:
                known.clear()
            words = known[token] = tuple(_QUOTE_WORD.findall(token))
        found += words
    return found


_TOKEN_WORDS: dict[str, tuple[str, ...]] = {}


def _quotations(text: str) -> Iterator[re.Match[str]]:
    """``_QUOTED.finditer(text)``, each match tried only where a quotation mark is: finding
    the marks by plain character searches costs less than the regex engine reading every
    character (a match starts with its mark, so it finds the same matches)."""
    find = text.find
    position = 0
    while True:
        marks = (find("“", position), find('"', position), find("‘", position))
        start = min([at for at in marks if at >= 0], default=-1)
        if start < 0:
            return
        match = _QUOTED.match(text, start)
        if match is None:
            position = start + 1
        else:
            yield match
            position = match.end()


def _run_hashes(runs: Iterable[Sequence[str]]) -> np.ndarray:
    """32-bit hashes of every six-word run of the passages, sorted and distinct: the words'
    hashes mixed (odd multipliers), all passages in one numpy step, runs that cross from
    one passage into the next left out. A few quoted words (the common case) are mixed in
    Python instead: numpy's cost per call outweighs its speed on a handful of values, and
    the sum taken to 32 bits is the same."""
    words: list[str] = []
    passage: list[int] = []
    for number, run in enumerate(runs):
        words.extend(run)
        passage.extend([number] * len(run))
    if len(words) < QUOTE_WORDS:
        return np.zeros(0, dtype=np.uint64)
    if len(words) <= _FEW_WORDS:
        return _few_run_hashes(word_hashes(words), passage)
    hashes = hash_array(words)
    starts = len(hashes) - QUOTE_WORDS + 1
    # Each row a view of one run's hashes (no copy), mixed by one product with the
    # multipliers: the same sum modulo 2**64 as adding them one multiplier at a time, in
    # one numpy call instead of eighteen.
    runs_of = np.ndarray((starts, QUOTE_WORDS), np.uint64, hashes, 0, (8, 8))
    mixed = runs_of @ _MIX
    owner = np.frombuffer(array.array("q", passage), np.int64)
    within = owner[:starts] == owner[QUOTE_WORDS - 1 :]
    # Sorted and distinct (a sort and a mask: less than ``np.unique`` on so few values).
    ordered = np.sort(mixed[within] & np.uint64(0xFFFFFFFF))
    distinct = np.empty(len(ordered), dtype=bool)
    distinct[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=distinct[1:])
    return ordered[distinct]


_FEW_WORDS = 64  # up to this many quoted words, ``_few_run_hashes``
_MIX_INTS = [int(value) for value in _MIX]


def _few_run_hashes(hashes: list[int], passage: list[int]) -> np.ndarray:
    """``_run_hashes`` in Python: each run's mixed hash modulo 2**32 (numpy's sum wraps at
    2**64, then keeps 32 bits: the same value), runs within one passage, sorted, distinct."""
    m0, m1, m2, m3, m4, m5 = _MIX_INTS
    found = {
        (
            hashes[at] * m0
            + hashes[at + 1] * m1
            + hashes[at + 2] * m2
            + hashes[at + 3] * m3
            + hashes[at + 4] * m4
            + hashes[at + 5] * m5
        )
        & 0xFFFFFFFF
        for at in range(len(hashes) - QUOTE_WORDS + 1)
        if passage[at] == passage[at + QUOTE_WORDS - 1]
    }
    return np.array(sorted(found), dtype=np.uint64)


def figures(text: str) -> frozenset[str]:
    """The figures that identify an event: money, percentages, decimals, and counts of 100
    or more other than a year on its own (every story about a seat names its election year)."""
    found: set[str] = set()
    for match in _figure_matches(text):
        digits, unit = match.groups()
        before = match.start() - 1
        if unit is None and digits.isdigit() and (before < 0 or text[before] not in "£$€"):
            # The common case, a plain whole number (a day, a count, a year): the tests
            # below, in short. Kept when it has three digits and is not a year on its own,
            # and follows no letter, digit or code mark.
            if len(digits) < 3 or 1900 <= int(digits) <= 2100:
                continue
            if before >= 0 and (text[before].isalnum() or text[before] in "/-:"):
                continue
            found.add(digits)
            continue
        currency = text[before] if before >= 0 and text[before] in "£$€" else ""
        if before >= 0 and (text[before].isalnum() or text[before] in "/-:"):
            continue  # part of a code, date or time ("A14", "2019-20", "10:30")
        digits = digits.rstrip(",.")
        if not _COUNT.fullmatch(digits):
            continue  # a list of numbers, a version, a date with full stops
        value = digits.replace(",", "")
        if not (currency or unit or "." in value):
            if "." in digits or len(value) < 3:
                continue
            if "," not in digits and 1900 <= int(value) <= 2100:
                continue
        unit = (unit or "").strip().casefold()
        unit = {"per cent": "%", "million": "m", "billion": "bn"}.get(unit, unit)
        found.add(f"{currency or ''}{value}{unit}")
    return frozenset(found)


def _figure_matches(text: str) -> Iterator[re.Match[str]]:
    """``_NUMBER.finditer(text)``, the pattern tried only at digits: found by numpy over the
    text's code points instead of the regex engine reading every character for one (a
    match starts at a digit). A decimal digit beyond ASCII (which the pattern's ``\\d``
    matches too) is not looked for that way: such a text goes to the pattern whole."""
    codes = np.frombuffer(text.encode("utf-32", "surrogatepass"), np.uint32, -1, 4)
    beyond = codes[codes >= _FIRST_OTHER_DIGIT]
    if len(beyond) and any(chr(code).isdecimal() for code in np.unique(beyond).tolist()):
        yield from _NUMBER.finditer(text)
        return
    match = _NUMBER.match
    end = 0
    for start in np.flatnonzero(codes - np.uint32(48) < 10).tolist():
        if start < end:
            continue  # within the figure found last
        found = match(text, start)
        if found is not None:
            end = found.end()
            yield found


_FIRST_OTHER_DIGIT = 0x660  # no decimal digit comes between ASCII's and this one


def _names(text: str) -> Counter[str]:
    """Names of two words or more, case-folded, with how often each appears."""
    counted: Counter[str] = Counter()
    known = _RUN_NAMES
    for run in _NAME.findall(text):
        names = known.get(run)
        if names is None:  # runs recur through an article and across a day's news
            if len(known) > 100_000:
                known.clear()
            names = known[run] = tuple(_parts(run.casefold().replace("’", "'").split(" ")))
        for name in names:
            counted[name] += 1
    return counted


_RUN_NAMES: dict[str, tuple[str, ...]] = {}


def _parts(words: list[str]) -> list[str]:
    """The names in a capitalised run (case-folded): cut at office, party and date words,
    openers and particles trimmed from the ends, possessives dropped; two words or more.

    Particles are the only lower-case words a run holds ("upon", "of"): they are told
    apart from capitalised words by the run's own case, lost here, so by the list.
    """
    found = []
    part: list[str] = []
    for word in [*words, "mp"]:  # "mp" (generic) closes the last part
        word = word.removesuffix("'s")
        if word in _GENERIC:
            while part and (part[0] in _OPENERS or part[0] in _PARTICLES):
                del part[0]
            while part and part[-1] in _PARTICLES:
                part.pop()
            if len(part) >= 2:
                found.append(" ".join(part))
            part = []
        else:
            part.append(word)
    return found


def event_marks(title: str, text: str) -> EventMarks:
    """An article's marks of its event (title and text)."""
    return EventMarks(_run_hashes(quoted_runs(f"{title}\n{text}")), figures(text), title, text)


def event_names(title: str, text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The names an article gives (text and title) and, of those, its subjects."""
    named = _names(text)
    in_title = _names(title)
    title_words = {word.casefold().removesuffix("'s") for word in re.findall(r"[\w’'-]+", title)}
    subjects = set(in_title)
    # A name whose words are all in the title is the subject too ("Sir Bill Cash" for a
    # headline "Bill Cash to stand down"), and so is the name the text repeats most.
    subjects.update(name for name in named if set(name.split(" ")) <= title_words)
    if named:
        top = max(named.values())
        if top > 1:
            subjects.update(name for name, count in named.items() if count == top)
    return frozenset(named) | frozenset(in_title), frozenset(subjects)


def _surname_of(names: Iterable[str]) -> set[str]:
    return {name.rsplit(" ", 1)[-1] for name in names}


def shared_evidence(a: EventMarks, b: EventMarks) -> EventEvidence:
    """What two articles share of an event."""
    quote_runs = len(np.intersect1d(a.quotes, b.quotes, assume_unique=True))
    numbers = tuple(sorted(a.numbers & b.numbers))
    subjects = a.subjects | b.subjects
    # A name sharing its last word with a subject is the subject again ("Sir Bill Cash",
    # "Bill Cash"); a party or an institution in both is no evidence of one event either.
    subject_words = _surname_of(subjects)
    names = tuple(
        sorted(
            name
            for name in a.names & b.names
            if name not in subjects and name.rsplit(" ", 1)[-1] not in subject_words
        )
    )
    return EventEvidence(quote_runs, numbers, names, evidence_score(quote_runs, numbers, names))


def evidence_score(quote_runs: int, numbers: Sequence[str], names: Sequence[str]) -> float:
    """Points of event evidence: a shared quote counts 2 (3 from a quote of ten words: two
    outlets copy a statement, they do not happen to write the same ten words), each shared
    figure 1 (two at most) and each shared name beyond the subjects 0.5 (three at most):
    capped so that names alone never reach the join threshold, nor one figure."""
    quote = 0.0 if not quote_runs else (3.0 if quote_runs >= 5 else 2.0)
    return quote + min(len(numbers), 2) * 1.0 + min(len(names), 3) * 0.5
