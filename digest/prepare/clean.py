"""Text normalisation and page-furniture removal.

Everything downstream (dedupe, tagging, summaries) reads only what this module returns, so a
caption or a "Become a Supporter" appeal can never become a summary sentence or a seat tag.
The furniture rules are data (``digest/data/furniture.toml``): adding one is a new table
entry and a test line, not a new branch in code.
"""

from __future__ import annotations

import bisect
import html
import re
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import lxml.html
from lxml import etree

from digest.bounds import MAX_TEXT_CHARS, bound_text, strip_control_references, strip_controls
from digest.furniture import RuleFor, drop_furniture_units, text_units
from digest.text import split_paragraphs

_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "section",
        "article",
        "header",
        "footer",
        "tr",
        "table",
        "pre",
        "hr",
        "dd",
        "dt",
        "dl",
    ]
)
_DROP_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "figure",
        "figcaption",
        "img",
        "iframe",
        "video",
        "audio",
        "svg",
        "form",
        "button",
        "nav",
        "aside",
    ]
)
_ZERO_WIDTHS = "\u200b\u200c\u200d\u2060\ufeff"
_ZERO_WIDTH = re.compile(f"[{_ZERO_WIDTHS}]")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n+")


@dataclass(frozen=True, slots=True)
class FurnitureRule:
    """A pattern that marks a paragraph as page furniture."""

    name: str
    pattern: re.Pattern[str]
    max_chars: int
    keywords: tuple[str, ...]

    def matches(self, paragraph: str, folded: str | None = None) -> bool:
        """True when this rule marks ``paragraph`` as furniture.

        ``folded`` is the paragraph in lower case, passed in when several rules are tried.
        """
        if self.max_chars and len(paragraph) > self.max_chars:
            return False
        folded = paragraph.lower() if folded is None else folded
        if self.keywords and not any(k in folded for k in self.keywords):
            return False
        return self.pattern.search(paragraph) is not None


@lru_cache(maxsize=1)
def furniture_rules() -> tuple[FurnitureRule, ...]:
    """The shipped furniture rules, compiled once."""
    data = tomllib.loads(
        resources.files("digest").joinpath("data/furniture.toml").read_text(encoding="utf-8")
    )
    rules = []
    for entry in data["rule"]:
        flags = re.IGNORECASE if entry.get("ignore_case", False) else 0
        rules.append(
            FurnitureRule(
                name=entry["name"],
                pattern=re.compile(entry["pattern"], flags),
                max_chars=int(entry.get("max_chars", 0)),
                keywords=tuple(k.lower() for k in entry.get("keywords", ())),
            )
        )
    return tuple(rules)


def normalise_whitespace(text: str) -> str:
    """NFC, no zero-width or control characters, single spaces, paragraphs separated by one
    blank line."""
    text = strip_controls(unicodedata.normalize("NFC", text))
    text = _without_zero_widths(text)
    paragraphs = [_single_spaced(p) for p in _PARAGRAPH_BREAK.split(text)]
    return "\n\n".join(p for p in paragraphs if p)


def _single_spaced(paragraph: str) -> str:
    """``paragraph`` with every run of spaces one space, none at its ends.

    str.split() without arguments splits on every Unicode space, non-breaking ones
    included. A printable paragraph holds no space but the plain one (every other space is
    unprintable), so when it has no double space and none at its ends it is already as
    wanted: checking costs less than splitting it into words and joining them again.
    """
    if (
        paragraph.isprintable()
        and "  " not in paragraph
        and not paragraph.startswith(" ")
        and not paragraph.endswith(" ")
    ):
        return paragraph
    return " ".join(paragraph.split())


def _without_zero_widths(text: str) -> str:
    """``text`` without zero-width characters. Most texts hold none: looking for each one
    (a plain character search) costs far less than the pattern reading every character."""
    if any(mark in text for mark in _ZERO_WIDTHS):
        return _ZERO_WIDTH.sub("", text)
    return text


def html_to_text(markup: str) -> str:
    """Readable text from an HTML fragment: block elements become paragraphs.

    Figures, captions, images, scripts and forms are dropped structurally, before the text
    rules run, because in HTML we know exactly what they are.
    """
    if not markup.strip():
        return ""
    if "<" not in markup:
        return normalise_whitespace(html.unescape(markup))
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return normalise_whitespace(html.unescape(re.sub(r"<[^>]+>", " ", markup)))
    # Both steps run in lxml's C code; Python only touches the block elements.
    etree.strip_elements(root, etree.Comment, *_DROP_TAGS, with_tail=False)
    for element in root.iter(*_BLOCK_TAGS):
        element.text = "\n\n" + (element.text or "")
        element.tail = "\n\n" + (element.tail or "")
    return normalise_whitespace(root.text_content())


def furniture_rule_for(paragraph: str) -> FurnitureRule | None:
    """The first rule marking ``paragraph`` as furniture, if any."""
    limits, bands = _rules_by_length()
    return _first_rule(paragraph, limits, bands)


def _first_rule(paragraph: str, limits: list[int], bands: list[_Band]) -> FurnitureRule | None:
    """``furniture_rule_for`` with the rules of ``_rules_by_length``, or fewer of them."""
    # Most paragraphs are prose, too long for most rules: only the rules whose length limit
    # the paragraph fits are tried, in order, each by its cheaper test first. A pattern tied
    # to the paragraph's start fails at its first characters, cheaper than looking for the
    # keywords, and one pattern made of all of them says whether any can match at all; any
    # other pattern searches every character, so its keywords (substring searches) go first.
    band = bisect.bisect_left(limits, len(paragraph))
    if band == len(limits):
        return None
    screen = bands[band]
    tied = screen.any_at_start is not None and screen.any_at_start.match(paragraph) is not None
    folded = None
    for rule, at_start in screen.rules if tied else screen.loose:
        if at_start and rule.pattern.search(paragraph) is None:
            continue
        if rule.keywords:
            if folded is None:
                folded = paragraph.lower()
            for keyword in rule.keywords:
                if keyword in folded:
                    break
            else:
                continue  # none of the rule's keywords
        if at_start or _searches(rule, paragraph, folded):
            return rule
    return None


def _searches(rule: FurnitureRule, paragraph: str, folded: str | None) -> bool:
    """Whether ``rule.pattern`` is found in ``paragraph`` (``folded``: its lower case, if
    made). A pattern made only of alternatives of plain text is looked for as that text,
    by substring searches: the regex engine would try every alternative at every
    character. Ignoring case, the lower-cased paragraph is searched, unless it holds a
    character the engine matches to a letter other than its lower case (``_CASE_ODD``)."""
    texts = _plain_alternatives(rule.pattern)
    if texts is None:
        return rule.pattern.search(paragraph) is not None
    if rule.pattern.flags & re.IGNORECASE:
        if not paragraph.isascii() and any(char in paragraph for char in _CASE_ODD):
            return rule.pattern.search(paragraph) is not None
        paragraph = paragraph.lower() if folded is None else folded
    return any(text in paragraph for text in texts)


# Dotless i, long s and dotted capital I: matched to "i", "s" and "i" ignoring case, yet
# lower-cased to other characters.
_CASE_ODD = "\u0131\u017f\u0130"


@lru_cache(maxsize=64)
def _plain_alternatives(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """The texts ``pattern`` matches, when it is plain text, "|" and "(?:...)" groups only
    (lower-cased, and plain ASCII, when it ignores case); ``None`` for any other pattern."""
    if pattern.flags & ~(re.IGNORECASE | re.UNICODE):
        return None
    try:
        texts, end = _alternatives(pattern.pattern, 0)
    except ValueError:
        return None
    if end != len(pattern.pattern) or len(texts) > 64:
        return None
    if pattern.flags & re.IGNORECASE:
        if not all(text.isascii() for text in texts):
            return None
        texts = [text.lower() for text in texts]
    return tuple(texts)


def _alternatives(source: str, at: int) -> tuple[list[str], int]:
    """The texts of the alternatives in ``source`` from ``at`` to its end or a closing
    bracket, and where they end; ``ValueError`` at any pattern syntax but "|" and "(?:"."""
    options: list[str] = []
    current = [""]
    while at < len(source) and source[at] != ")":
        char = source[at]
        if char == "|":
            options += current
            current = [""]
            at += 1
        elif source.startswith("(?:", at):
            inner, at = _alternatives(source, at + 3)
            if at >= len(source):
                raise ValueError("an unclosed group")
            current = [head + tail for head in current for tail in inner]
            at += 1
        elif char in ".^$*+?{}[]()\\":
            raise ValueError(f"pattern syntax {char!r}")
        else:
            current = [head + char for head in current]
            at += 1
    return options + current, at


_UNLIMITED = 1 << 62


@dataclass(frozen=True, slots=True)
class _Band:
    """The rules applying to paragraphs up to one length, in their order, each with whether
    its pattern is tied to the paragraph's start (``_tied_to_start``); ``loose``, those that
    are not; ``any_at_start``, a pattern matching a paragraph's start where one of the tied
    patterns does (``None`` without any)."""

    rules: tuple[tuple[FurnitureRule, bool], ...]
    loose: tuple[tuple[FurnitureRule, bool], ...]
    any_at_start: re.Pattern[str] | None


@lru_cache(maxsize=1)
def _rules_by_length() -> tuple[list[int], list[_Band]]:
    """For each rule length limit, in increasing order, the band of rules applying to
    paragraphs of that length at most."""
    rules = furniture_rules()
    limits = sorted({r.max_chars or _UNLIMITED for r in rules})
    bands = []
    for limit in limits:
        applying = [
            (rule, _tied_to_start(rule.pattern))
            for rule in rules
            if (rule.max_chars or _UNLIMITED) >= limit
        ]
        tied = [
            f"(?i:{r.pattern.pattern})" if r.pattern.flags & re.IGNORECASE else r.pattern.pattern
            for r, at_start in applying
            if at_start
        ]
        bands.append(
            _Band(
                tuple(applying),
                tuple((r, at_start) for r, at_start in applying if not at_start),
                re.compile("|".join(f"(?:{p})" for p in tied)) if tied else None,
            )
        )
    return limits, bands


def _tied_to_start(pattern: re.Pattern[str]) -> bool:
    """Whether every match of ``pattern`` starts at the start of the text: it opens with
    "^" (not in multi-line mode) and has no alternative outside brackets that could start
    elsewhere. When unsure (a pattern this reading gets wrong), the answer is "no", which
    costs only time: the rule is then tried like any other."""
    source = pattern.pattern
    if not source.startswith("^") or pattern.flags & (re.MULTILINE | re.VERBOSE):
        return False
    depth = 0
    in_class = False
    at = 1
    while at < len(source):
        char = source[at]
        if char == "\\":
            at += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            # A "]" first in a class (after a "^", if any) is a character of it.
            at += (
                2
                if source[at + 1 : at + 3] == "^]"
                else (1 if source[at + 1 : at + 2] == "]" else 0)
            )
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return False
        at += 1
    return depth == 0 and not in_class


def strip_furniture(text: str) -> str:
    """Plain text without its furniture lines, one paragraph per line that is a paragraph."""
    normalised = _without_zero_widths(strip_controls(unicodedata.normalize("NFC", text)))
    return "\n\n".join(drop_furniture_units(text_units(normalised), _rule_names))


def _drop_furniture(normalised: str) -> str:
    """Normalised text without its furniture paragraphs (each paragraph judged as a line)."""
    units = split_paragraphs(normalised)
    return "\n\n".join(drop_furniture_units(units, _rule_names, from_markup=True))


def _rule_name(line: str) -> str | None:
    rule = furniture_rule_for(line)
    return None if rule is None else rule.name


def _rule_names(units: Sequence[str]) -> RuleFor:
    """``_rule_name`` for ``units`` only: the rules not tied to a paragraph's start that no
    unit can match are left out of their bands.

    Those rules are otherwise tried on every paragraph, by a search of its lower case for
    each of their keywords; looking for the keywords once in the whole text (its ASCII
    letters lowered in its UTF-8 bytes, a C loop) says for most texts that no paragraph holds
    one, and so that none of the rules can match.
    """
    live = _possible_loose_rules(units)
    if live is None:
        return _rule_name
    limits, _ = _rules_by_length()
    bands = _bands_with(live)

    def rule_name(line: str) -> str | None:
        rule = _first_rule(line, limits, bands)
        return None if rule is None else rule.name

    return rule_name


# Characters the lower case of which (or which, ignoring case, the regex engine matches to)
# holds an ASCII letter: dotted capital I, dotless i, long s, the Kelvin sign.
_FOLDS_TO_ASCII = "\u0130\u0131\u017f\u212a"


def _possible_loose_rules(units: Sequence[str]) -> int | None:
    """Which rules not tied to a paragraph's start may match one of ``units`` (bit ``i``
    for rule ``i`` of ``_loose_screens``): those with a keyword, and (a pattern of plain
    texts) one of its texts, found in the whole text; ``None`` when the text holds a
    character of ``_FOLDS_TO_ASCII`` (any may)."""
    text = "\n".join(units)
    if not text.isascii() and any(char in text for char in _FOLDS_TO_ASCII):
        return None
    # Lowering the bytes lowers only the ASCII letters. Without the characters above, no
    # other character's lower case holds an ASCII one, so an ASCII keyword found in a
    # unit's lower case is found here.
    folded = text.encode("utf-8", "surrogatepass").lower()
    found: dict[bytes, bool] = {}
    live = 0
    for index, (_, groups) in enumerate(_loose_screens()):
        for group in groups:
            for needle in group:
                present = found.get(needle)
                if present is None:
                    present = found[needle] = needle in folded
                if present:
                    break
            else:
                break  # none of the group: the rule cannot match
        else:
            live |= 1 << index
    return live


@lru_cache(maxsize=1)
def _loose_screens() -> tuple[tuple[FurnitureRule, tuple[tuple[bytes, ...], ...]], ...]:
    """Each rule not tied to a paragraph's start with the groups of ASCII texts (lower
    case, in bytes) of which a paragraph it matches holds one each: its keywords, and its
    plain texts (``_plain_alternatives``). A group holding any other text is left out.

    Each text searched costs a pass over the whole text, so the groups are cut to as few
    texts as say the same or less: the keywords go when each plain text holds one, a text
    holding another of its group goes, and the plain texts are stood for by pieces of
    them that several share (``_shared_pieces``).
    """
    screens = []
    for rule in furniture_rules():
        if _tied_to_start(rule.pattern):
            continue
        keywords = _ascii_lower(rule.keywords)
        texts = _ascii_lower(_plain_alternatives(rule.pattern) or ())
        if texts and all(any(k in text for k in keywords) for text in texts):
            keywords = ()
        groups = (_fewest(keywords), _fewest(_shared_pieces(texts)))
        screens.append((rule, tuple(group for group in groups if group)))
    return tuple(screens)


def _ascii_lower(texts: Sequence[str]) -> tuple[bytes, ...]:
    """``texts`` in lower case as bytes, or none if one of them is not ASCII (such a group
    cannot be looked for in the lowered bytes)."""
    if not all(text.isascii() for text in texts):
        return ()
    return tuple(text.lower().encode() for text in texts)


def _fewest(group: Sequence[bytes]) -> tuple[bytes, ...]:
    """``group`` without the texts holding another of it: wherever one of those is found,
    the text it holds is too."""
    return tuple(
        dict.fromkeys(
            text for text in group if not any(other in text and other != text for other in group)
        )
    )


_PIECE_CHARS = 8


def _shared_pieces(texts: Sequence[bytes]) -> tuple[bytes, ...]:
    """Pieces of ``texts``, each one found where any text holding it is, and every text
    holding one: chosen greedily, the piece held by most texts still without one (the
    longest of those), down to ``_PIECE_CHARS`` characters (a shorter text is its own)."""
    left = list(dict.fromkeys(texts))
    pieces: list[bytes] = []
    while left:
        candidates = {
            text[at : at + size]
            for text in left
            for size in range(min(_PIECE_CHARS, len(text)), len(text) + 1)
            for at in range(len(text) - size + 1)
        }
        best = max(
            candidates,
            key=lambda piece: (sum(piece in text for text in left), len(piece), piece),
        )
        pieces.append(best)
        left = [text for text in left if best not in text]
    return tuple(pieces)


@lru_cache(maxsize=64)
def _bands_with(live: int) -> list[_Band]:
    """The bands of ``_rules_by_length`` with only the rules not tied to a paragraph's
    start that ``live`` (as ``_possible_loose_rules`` says) keeps."""
    kept = [rule for index, (rule, _) in enumerate(_loose_screens()) if live >> index & 1]
    return [
        _Band(
            band.rules,
            tuple(entry for entry in band.loose if any(entry[0] is rule for rule in kept)),
            band.any_at_start,
        )
        for band in _rules_by_length()[1]
    ]


def clean_title(title: str) -> str:
    """A one-line title: entities decoded, tags and furniture suffixes removed."""
    text = html.unescape(re.sub(r"<[^>]+>", "", title))
    return " ".join(strip_controls(text).split())


def clean_body(body: str, *, is_html: bool, max_chars: int = MAX_TEXT_CHARS) -> str:
    """The article text every later stage reads, at most ``max_chars`` of it."""
    # Control characters go before parsing, and references to them (``&#1;``) too: lxml
    # refuses a string holding a NUL, and a text it decoded one into.
    body = strip_controls(body)
    if is_html:
        body = strip_control_references(body)
    # HTML says where its paragraphs are; plain text is judged line by line before its lines
    # are joined, so that a caption line never heads the paragraph after it.
    text = _drop_furniture(html_to_text(body)) if is_html else strip_furniture(body)
    return bound_text(text, max_chars)
