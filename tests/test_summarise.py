"""Extractive summaries: good sentence boundaries, never furniture, never a cut quote."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.config import StoriesConfig
from digest.models import Article, Role, StorySource
from digest.prepare.clean import clean_body
from digest.sources.folder import read_article_file
from digest.stories.live import LIVE_SUMMARY
from digest.stories.seat_stories import StoryBuilder, StoryPolicy
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


# A lede, then a sentence about the MP's letter that shares the most words with the rest:
# ranked on centrality alone, "Ms Okafor said she had written ..." would open the summary.
LETTER_STORY = "\n\n".join(
    [
        "Fenmouth West MP Grace Okafor has backed parents campaigning to keep the town's "
        "only children's ward open at night.",
        "The health board has proposed moving overnight children's beds to Castlebridge, "
        "saying it cannot staff the ward safely.",
        "Ms Okafor said she had written to the health board and to the health minister asking "
        "for the overnight children's ward to stay open while the board's staffing review of "
        "the ward is carried out.",
        "A petition started by parents has gathered more than 3,000 signatures, organisers said.",
        "The health board said it would publish its staffing review of the children's ward "
        "before any decision on the overnight beds.",
    ]
)


def test_a_summary_does_not_open_with_a_titled_surname_the_reader_has_not_met() -> None:
    summary = summarise_text(LETTER_STORY, 2)
    assert summary[0].startswith("Fenmouth West MP Grace Okafor has backed parents")


def test_a_summary_never_opens_with_he_or_she() -> None:
    text = LETTER_STORY.replace("Ms Okafor said she", "She said she")
    for length in (1, 2, 3):
        summary = summarise_text(text, length)
        assert not summary[0].startswith(("She ", "He ", "Ms Okafor")), summary


def test_the_sample_bus_story_leads_with_its_lede() -> None:
    path = Path(__file__).resolve().parent.parent / "feeds" / "articles"
    item = read_article_file(path / "norwich-north-bus-routes.txt", "sample")
    summary = summarise_text(clean_body(item.body, is_html=False), 2, title=item.title)
    assert summary[0].startswith("Norwich North MP Alice Macdonald has backed residents")


LIVE_BLOG = (
    "Fenmouth East count: live\n\n"
    "Follow live updates from the count at Fenmouth leisure centre.\n\n"
    "23:05 Ballot boxes are arriving from the villages.\n\n"
    "23:40 Turnout looks to be down on last time, one agent says.\n\n"
    "00:15 The first recount of the night has been called in a council ward.\n\n"
    "01:02 Candidates are on the stage for the declaration."
)
MATCH_REPORT = (
    "Town complete signing of winger from Castlebridge\n\n"
    "Town have completed the signing of winger Leo Marsh from Castlebridge on a three-year "
    "deal. #ftfc\n\n"
    "The 23-year-old scored nine goals last season and could make his debut against Rovers "
    "after the transfer window shuts. The head coach said he was delighted."
)


def test_live_blogs_and_match_reports_are_recognised() -> None:
    from digest.stories.live import coverage_kind

    title, body = LIVE_BLOG.split("\n\n", 1)
    assert coverage_kind(title, body) == "live"
    # Without the headline's word and the "Follow live" line: the timestamped lines.
    untitled = body.replace("Follow live updates from", "Scenes at")
    assert coverage_kind("Fenmouth East count", untitled) == "live"
    title, body = MATCH_REPORT.split("\n\n", 1)
    assert coverage_kind(title, body) == "match"
    assert coverage_kind("Ward campaign", LETTER_STORY) == ""
    petition = "Parents are signing a petition to save the ward. The fixture of the week..."
    assert coverage_kind("Residents who live near the ward", petition) == ""


@pytest.mark.parametrize(
    "line",
    [
        "Follow live: the count in Fenmouth East.",
        "FOLLOW OUR LIVE coverage of the count below.",
        "Follow the live updates from the leisure centre.",
        "Follow all the live reaction from the count.",
        "Refresh this page for the latest results.",
        "Refresh for latest updates from Fenmouth.",
        "The count in Fenmouth East, As It Happened.",
        "This live page will be updated through the night.",
        "Our live blog has the results as they come in.",
        "Live updates as they happen from the town hall.",
    ],
)
def test_every_way_a_page_says_it_is_live_is_recognised(line: str) -> None:
    """A page announcing running updates is live coverage in any case of its letters; a page
    with none of those lines is not (the same page without the line)."""
    from digest.stories.live import coverage_kind

    body = f"{line}\n\nCouncillors gathered as the ballot boxes arrived at the town hall."
    assert coverage_kind("Fenmouth East count", body) == "live"
    assert coverage_kind("Fenmouth East count", body.split("\n\n", 1)[1]) == ""


def _stored(number: int, text: str) -> Article:
    title, body = text.split("\n\n", 1)
    when = datetime(2026, 5, 1, 9, tzinfo=UTC)
    return Article(number, "paper", f"g{number}", None, title, body, when, when)


@pytest.mark.parametrize("policy", ["label", "omit"])
def test_seat_sections_label_or_omit_live_coverage(policy: str) -> None:
    builder = StoryBuilder(StoryPolicy(StoriesConfig(), 2, "never", 10, live_coverage=policy))
    source = (StorySource("paper", None),)
    found = [
        (_stored(1, LIVE_BLOG), Role.PRIMARY, source),
        (_stored(2, "Ward campaign\n\n" + LETTER_STORY), Role.PRIMARY, source),
    ]
    stories = builder.stories(found, datetime(2026, 4, 30, tzinfo=UTC))
    titles = {story.title: story.summary for story in stories}
    assert titles["Ward campaign"][0].startswith("Fenmouth West MP Grace Okafor")
    if policy == "omit":
        assert "Fenmouth East count: live" not in titles
    else:
        assert titles["Fenmouth East count: live"] == (LIVE_SUMMARY,)


def test_digest_summarise_says_live_coverage(tmp_path: Path) -> None:
    path = tmp_path / "count.txt"
    path.write_text(LIVE_BLOG, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "digest", "summarise", "--json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout)["sentences"] == [LIVE_SUMMARY]


def test_seed_quotations_name_their_speaker(seeds_dir: Path) -> None:
    # Chloe Smith's words after a lead about Jeremy Corbyn read as his, unless she is named.
    for name in ("000_d6c45dbcd63467b4.txt", "001_67cba1041c4c5355.txt"):
        item = read_article_file(seeds_dir / name, "seeds")
        summary = summarise_text(clean_body(item.body, is_html=False), 2, title=item.title)
        for sentence in summary[1:]:
            if sentence.startswith(("'", '"', "“")):
                raise AssertionError(f"{name}: a quotation without its speaker: {sentence}")
        assert any("Chloe Smith said" in sentence for sentence in summary), summary
