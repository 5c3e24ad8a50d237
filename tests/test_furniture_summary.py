"""Summaries refuse sentences shaped like furniture that cleaning could not recognise.

The texts are written for these tests. Each furniture line here carries the article's most
frequent words, so a summariser scoring by shared words alone would pick it.
"""

from __future__ import annotations

import pytest

from digest.stories.summarise import summarise_text

STORY = [
    "The Harbour Road bridge in Port Selby will close for repairs for six months from May.",
    "Engineers found cracks in the bridge's steel supports during an inspection in January.",
    "Drivers will be sent on a diversion through the town centre while the bridge is shut.",
    "The council said the Harbour Road bridge repairs would cost £2.4m in total.",
]


@pytest.mark.parametrize(
    "furniture",
    [
        # A caption with no marker and no full stop.
        "The Harbour Road bridge in Port Selby will close for repairs from May",
        # A related-story link.
        "Port Selby bridge repairs: council warns drivers of Harbour Road closure",
        # A dateline glued to a sentence.
        "Friday, 14th April 2023, 11:30 am The Harbour Road bridge repairs will close it.",
        "Published 14 April 2023 The Harbour Road bridge repairs will cost the council £2.4m.",
    ],
)
def test_a_furniture_shaped_sentence_never_enters_a_summary(furniture: str) -> None:
    text = "\n\n".join([furniture, *STORY])
    summary = summarise_text(text, 2)
    assert summary
    assert furniture not in summary


def test_a_dateline_is_refused_but_a_dated_sentence_opening_with_on_is_not() -> None:
    dateline = "Friday, 14th April 2023, 11:30 am The Harbour Road bridge will close for repairs."
    lede = "On 14 April 2023 the council closed the Harbour Road bridge in Port Selby for repairs."
    summary = summarise_text("\n\n".join([dateline, lede, *STORY[1:]]), 2)
    assert lede in summary
    assert dateline not in summary
