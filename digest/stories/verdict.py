"""Whether two articles are one story, and the reason an operator reads.

The rules, in order (thresholds in ``[stories]``):

* **same text**: phrases in common, or the shorter text contained in the longer;
* **edited copy**: most content words in common, a few days apart at most;
* **same event**: another outlet's report of what happened, within ``same_event_days``, with
  no seat in conflict. Each report's lead (title and opening words: what happened) must be
  told by the other (``same_event_lede``), and about as much each way
  (``same_event_lede_ratio``): a follow-up repeats the earlier story as background, but
  the earlier story never tells the follow-up's news. Then many content
  words in common; or fewer, with the same names or with event evidence in their place
  (``event_evidence``: a shared quote, figures, other people and places).
"""

from __future__ import annotations

from dataclasses import dataclass

from digest.config import StoriesConfig
from digest.stories.event_evidence import EventEvidence

MIN_SHARED_WORDS = 8
MIN_SHARED_NAMES = 1
NO_EVIDENCE = EventEvidence(0, (), (), 0.0)


@dataclass(frozen=True, slots=True)
class Similarity:
    """How alike two articles are, and the verdict with its reason."""

    phrases: float  # Jaccard of three-word phrases
    containment: float  # share of the shorter text's phrases in the longer
    words: float  # Jaccard of content words (title and text)
    names: float  # Jaccard of capitalised names
    days_apart: float | None
    shared_seats: bool
    same_story: bool
    reason: str
    # Why joined: "same text", "edited copy" or "same event"; "" when kept apart.
    basis: str = ""
    lede: float = 0.0  # the lesser share of either lead told by the other article
    evidence: EventEvidence = NO_EVIDENCE
    lede_other: float = 0.0  # the greater share


@dataclass(frozen=True, slots=True)
class Overlap:
    """The numbers two articles are judged by."""

    phrases: float
    containment: float
    words: float
    names: float
    shared_words: int
    shared_names: int
    days: float | None
    same_seat: bool
    shared_seats: bool  # a seat in common, or no seat on one side: not in conflict
    lede: float = 1.0
    evidence: EventEvidence = NO_EVIDENCE
    lede_other: float = 1.0


def basis(o: Overlap, rules: StoriesConfig) -> str:
    """Why two articles are one story ("same text", "edited copy", "same event"), or ""."""
    found = basis_without_evidence(o, rules)
    if found is not None:
        return found
    # Fewer words and other names: evidence of the event in their place (a quote and a
    # figure, say, where one outlet names people the other leaves out).
    return "same event" if o.evidence.score >= rules.same_event_evidence else ""


def basis_without_evidence(o: Overlap, rules: StoriesConfig) -> str | None:
    """``basis`` by every rule but the last, or ``None`` when only the event evidence can
    decide (``o.evidence`` is not read).

    Gathering the evidence of a pair costs more than all the other measures together, and
    most pairs are decided without it: the grouper asks this first and gathers the
    evidence only for the pairs it leaves open.
    """
    # Shares of tiny sets mean little: two one-line items about one seat share half their
    # words by chance. Word and name rules need this much evidence.
    enough = o.shared_words >= MIN_SHARED_WORDS
    close = o.days is None or o.days <= rules.same_event_days
    if same_text(o.phrases, o.containment, rules):
        return "same text"
    if o.words >= rules.same_text_words and close and enough:
        return "edited copy"
    if not (close and o.shared_seats and enough and not follow_up(o, rules)):
        return ""
    if o.words >= rules.same_event_words:
        return "same event"
    if o.words < rules.same_event_words_with_names:
        return ""
    # Fewer words: the same names, or (``basis``) evidence of the event in their place.
    if o.names >= rules.same_event_names and o.shared_names >= MIN_SHARED_NAMES:
        return "same event"
    return None


def same_text(phrases: float, containment: float, rules: StoriesConfig) -> bool:
    """The first rule: the phrases in common (Jaccard), or the shorter text contained in
    the longer, decide it alone."""
    return phrases >= rules.same_text or containment >= rules.same_text_containment


def follow_up(o: Overlap, rules: StoriesConfig) -> bool:
    """Whether one article's lead is news the other does not tell: a later event (a
    shortlist after a resignation) repeats the earlier one as background, so the earlier
    lead is told by the later article and not the other way round. Two outlets' reports
    of one event each tell the other's lead about as much."""
    return o.lede < rules.same_event_lede or o.lede < rules.same_event_lede_ratio * o.lede_other


def reason(o: Overlap, joined: str, rules: StoriesConfig) -> str:
    """The verdict in words, for `digest stories` and the story links."""
    about = ("same seat" if o.same_seat else "no seat in conflict") + (
        f", {o.days:.1f} days apart" if o.days is not None else ""
    )
    if joined == "same text":
        if o.phrases >= rules.same_text:
            return f"same text: {o.phrases:.0%} of three-word phrases shared"
        return f"same text: {o.containment:.0%} of the shorter one is in the other"
    if joined == "edited copy":
        return f"edited copy: {o.words:.0%} of content words shared, {about}"
    evidence = o.evidence.describe()
    if joined == "same event":
        return (
            f"same event: {o.words:.0%} of content words and {o.names:.0%} of names shared, "
            f"{about}; evidence: {evidence}"
        )
    why = []
    if o.shared_words < MIN_SHARED_WORDS:
        why.append(f"only {o.shared_words} content word{'s' * (o.shared_words != 1)} in common")
    elif o.words < rules.same_event_words:
        why.append(f"only {o.words:.0%} of content words")
        if o.words >= rules.same_event_words_with_names:
            why[-1] += f" and {o.names:.0%} of names"
        why[-1] += f" shared, event evidence {o.evidence.score:g} ({evidence})"
    if follow_up(o, rules):
        why.append(
            f"another event: {o.lede:.0%} of one lead is told by the other article, "
            f"{o.lede_other:.0%} of the other's"
        )
    if not o.shared_seats:
        why.append("about different seats")
    if o.days is not None and o.days > rules.same_event_days:
        why.append(f"{o.days:.1f} days apart")
    return "different stories: " + ", ".join(why)


def similarity(o: Overlap, joined: str, rules: StoriesConfig) -> Similarity:
    """The verdict with its figures and reason."""
    return Similarity(
        o.phrases,
        o.containment,
        o.words,
        o.names,
        o.days,
        o.shared_seats,
        bool(joined),
        reason(o, joined, rules),
        joined,
        o.lede,
        o.evidence,
        o.lede_other,
    )
