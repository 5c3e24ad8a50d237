"""Extractive summaries: good sentence boundaries, never furniture, never a cut quote."""

from __future__ import annotations

from pathlib import Path

from digest.prepare.clean import clean_body
from digest.sources.folder import read_article_file
from digest.stories.summarise import split_sentences, summarise_story, summarise_text


def test_abbreviations_initials_and_numbers_do_not_split() -> None:
    text = (
        "Mr Corbyn met Dr J. R. Smith at No. 10 on Friday. The 4,463-vote margin was 3.5 points. "
        "Ms Smith said St. Andrew's Hall was full."
    )
    assert split_sentences(text) == [
        "Mr Corbyn met Dr J. R. Smith at No. 10 on Friday.",
        "The 4,463-vote margin was 3.5 points.",
        "Ms Smith said St. Andrew's Hall was full.",
    ]


def test_a_quotation_of_several_sentences_stays_whole() -> None:
    text = 'He said: "We will win. The seat is ours. Nobody doubts it." Then he left the hall.'
    assert split_sentences(text) == [
        'He said: "We will win. The seat is ours. Nobody doubts it."',
        "Then he left the hall.",
    ]


def test_single_quoted_speech_stays_whole() -> None:
    text = "'It's an honour to serve. I'm proud of it,' she said. The count ended at 3am."
    assert split_sentences(text) == [
        "'It's an honour to serve. I'm proud of it,' she said.",
        "The count ended at 3am.",
    ]


def test_sentences_never_span_paragraphs() -> None:
    assert split_sentences("First line without stop\n\nSecond paragraph.") == [
        "First line without stop",
        "Second paragraph.",
    ]


def test_seed_summaries_are_two_clean_sentences(seeds_dir: Path) -> None:
    for path in sorted(seeds_dir.glob("*.txt")):
        item = read_article_file(path, "seeds")
        summary = summarise_text(clean_body(item.body, is_html=False), 2, title=item.title)
        assert len(summary) == 2
        joined = " ".join(summary)
        for phrase in ("Picture:", "Pic:", "Credit:", "Most Read", "Become a Supporter", "watch:"):
            assert phrase not in joined
        for sentence in summary:
            assert sentence.count('"') % 2 == 0


def test_seed_000_summary_leads_with_the_news(seeds_dir: Path) -> None:
    item = read_article_file(seeds_dir / "000_d6c45dbcd63467b4.txt", "seeds")
    summary = summarise_text(clean_body(item.body, is_html=False), 2, title=item.title)
    assert summary[0].startswith("Labour leader Jeremy Corbyn has declared")


def test_sentence_count_and_order() -> None:
    text = (
        "Candidates in Norwich North met voters at a packed church hall on Thursday. "
        "Bus services dominated the questions from the floor that evening. "
        "One resident asked about waiting lists at the Norfolk and Norwich hospital. "
        "The Labour candidate promised a review of evening bus routes. "
        "The Conservative candidate defended the government's record on health. "
        "Organisers said more than three hundred people attended the hustings. "
        "Another debate is planned in Hellesdon next week."
    )
    summary = summarise_text(text, 3)
    assert len(summary) == 3
    positions = [text.index(s) for s in summary]
    assert positions == sorted(positions)


def test_a_fact_told_twice_is_summarised_once() -> None:
    first = (
        "Norwich North",
        "The 21 bus will stop running after 7pm from January, the operator has confirmed. "
        "Residents in Sprowston said shift workers at the hospital would have no way home.",
    )
    second = (
        "Evening buses axed",
        "The 21 bus will stop running after 7pm from January, its operator has confirmed. "
        "The MP has asked the company to publish the passenger figures behind the decision.",
    )
    summary = summarise_story([first, second], 3)
    assert sum("after 7pm" in s for s in summary) == 1, summary
    assert any("passenger figures" in s for s in summary)


def test_short_or_empty_text() -> None:
    assert summarise_text("", 2) == ()
    assert summarise_text("Tiny.", 2) == ("Tiny.",)
