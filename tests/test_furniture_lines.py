"""Furniture on a line of its own is judged before lines are joined, by its shape.

Every text here is written for these tests: a made-up town council story with the furniture
kinds real stored pages carry, one per line above or inside the article.
"""

from __future__ import annotations

import pytest

from digest.prepare.clean import clean_body
from digest.stories.summarise import summarise_text

LEDE = "Councillors in Ashby Vale voted on Tuesday to close the town's last public library."
SECOND = "The library has served the market town since 1962 and lends 40,000 books a year."
THIRD = "Campaigners said they would ask the county council to take the building over."
REST = (
    "Opposition members called the decision short-sighted and said volunteers had offered to "
    "run the library for free.\n\n"
    "The council said the closure would save £180,000 a year from a budget already cut twice."
)


def article(*head: str, separator: str = "\n") -> str:
    """A plain-text body: ``head`` lines, then the story, lines separated by ``separator``."""
    return separator.join([*head, LEDE, SECOND, THIRD]) + "\n\n" + REST


def paragraphs(body: str) -> list[str]:
    return clean_body(body, is_html=False).split("\n\n")


@pytest.mark.parametrize(
    "line",
    [
        "- Published",
        "• Published",
        "Published 14th Feb 2023, 09:12 GMT",
        "Wednesday, 15th February 2023, 6:00 pm",
        "PUBLISHED: 17:40 14 February 2023 | UPDATED: 08:05 15 February 2023",
        "Last updated: 3 hours ago",
        "By Morwenna Trelawny",
        "Author: Morwenna TrelawnyPublished 14th Feb 2023",
        "4 min read",
        "2,318 Views",
        "Image source, Getty Images",
        "image copyrightAshby Vale Council",
        "Ashby Vale Gazette:",
        "Watch more of our videos on Vale TV",
        "Image 3 of 12",
        "View gallery",
    ],
)
def test_a_label_or_dateline_line_does_not_head_the_lede(line: str) -> None:
    kept = paragraphs(article(line))
    assert kept[0] == LEDE
    assert not any(line in p for p in kept)


def test_a_byline_and_dateline_between_standfirst_and_lede_are_dropped() -> None:
    body = article(
        "Campaigners promise a fight to keep the doors open",
        "By Morwenna Trelawny",
        "Published 14th Feb 2023, 09:12 GMT",
    )
    kept = paragraphs(body)
    # The standfirst stays as text, but on its own, never glued to the lede.
    assert kept[:2] == ["Campaigners promise a fight to keep the doors open", LEDE]
    summary = summarise_text(clean_body(body, is_html=False), 2)
    assert all("Published" not in s and "Trelawny" not in s for s in summary)
    assert "Campaigners promise" not in " ".join(summary)


def test_the_caption_after_an_image_caption_label_is_dropped() -> None:
    body = article(
        "Image source, Ashby Vale Council",
        "Image caption,",
        "\nThe library on Bridge Street has been open since 1962\n",
    )
    kept = paragraphs(body)
    assert kept[0] == LEDE
    assert not any("Bridge Street" in p for p in kept)


def test_a_caption_repeated_for_the_lightbox_is_dropped_both_times() -> None:
    caption = "Readers queue outside Ashby Vale library on its last Saturday (Ashby Vale Gazette)"
    kept = paragraphs(f"{caption}\n{caption}\n\n{LEDE}\n\n{SECOND}")
    assert kept == [LEDE, SECOND]


def test_a_caption_glued_to_its_own_copy_is_dropped() -> None:
    caption = "Councillor Jane Roe at the meeting in the town hall on Tuesday"
    kept = paragraphs(f"{caption}{caption}\n{LEDE}\n{SECOND}")
    assert kept == [LEDE, SECOND]


@pytest.mark.parametrize(
    "caption",
    [
        "The library's reading room on its last day of opening (Jane Roe/Vale Pictures)",
        "Council leader Tom Pike said the decision was painful (Vale Labour/PA)",
        "Campaigners outside the library in January (© Ashby Vale Gazette)",
        "Campaigners outside the library in January (Credit: Jane Roe/PA Wire)",
        "Campaigners gathered outside the library in January (Vale Camera Club)",
    ],
)
def test_a_caption_closed_by_a_bracketed_credit_is_dropped(caption: str) -> None:
    kept = paragraphs(f"{LEDE}\n\n{caption}\n\n{SECOND}")
    assert kept == [LEDE, SECOND]


def test_a_caption_glued_inside_a_word_to_the_lede_is_cut_off() -> None:
    body = (
        "Jane Roe speaks to campaigners at the count on Friday"
        "Jane Roe, the MP for Ashby Vale, has promised to fight the closure of the library.\n"
        f"{SECOND}\nOn Friday the campaign passed 5,000 signatures."
    )
    kept = paragraphs(body)
    lede = "Jane Roe, the MP for Ashby Vale, has promised to fight the closure of the library."
    assert lede in kept
    assert not any(p.startswith("Jane Roe speaks") and "MP for" in p for p in kept)
    summary = summarise_text(clean_body(body, is_html=False), 2)
    assert not any("count on Friday" in s for s in summary)


def test_a_caption_interrupting_a_running_quotation_is_dropped() -> None:
    body = (
        f"{LEDE}\n\n"
        "Campaign leader Amy Hart said: “We have fought for this library for ten years.\n\n"
        "Amy Hart has led the campaign since it began in 2013\n\n"
        "“We will not stop now that the council has made up its mind.”"
    )
    kept = paragraphs(body)
    assert "Amy Hart has led the campaign since it began in 2013" not in kept
    assert len(kept) == 3


def test_a_hard_wrapped_paragraph_stays_one_while_a_line_per_paragraph_page_splits() -> None:
    wrapped = (
        "Councillors in Ashby Vale voted on Tuesday to close the\n"
        "town's last public library, which has served the market\n"
        "town since 1962, after a debate of more than three hours\n"
        "in which Mr\nPike spoke for the closure."
    )
    kept = paragraphs(f"{wrapped}\n\n{SECOND}\n{THIRD}")
    assert kept == [" ".join(wrapped.split()), SECOND, THIRD]


@pytest.mark.parametrize(
    "sentence",
    [
        "On 14 February 2023, councillors in Ashby Vale voted to close the library.",
        "By 2025, the council expects to have closed three of its buildings.",
        "By Tuesday evening more than 5,000 people had signed the petition.",
        "The Ashby Vale Labour group leader (Tom Pike) said the vote was a mistake.",
        "The scheme is run by BridgeHead Software and the county council together.",
        "She bought tickets from easyJet before the vote, council papers show.",
    ],
)
def test_real_sentences_that_look_like_furniture_are_kept(sentence: str) -> None:
    # One line each, as a stored page gives them: judged apart, and all kept.
    kept = paragraphs(f"{LEDE}\n{sentence}\n{SECOND}")
    assert kept == [LEDE, sentence, SECOND]
