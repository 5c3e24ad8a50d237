"""How much of what a feed sends reaches a reader: control characters out, lengths bounded.

A feed decides how long its titles and texts are and which characters they hold. A NUL or
an escape sequence has no place in a mail, and a megabyte title or a text without a single
full stop (one "sentence" of millions of characters) must not become a megabyte headline or
summary: these helpers keep every piece of feed text a digest shows to a readable size,
cut where a reader expects a cut (a paragraph, a sentence, a word) and marked with "…".

No imports beyond ``re``: the processes that build stories use them without loading lxml.
"""

from __future__ import annotations

import re

# Control characters (C0 but tab and newline, DEL, C1): no text needs them, and a NUL in a
# title would reach the text part, the inbox preview and the HTML as it came.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_NUMERIC_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?")
_SENTENCE_END = re.compile(r"[.!?][\"'’”)\]]*\s")

# Characters of text kept per article. A real report is a few thousand; a feed sending
# megabytes in one item is broken or hostile, and every later step (tagging, fingerprints,
# summaries, the message) would pay for all of it.
MAX_TEXT_CHARS = 200_000
# A summary sentence is shortened beyond this: a text without full stops is one "sentence",
# and a summary must stay a few lines whatever a feed sends.
MAX_SENTENCE_CHARS = 400
# A headline longer than this is shortened in the digest's body (the subject has its own,
# shorter limit): a feed's 20,000-character "title" must not fill the reader's screen.
MAX_TITLE_CHARS = 300


def strip_controls(text: str) -> str:
    """``text`` without control characters other than tab and newline (CR becomes LF)."""
    if not _has_controls(text):
        return text
    return _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


# The control characters of ``_CONTROLS`` in UTF-8: C0 (CR among them) and DEL are single
# bytes no other character's encoding holds; C1 are two bytes, 0xC2 then 0x80-0x9F.
_CONTROL_BYTES = bytes([*range(0x09), *range(0x0B, 0x20), 0x7F])
_C1_BYTES = re.compile(b"\xc2[\x80-\x9f]")


def _has_controls(text: str) -> bool:
    """Whether ``text`` holds a character ``strip_controls`` removes or changes.

    Nearly no text does, and finding out from its UTF-8 bytes (C loops over bytes) costs
    less than the regex engine reading every character only to replace nothing.
    """
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded.translate(None, _CONTROL_BYTES)) != len(encoded):
        return True
    return b"\xc2" in encoded and _C1_BYTES.search(encoded) is not None


def strip_control_references(markup: str) -> str:
    """HTML ``markup`` without numeric references to control characters (``&#1;``), which
    a parser would decode into the very characters ``strip_controls`` removes."""
    if "&#" not in markup:
        return markup
    return _NUMERIC_REFERENCE.sub(_drop_control_reference, markup)


def _drop_control_reference(match: re.Match[str]) -> str:
    hexadecimal, decimal = match.groups()
    code = int(hexadecimal, 16) if hexadecimal else int(decimal)
    return "" if code < 0x110000 and _CONTROLS.match(chr(code)) else match.group()


def shorten(text: str, limit: int) -> str:
    """``text`` at most ``limit`` characters long, cut at a word end with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - 1)]
    # Back to the last space when there is one in the last fifth; a single endless "word"
    # (a URL, a run of letters) is cut where the limit falls.
    space = cut.rfind(" ", len(cut) - max(1, limit // 5))
    if space > 0:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"


def bound_text(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """Normalised ``text`` cut to at most ``limit`` characters, at the end of a paragraph,
    else of a sentence, else of a word (with an ellipsis)."""
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    paragraph = head.rfind("\n\n")
    if paragraph >= limit // 2:
        return head[:paragraph]
    window = head[limit // 2 : limit]
    ends = [match.end() for match in _SENTENCE_END.finditer(window)]
    if ends:
        return head[: limit // 2 + ends[-1]].rstrip()
    return shorten(head, limit)
