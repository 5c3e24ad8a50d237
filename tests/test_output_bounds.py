"""Huge and hostile feed text: bounded, without control characters, never a cut message.

The end-to-end tests preview a digest from a crafted JSON Feed (it can carry the control
characters XML cannot) and read the message a subscriber would get.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from digest.bounds import bound_text, shorten, strip_controls
from digest.cli import app
from digest.errors import RenderError
from digest.models import Digest, Role, SeatSection, Story, StorySource, Subscriber
from digest.prepare.clean import clean_body, clean_title
from digest.render.inline import inline_css
from digest.render.renderer import DigestRenderer, build_message
from digest.stories.summarise import summarise_text

runner = CliRunner()
HUGE = 6_000_000
LONG_TITLE = "Norwich North " + "very " * 4_000 + "long headline"
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def _huge_text(word: str) -> str:
    """Megabytes without a full stop: one "sentence", as the report found."""
    return f"Norwich North news about {word}: " + f"{word} " * (HUGE // (len(word) + 1))


@pytest.fixture(scope="module")
def message(tmp_path_factory: pytest.TempPathFactory) -> email.message.EmailMessage:
    """The message previewed from a feed with two huge items, control characters and an
    endless title."""
    folder = tmp_path_factory.mktemp("bounds")
    items = [
        {"id": "huge-1", "title": "Norwich North huge one", "content_text": _huge_text("alpha")},
        {"id": "huge-2", "title": "Norwich North huge two", "content_text": _huge_text("omega")},
        {
            "id": "controls",
            "title": "Norwich North\u0000 bus\u0007 routes\u001b[31m saved",
            "content_text": "Sprowston\u0000 residents in Norwich North kept their evening"
            " buses\u0008 after a campaign.\u0000 The operator\u000b agreed on Tuesday.",
        },
        {
            "id": "long-title",
            "title": LONG_TITLE,
            "content_text": "The allotment society in Norwich North opened a second site.",
        },
    ]
    for item in items:
        item["date_published"] = "2024-01-01T10:00:00Z"
        item["url"] = f"https://news.example.org/{item['id']}"
    document = {"version": "https://jsonfeed.org/version/1.1", "title": "Big", "items": items}
    feed = folder / "feed.json"
    feed.write_text(json.dumps(document), encoding="utf-8")
    config = folder / "config.toml"
    config.write_text(
        '[store]\npath = "store.sqlite3"\n[poll]\nworkers = 1\n[digest]\nlookback_days = 100000\n',
        encoding="utf-8",
    )
    out = folder / "out"
    arguments = ["preview", "--config", str(config), "--source", str(feed)]
    result = runner.invoke(app, [*arguments, "--seat", "Norwich North", "--out", str(out)])
    assert result.exit_code == 0, result.output
    (eml,) = out.glob("*.eml")
    return email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)


def _parts(message: email.message.EmailMessage) -> tuple[str, str]:
    text_part, html_part = (
        part.get_content().replace("\r\n", "\n") for part in message.iter_parts()
    )
    return html_part, text_part


def test_huge_items_give_a_whole_message_with_its_unsubscribe_link(
    message: email.message.EmailMessage,
) -> None:
    html_part, text_part = _parts(message)
    # Bounded: two 6 MB items make a message of a few kilobytes, not 19 MB.
    assert len(message.as_bytes()) < 200_000
    # Every story, each summary with text, and the footer after them.
    for name in ("huge one", "huge two"):
        assert f"Norwich North {name}" in html_part and f"Norwich North {name}" in text_part
    summaries = re.findall(r'<p class="summary"[^>]*>([^<]*)</p>', html_part)
    assert len(summaries) >= 4 and all(s.strip() for s in summaries)
    assert max(len(s) for s in summaries) <= 400
    assert "alpha alpha" in html_part and "omega omega" in html_part
    footer = r'<a href="https://example\.org/unsubscribe\?token=[^"]+"[^>]*>Unsubscribe</a>'
    assert re.search(footer, html_part)
    assert html_part.rstrip().endswith("</html>")
    assert re.search(r"^Unsubscribe: https://example\.org/unsubscribe\?token=\S+$", text_part, re.M)


def test_control_characters_reach_no_part_of_the_message(
    message: email.message.EmailMessage,
) -> None:
    html_part, text_part = _parts(message)
    for part in (html_part, text_part, str(message["Subject"])):
        assert not CONTROLS.search(part.replace("\t", "")), repr(CONTROLS.search(part))
    assert "Norwich North bus routes[31m saved" in text_part
    preheader = re.search(r'<div class="preheader"[^>]*>([^<]*)</div>', html_part)
    assert preheader is not None and not CONTROLS.search(preheader.group(1))
    assert "Sprowston residents in Norwich North kept their evening buses" in text_part


def test_an_endless_title_is_shortened_in_the_body(message: email.message.EmailMessage) -> None:
    html_part, text_part = _parts(message)
    assert "very " * 100 not in html_part + text_part.replace("\n  ", " ")
    shown = re.search(r"(Norwich North very[^<]*)</a>", html_part)
    assert shown is not None and len(shown.group(1)) <= 300 and shown.group(1).endswith("…")
    assert len(str(message["Subject"])) <= 150


NOW = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)


def _digest(summary: tuple[str, ...], title: str = "Bus routes saved") -> Digest:
    story = Story(
        id=1,
        title=title,
        summary=summary,
        published=NOW,
        sources=(StorySource("Eastern News", "https://news.example.org/a"),),
        role=Role.PRIMARY,
    )
    second = replace(story, id=2, title="Second story")
    section = SeatSection(
        key="E1", name="Norwich North", overview="2 new.", stories=(story, second)
    )
    subscriber = Subscriber("a@example.org", "Alice", ("Norwich North",))
    return Digest(subscriber=subscriber, period="p", generated_at=NOW, sections=(section,))


def test_a_digest_built_with_huge_summaries_still_renders_its_footer() -> None:
    """Stories are bounded when made; a digest built another way is bounded by the
    templates, so its message is never cut before the unsubscribe link."""
    renderer = DigestRenderer(title="seatwatch", subject_template="{title}: news for {seats}")
    digest = _digest(("a " * 3_000_000, "b\x00 " * 3_000_000), title="x" * 20_000)
    rendered = renderer.render(digest)
    copy = renderer.personalise(rendered, digest.subscriber, "https://example.org/u?t=1")
    raw = build_message(
        from_address="seatwatch <d@example.org>",
        subscriber=digest.subscriber,
        copy=copy,
        message_id="<1@example.org>",
        date=NOW,
        list_id="l.example.org",
        unsubscribe_url="https://example.org/u?t=1",
    )
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    html_part, text_part = _parts(parsed)
    assert re.search(r'<a href="https://example\.org/u\?t=1"[^>]*>Unsubscribe</a>', html_part)
    assert "Unsubscribe: https://example.org/u?t=1" in text_part
    assert len(re.findall(r'class="summary"', html_part)) == 4
    assert len(raw) < 100_000
    assert "\x00" not in html_part + text_part


def test_a_page_the_html_parser_cannot_read_whole_is_an_error_not_a_cut_page() -> None:
    page = (
        "<!DOCTYPE html><html><head><style>p {color: red}</style></head><body>"
        f"<p>{'a ' * 5_500_000}</p><p>footer</p></body></html>"
    )
    with pytest.raises(RenderError, match="could not be read whole"):
        inline_css(page)


def test_texts_are_bounded_at_a_paragraph_or_sentence_end() -> None:
    paragraphs = "\n\n".join(f"Paragraph {n} says something about the council." for n in range(9))
    cut = bound_text(paragraphs, 200)
    assert len(cut) <= 200 and cut.endswith("council.") and "\n\n" in cut
    sentences = " ".join(f"Sentence {n} is here." for n in range(100))
    cut = bound_text(sentences, 300)
    assert len(cut) <= 300 and cut.endswith("is here.")
    endless = "word " * 100_000
    assert 199_000 < len(clean_body(endless, is_html=False)) <= 200_000
    assert len(clean_body(endless, is_html=False, max_chars=5_000)) <= 5_000
    assert clean_body(endless, is_html=False, max_chars=5_000).endswith("word…")


def test_summary_sentences_are_shortened_with_an_ellipsis() -> None:
    summary = summarise_text("Norwich North " + "campaign " * 50_000)
    assert len(summary) == 1 and len(summary[0]) <= 400 and summary[0].endswith("…")
    assert shorten("one two three four", 10) == "one two…"
    assert shorten("x" * 50, 10) == "x" * 9 + "…"


def test_cleaning_drops_control_characters_and_references_to_them() -> None:
    assert clean_title("Bus\x00 routes\x07 &#1;saved\x1b") == "Bus routes saved"
    body = "<p>Bus\x00 routes &#x0; saved &#27;[31m</p><p>Second\r\rpara &#65;</p>"
    assert clean_body(body, is_html=True) == "Bus routes saved [31m\n\nSecond\n\npara A"
    assert strip_controls("a\r\nb\x85c\td") == "a\nbc\td"
