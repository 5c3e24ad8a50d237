"""Page furniture judged line by line, before lines are joined into paragraphs.

A stored page puts each caption, label, byline and dateline on a line of its own. Joined to
the next line they become the head of the lede, which no paragraph rule can match whole; so
lines are judged first, by their shape rather than their words, and only then joined:

* a dateline or label line: nothing but date words, times and "Published"/"Updated";
* a caption: a line repeated in the text without a final full stop, a line glued to its own
  copy, a line ending in a bracketed credit ("(Name/Agency)", "(© ...)"), the line after an
  image label, a phrase glued inside a word to the next sentence ("...on FridayJane Doe, the
  MP"), a line interrupting a quotation that runs on over paragraphs;
* whatever a furniture rule of ``data/furniture.toml`` matches (``clean.py`` passes them in).

A line that is none of these but has no final full stop (a crosshead, a standfirst, a caption
with no other mark) is kept as a paragraph of its own, so that it can never become the head
of a sentence; ``looks_like_furniture`` lets summaries refuse it as a sentence.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import pairwise

from digest.dates import MONTHS

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n+")
# A sentence is over: a full stop, question or exclamation mark or an ellipsis, then
# perhaps closing quotes or brackets.
_TERMINAL = re.compile(r"[.!?…]\s?[\"'’”)\]]*$")
# A line ending like this runs on into the next one (a hard-wrapped paragraph).
_RUNS_ON = re.compile(r"(?:[,;–—-]|\b(?:a|an|the|of|to|and|or|in|on|for|at|by|with|from))$")
# The store's own prefix on the first line of a page: " date 2023-06-20 ".
_STORE_DATE = re.compile(r"^date \d{4}-\d{2}-\d{2}\s+")
# A phrase glued to a capitalised name inside a "word": "...on FridayJane Doe, the MP".
# Three lower-case letters before the capital leave "McPartland" and "YouGov" alone.
_GLUED = re.compile(r"(?<=[a-z]{3})[A-Z][a-z]+,? [A-Z]")
# A bracketed credit closing a caption: a slash, copyright or bar inside, or only names.
_CREDIT = re.compile(r"\(([^()]{2,100})\)$")
# "Name/Agency", "Credit: Name/UK Parliament/PA Wire": a slash between words, no comma.
_AGENCY = re.compile(r"^[^,]{0,60}\S/\S[^,]{0,60}$")
_NAMES = re.compile(r"^(?:(?:[A-Z][\w'’&.-]*|of|and|the|for)\s?)+$")
_DATE_TOKEN = re.compile(r"\d+[:.]\d+|\d+(?:st|nd|rd|th)?|[a-z]+")
_MONTHS = frozenset(MONTHS)
_WEEKDAYS = frozenset(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "mon",
        "tue",
        "tues",
        "wed",
        "thu",
        "thur",
        "thurs",
        "fri",
        "sat",
        "sun",
    ]
)
_LABELS = frozenset(["date", "published", "updated", "update", "posted", "modified"])
_DATE_WORDS = (
    _MONTHS
    | _WEEKDAYS
    | _LABELS
    | frozenset(
        [
            "am",
            "pm",
            "gmt",
            "bst",
            "utc",
            "cet",
            "at",
            "on",
            "of",
            "the",
            "first",
            "last",
            "ago",
            "min",
            "mins",
            "minute",
            "minutes",
            "hour",
            "hours",
            "day",
            "days",
            "week",
            "weeks",
        ]
    )
)
_PREPOSITIONS = frozenset(["on", "at", "by", "in", "from", "until", "since"])
_QUOTES_OPEN = ("“", '"', "‘")
_BULLETS = ("- ", "• ", "* ", "– ", "· ")

RuleFor = Callable[[str], str | None]


def text_units(text: str) -> list[str]:
    """The lines of normalised plain ``text`` as units to judge, whitespace collapsed.

    A hard-wrapped paragraph (most of its line breaks fall inside a sentence) is one unit,
    as is a line running on into the next; otherwise each line is a unit of its own.
    """
    units: list[str] = []
    for block in _PARAGRAPH_BREAK.split(text):
        lines = [joined for line in block.split("\n") if (joined := " ".join(line.split()))]
        if len(lines) < 2:
            units.extend(lines)
            continue
        runs = [_runs_on(line, following) for line, following in pairwise(lines)]
        if 2 * sum(runs) >= len(runs):
            units.append(" ".join(lines))
            continue
        current = lines[0]
        for (line, following), run in zip(pairwise(lines), runs, strict=True):
            # The items of a list stay one paragraph, as they were before lines were judged.
            if run or (line.startswith(_BULLETS) and following.startswith(_BULLETS)):
                current = f"{current} {following}"
            else:
                units.append(current)
                current = following
        units.append(current)
    return units


def _runs_on(line: str, following: str) -> bool:
    return following[0].islower() or _RUNS_ON.search(line) is not None


def drop_furniture_units(
    units: Sequence[str],
    rules_for: Callable[[Sequence[str]], RuleFor],
    *,
    from_markup: bool = False,
) -> list[str]:
    """``units`` without the furniture among them; glued captions cut off the text they
    were glued to. ``rules_for(units)`` names the furniture rule matching one of the units
    judged, if any (told them all first, it can leave out rules none of them can match).

    ``from_markup``: the units are the blocks of an HTML page, whose tags already parted a
    caption from the next paragraph, so no unit is searched for a caption glued inside a
    word (the costliest test, as it reads every character).
    """
    if units:
        units = [_STORE_DATE.sub("", units[0]), *units[1:]]
    pieces = [piece for unit in units for piece in _unglued(unit, units, not from_markup)]
    counts = Counter(pieces)
    rule_for = rules_for(pieces)
    kept: list[str] = []
    seen: set[str] = set()
    after_label = False
    for index, unit in enumerate(pieces):
        rule = rule_for(unit)
        caption = after_label and not _TERMINAL.search(unit[-8:])
        after_label = rule == "image label"
        if rule is not None or caption or is_dateline(unit):
            continue
        if counts[unit] > 1 and len(unit.split()) >= 3:
            # A caption repeats (image and lightbox); a sentence repeated is a pull quote.
            if unit in seen or not _TERMINAL.search(unit[-8:]):
                continue
            seen.add(unit)
        if _has_credit(unit) or _interrupts_quote(kept, unit, pieces[index + 1 : index + 2]):
            continue
        kept.append(unit)
    return kept


def _unglued(unit: str, units: Sequence[str], inside_words: bool) -> list[str]:
    """``unit`` without a caption glued to its own copy or to the sentence after it."""
    # A caption is short: its copy starts within the first few hundred characters.
    probe = unit[:20]
    start = unit.find(probe, 20, 600) if len(probe) == 20 else -1
    while 0 < start <= len(unit) // 2 + 1:
        head = unit[:start].rstrip()
        if unit[start:].startswith(head):
            rest = unit[start + len(head) :].strip()
            if _TERMINAL.search(head[-8:]):  # a sentence said twice: keep it once
                return [f"{head} {rest}".strip()]
            unit = rest
            break
        start = unit.find(probe, start + 1, 600)
    if not unit:
        return []
    glued = _GLUED.search(unit, 0, 300) if inside_words else None
    if glued is not None:
        left = unit[: glued.start()]
        # A caption is a phrase: four to twenty words, no full stop.
        words = len(left.split())
        if 4 <= words <= 20 and not re.search(r"[.!?]", left) and _glue(unit, left, units):
            # The caption is kept as a line of its own: cut from the sentence, it can no longer
            # head it, and a wrong cut loses nothing.
            return [left, unit[glued.start() :]]
    return [unit]


def _glue(unit: str, left: str, units: Sequence[str]) -> bool:
    """Whether the "word" ending ``left`` is two words glued, not a CamelCase name.

    "seatChris" starts in lower case, which names ("PlayStation", "BridgeHead") do not; a
    capitalised one ("FridayJane") counts only if its first part is a word of its own
    elsewhere in the text and the two parts are never written apart ("Power Page").
    """
    first = left.rsplit(" ", 1)[-1]
    if first[:1].islower():
        return True
    second = re.match(r"[A-Z][a-z]+", unit[len(left) :])
    text = "\n".join(units)
    if second is None or f"{first} {second.group()}" in text:  # "Power Page" elsewhere
        return False
    return re.search(rf"(?<![\w'’]){re.escape(first)}(?![\w'’])", text) is not None


def _has_credit(unit: str) -> bool:
    """True for a caption closed by a bracketed credit and no full stop."""
    credit = _CREDIT.search(unit, len(unit) - 102) if unit.endswith(")") else None
    if credit is None:
        return False
    inside = credit.group(1)
    if "©" in inside or _AGENCY.search(inside):
        return True
    # Only names in the brackets: a caption if it is the only bracket and follows a phrase
    # ("Joe Bloggs with his daughter (Camera Press)"); a team list, a ranking or an acronym
    # ("Voice over Internet Telephony (Voip)") otherwise.
    before = unit[: credit.start()].split()
    return (
        unit.count("(") == 1
        and len(before) >= 5
        and any(word[0].islower() for word in before)
        and len(inside.split()) >= 2
        and _NAMES.match(inside) is not None
    )


def _interrupts_quote(kept: Sequence[str], unit: str, following: Sequence[str]) -> bool:
    """True for a line set between two paragraphs of one running quotation: the paragraph
    before ends inside a quotation, the one after reopens it, this one quotes nothing."""
    if not following or not following[0].startswith(_QUOTES_OPEN) or not kept:
        return False
    if unit.endswith(":") or any(q in unit for q in '"“”'):
        return False
    return _ends_open(kept[-1])


def _ends_open(paragraph: str) -> bool:
    """True when the last quotation mark of ``paragraph`` opens a quotation."""
    last = max(paragraph.rfind("“"), paragraph.rfind("”"), paragraph.rfind('"'))
    if last < 0:
        return False
    if paragraph[last] != '"':
        return paragraph[last] == "“"
    return (last == 0 or paragraph[last - 1].isspace()) and paragraph[last + 1 : last + 2].isalnum()


def is_dateline(line: str) -> bool:
    """True for a line made only of a date, a time and labels ("Published 3 May 2024,
    16:18 GMT", "Friday, 13th December 2019, 11:30 am", "• Updated", "2 hours ago")."""
    if len(line) > 120:
        return False
    # Prose fails on its first word: a dateline starts with a date word, a number or a mark.
    first = line[:12].split(" ", 1)[0].lower().rstrip(",:")
    if first.isalpha() and first not in _DATE_WORDS:
        return False
    tokens = _DATE_TOKEN.findall(line.lower())
    if not tokens or any(t not in _DATE_WORDS and not t[0].isdigit() for t in tokens):
        return False
    return _dated(tokens)


def _dated(tokens: Sequence[str]) -> bool:
    """Whether date-word ``tokens`` say a date or time, or label one."""
    if any(t in _LABELS for t in tokens):
        return True
    numbers = any(t[0].isdigit() for t in tokens)
    return numbers and any(t in _MONTHS or t in _WEEKDAYS or ":" in t or t == "ago" for t in tokens)


def starts_with_dateline(sentence: str) -> bool:
    """True for a sentence headed by a dateline: a label, or a date with its year or time
    that does not open with a preposition ("On 3 May 2024, ..." is a sentence)."""
    tokens = _DATE_TOKEN.findall(sentence[:80].lower())
    head: list[str] = []
    for token in tokens:
        if token not in _DATE_WORDS and not token[0].isdigit():
            break
        head.append(token)
    if not head or head[0] in _PREPOSITIONS:
        return False
    if head[0] in _LABELS:
        return True
    timed = any(":" in t or (len(t) == 4 and t.isdigit()) for t in head)
    return len(head) >= 3 and timed and _dated(head)


def looks_like_furniture(sentence: str) -> bool:
    """True for a sentence no summary should hold: one with no final full stop (a caption,
    a crosshead, a link, a standfirst) or headed by a dateline."""
    return not _TERMINAL.search(sentence.rstrip()[-8:]) or starts_with_dateline(sentence)
