"""The word rules around a matched name, as the tagger applies them, and the matcher cache key.

The tagger looks for quote words ("said") and politician words ("MP", a party) near a name
as whole words, case as written for quotes and any case for politicians; it looks at the
word before a name, within its line. These tests pin those rules down with texts written
for them, so that a faster way of applying them cannot change what they find.
"""

from __future__ import annotations

from datetime import date

import pytest

from digest.models import Role
from digest.seats import evidence, matcher_cache
from tests.support import roles_shown

DAY = date(2019, 6, 1)


def _shown(title: str, body: str) -> dict[str, Role]:
    return roles_shown(title, body, DAY)


@pytest.mark.parametrize(
    ("sentence", "quoted"),
    [
        ("MP Stella Creasy said it was unfair.", True),
        ("It was unfair, MP Stella Creasy said.", True),
        ("“It is unfair,” MP Stella Creasy told them.", True),
        ("MP Stella Creasy: the fees went unsaid.", False),  # inside a longer word
        ("MP Stella Creasy's said_fees page.", False),  # "_" is part of a word
        ("MP Stella Creasy. SAID the headline.", False),  # quote words as written
    ],
)
def test_an_mp_is_member_only_when_a_quote_word_stands_as_a_word(
    sentence: str, quoted: bool
) -> None:
    role = Role.MEMBER if quoted else Role.MENTIONED
    assert _shown("Hospital parking fees", f"Hospital fees rise. {sentence}") == {
        "Walthamstow": role
    }


@pytest.mark.parametrize(
    ("near", "found"),
    [
        ("the Labour MP", True),
        ("the labour mp.", True),  # any case
        ("MPs voted", True),
        ("a Lib Dem councillor", True),  # a party of two words, any case
        ("Sinn Féin", True),
        ("a campaign company", False),  # "mp" inside words
        ("the laboured toryism", False),
        ("nothing here", False),
    ],
)
def test_politician_words_are_whole_words_in_any_case(near: str, found: bool) -> None:
    text = f"Jane Doe met {near} on Friday."
    assert evidence.names_politician(text, 0, 8) is found


def test_a_word_before_a_name_is_read_within_its_line() -> None:
    # "John" on the line before is not the word before "Burton"; on the same line it is.
    split = evidence.word_before_reason("John\nBurton hall", 5, frozenset({"John"}))
    same = evidence.word_before_reason("Ask John Burton", 9, frozenset({"John"}))
    assert split == ""
    assert same == "a surname (after 'John')"


def test_the_cache_key_follows_the_cache_format(monkeypatch: pytest.MonkeyPatch) -> None:
    """A matcher pickled in an older layout is never read into new code: the format is
    part of the file name, so a new format writes a new cache and removes the old one."""
    before = matcher_cache._cache_path()
    monkeypatch.setattr(matcher_cache, "CACHE_FORMAT", matcher_cache.CACHE_FORMAT + "-next")
    assert matcher_cache._cache_path() != before
