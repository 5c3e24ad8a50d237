"""Quotations keep their speakers: a summary never puts one person's words after another's lead.

The texts are written for these tests (a made-up seat and people), in the shapes local news
uses: a lead about one politician, a rival's reply as "she said" and as a quotation running on
over paragraphs, an unnamed source, straight and curly quotes.
"""

from __future__ import annotations

from digest.stories.attribution import attribute
from digest.stories.summarise import split_sentences, summarise_text

# Two people: the lead is about a man; the quotations are a woman's, named two paragraphs up.
RIVAL_REPLY = "\n\n".join(
    [
        (
            "Opposition leader Marcus Hale has said his party will fight hard to win Fenmouth"
            " East at the next general election, naming the seat as its top target in the "
            "region."
        ),
        (
            "Speaking at a regional conference in Fenmouth, Mr Hale said the seat would be "
            "first on the list after his party came within a few hundred votes of winning it "
            "last year."
        ),
        (
            "Fenmouth East MP Priya Lang held the seat by 612 votes. Ms Lang pointed out she "
            "had seen off four challengers since she first won the seat."
        ),
        (
            "'I'm proud the people of Fenmouth East have chosen me four times to serve them,'"
            " she said. 'It's an honour to represent Fenmouth East at the next general "
            "election and the seat will not be won by a party that cannot be trusted with the"
            " economy, whatever Marcus Hale says.'"
        ),
        (
            "'The party of Marcus Hale has no plan for Fenmouth East and voters at the "
            "general election know it.'"
        ),
        ("The council elections in May will be the first test of the parties in the seat."),
    ]
)


# Each quotation of RIVAL_REPLY (a piece of it) and its speaker's surname.
RIVAL_QUOTES = {
    "proud the people of Fenmouth East": "Lang",
    "an honour to represent Fenmouth East": "Lang",
    "has no plan for Fenmouth East": "Lang",
}


def _speakerless_quotes(summary: tuple[str, ...], quotes: dict[str, str]) -> list[str]:
    """Summary sentences holding a quotation whose speaker is not named outside it."""
    bad = []
    for sentence in summary:
        for piece, surname in quotes.items():
            if piece in sentence:
                # The speaker must be named around the quotation, not inside it.
                opening = sentence.index(piece) - 1
                closing = max(sentence.rfind("'"), sentence.rfind('"'), sentence.rfind("”"))
                around = sentence[:opening] + sentence[closing:]
                if surname not in around:
                    bad.append(sentence)
    return bad


def test_a_rivals_quotation_never_follows_the_lead_without_her_name() -> None:
    summary = summarise_text(RIVAL_REPLY, 2)
    assert summary[0].startswith("Opposition leader Marcus Hale has said")
    assert _speakerless_quotes(summary, RIVAL_QUOTES) == [], summary


def test_every_summary_length_names_each_speaker() -> None:
    for length in (1, 2, 3, 4, 5):
        summary = summarise_text(RIVAL_REPLY, length)
        assert _speakerless_quotes(summary, RIVAL_QUOTES) == [], summary


def test_she_said_is_resolved_to_the_nearest_woman_named_before() -> None:
    sentences = split_sentences(RIVAL_REPLY)
    shown = attribute(sentences)
    quote = next(i for i, s in enumerate(sentences) if s.startswith("'I'm proud"))
    assert shown[quote].speaker == "Priya Lang"
    assert shown[quote].text.endswith("' Priya Lang said.")
    # The next paragraph's quotation has no cue of its own: the speech runs on.
    assert shown[quote + 1].speaker == "Priya Lang"
    assert shown[quote + 1].text.startswith("Priya Lang said: 'It's an honour")
    assert shown[quote + 2].speaker == "Priya Lang"


UNNAMED_SOURCE = "\n\n".join(
    [
        ("Councillor Tom Reeve said on Monday that the Fenmouth bypass would open in the spring."),
        (
            "But one senior source on the highways committee, who did not want to be named, "
            "said the scheme was months behind."
        ),
        (
            "He said: \"Nobody who has seen the contractor's figures believes the bypass opens"
            ' before next winter, and the committee has been told so more than once."'
        ),
        ('"The council has known this since the autumn and chose not to say."'),
        ("The bypass has cost more than £40m so far."),
    ]
)


def test_he_after_an_unnamed_source_is_not_the_named_man_before_him() -> None:
    sentences = split_sentences(UNNAMED_SOURCE)
    shown = attribute(sentences)
    assert [a.usable for a in shown] == [True, True, False, False, True]
    for length in (2, 3):
        summary = summarise_text(UNNAMED_SOURCE, length)
        assert not any("Nobody who has seen" in s or "has known this" in s for s in summary)


def test_curly_quotes_and_said_after_the_name() -> None:
    text = (
        "Dr Amira Shah, the new chair of Fenmouth health board, spoke at her first meeting.\n\n"
        "“We will publish every waiting list figure for the hospital each month from now on,” "
        "said Dr Shah.\n\n"
        "“Nothing will be hidden from the people of Fenmouth about their hospital,” she added."
    )
    shown = attribute(split_sentences(text))
    assert [a.speaker for a in shown] == [None, "Amira Shah", "Amira Shah"]
    assert shown[1].text.endswith("said Dr Shah.")
    assert shown[2].text.endswith("” Amira Shah added.")


def test_a_quoted_phrase_inside_reported_speech_needs_no_more() -> None:
    text = (
        'Fenmouth East MP Priya Lang has called the bypass delay "a scandal" and asked the '
        "minister to explain it to the House."
    )
    shown = attribute(split_sentences(text))
    assert shown[0].usable and not shown[0].quoted and shown[0].text == text
