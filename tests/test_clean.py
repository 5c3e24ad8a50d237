"""Page furniture never reaches summaries or tags; real text survives cleaning."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from digest.prepare.clean import (
    _FOLDS_TO_ASCII,
    _rule_name,
    _rule_names,
    clean_body,
    clean_title,
    furniture_rules,
    html_to_text,
    strip_furniture,
)
from digest.sources.folder import read_article_file
from tests.conftest import FURNITURE

FURNITURE_AND_APPEAL = (*FURNITURE, "asking for your support")


def test_seed_articles_lose_every_furniture_line(seeds_dir: Path) -> None:
    for path in sorted(seeds_dir.glob("*.txt")):
        item = read_article_file(path, "seeds")
        text = clean_body(item.body, is_html=False)
        for phrase in FURNITURE_AND_APPEAL:
            assert phrase not in text, f"{path.name}: {phrase!r} survived cleaning"
        # The article itself is still there.
        assert "Jeremy Corbyn" in text
        assert "Norwich North" in text


def test_seed_000_keeps_its_quoted_paragraphs(seeds_dir: Path) -> None:
    item = read_article_file(seeds_dir / "000_d6c45dbcd63467b4.txt", "seeds")
    text = clean_body(item.body, is_html=False)
    assert "Chloe Smith clung on with just 507 votes" in text
    assert "Rochford and Southend East, Norwich North and Colchester" in text
    assert text.count("\n\n") >= 8


@pytest.mark.parametrize(
    "paragraph",
    [
        "Jeremy Corbyn, Leader of the Labour party. Picture: Ian Burt",
        "Norwich North Conservative MP Chloe Smith. Pic: Eliza Boo Photography - Credit: Eliza Boo",
        "Volunteers at the garden. Photo: Jane Doe",
        "You may also want to watch:",
        "Most Read",
        "Become a Supporter",
        "Sign up to our daily newsletter for the latest Norwich news.",
        "Follow us on Twitter for updates",
        "Advertisement",
    ],
)
def test_furniture_paragraphs_are_dropped(paragraph: str) -> None:
    text = (
        f"The council met on Tuesday to discuss the budget.\n\n{paragraph}\n\nIt agreed the plan."
    )
    assert strip_furniture(text) == (
        "The council met on Tuesday to discuss the budget.\n\nIt agreed the plan."
    )


def test_long_paragraph_quoting_a_furniture_phrase_is_kept() -> None:
    paragraph = (
        "The photographer said: 'Picture: that is what editors write under my work, and "
        "nobody reads it.' " + "She has covered the city council for twenty years. " * 8
    )
    assert strip_furniture(paragraph) == paragraph.strip()


def test_rules_are_loaded_from_data_with_names() -> None:
    names = [rule.name for rule in furniture_rules()]
    assert "picture caption" in names
    assert "supporter appeal" in names
    assert len(names) == len(set(names))


def test_html_to_text_drops_figures_and_keeps_paragraphs() -> None:
    markup = (
        "<p>First <b>para</b>graph &amp; more.</p>"
        "<figure><img src='x.jpg'><figcaption>A caption. Picture: someone</figcaption></figure>"
        "<script>alert(1)</script><p>Second paragraph.</p>"
    )
    assert html_to_text(markup) == "First paragraph & more.\n\nSecond paragraph."


def test_html_to_text_handles_plain_text_and_broken_markup() -> None:
    assert html_to_text("Just text &amp; an entity") == "Just text & an entity"
    assert html_to_text("<p>unclosed <b>bold") == "unclosed bold"
    assert html_to_text("   ") == ""


def test_clean_title_strips_tags_and_entities() -> None:
    assert clean_title("  <b>Norwich</b> &amp; the\n North  ") == "Norwich & the North"


def test_rules_left_out_for_a_text_are_ones_none_of_its_units_match() -> None:
    """The rules a text's keywords rule out change no unit's rule, whatever its case or
    the characters whose lower case is ASCII (then nothing is left out)."""
    units = [
        "The council said it would BECOME A SUPPORTER of the scheme.",
        "Why We're Asking For Your Support",
        "Members said: Picture: John Smith",
        "Photo credit: Jane Doe/PA Wire",
        "Sign up to our daily NEWSLETTER here",
        "Tamworth castleImage source, Getty",
        "A quiet paragraph with nothing to drop.",
    ]
    for odd in ("", "\u0130", "\u0131", "\u017f", "\u212a", "\u00c9"):
        for changed in (units, [u.upper() + odd for u in units], [odd + u for u in units]):
            rule_name = _rule_names(changed)
            for unit in changed:
                assert rule_name(unit) == _rule_name(unit), unit


def test_only_the_listed_characters_lower_to_ascii() -> None:
    """``_FOLDS_TO_ASCII`` holds every non-ASCII character whose lower case holds an ASCII
    one, or that the regex engine, ignoring case, matches to an ASCII letter."""
    letter = re.compile("[a-z]", re.IGNORECASE)
    found = {
        char
        for char in map(chr, range(0x80, 0x110000))
        if any(c.isascii() for c in char.lower()) or letter.match(char)
    }
    assert found == set(_FOLDS_TO_ASCII)
