"""Direct speech in a sentence: where its quotations are, and whether they need a speaker.

A quotation of a few words inside a sentence that reports it ('calling the plan "less
safe"') is the writer's sentence; a long quotation is someone's words, which a summary may
show only with its speaker (``attribution``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# A quotation of fewer words is a phrase ("less safe", "bedroom tax") inside reported speech.
MIN_QUOTED_WORDS = 4
# Reported speech quoting a phrase: the sentence's own words carry it when they are at least
# this share of the sentence.
REPORTED_SHARE = 0.6


def quoted_spans(sentence: str) -> list[tuple[int, int]]:
    """Character spans of the quotations in ``sentence`` (double, curly or single quotes);
    a quotation left open runs to the sentence end."""
    if not any(mark in sentence for mark in _QUOTE_MARKS):
        return []
    return [(m.start(), m.end()) for m in _QUOTED.finditer(sentence) if m.end() > m.start() + 1]


_QUOTE_MARKS = "\"“‘'"
# Double and curly quotations; single ones only where a quote mark (not an apostrophe) opens
# and closes them. One left open runs to the sentence end. What comes before a single
# quote mark is read by a lookbehind after it, so that the expression opens with the marks
# and the engine tries it only where one stands.
_QUOTED = re.compile(
    r"\"[^\"]*(?:\"|$)|“[^”]*(?:”|$)"
    r"|['‘](?<![^\s(:—–-].)(?=\w).*?(?:['’](?<=[\w.,!?].)(?=[\s.,;:)!?]|$)(?!s\b)|$)"
)


def outside_quotes(sentence: str, spans: Sequence[tuple[int, int]]) -> str:
    """``sentence`` with its quotations blanked (offsets kept)."""
    if not spans:
        return sentence
    pieces, last = [], 0
    for start, end in spans:
        pieces += [sentence[last:start], " " * (end - start)]
        last = end
    return "".join([*pieces, sentence[last:]])


def needs_speaker(sentence: str, spans: Sequence[tuple[int, int]]) -> bool:
    """Direct speech: a quotation long enough to be someone's words, not a quoted phrase
    inside a sentence that reports it."""
    quoted = sum(len(sentence[s:e].split()) for s, e in spans)
    if quoted < MIN_QUOTED_WORDS:
        return False
    total = len(sentence.split()) or 1
    return (total - quoted) / total < REPORTED_SHARE
