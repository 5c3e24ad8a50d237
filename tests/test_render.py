"""Rendering: inlined CSS, escaped content, a text part, a real MIME message."""

from __future__ import annotations

import email
import email.policy
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from digest.models import Digest, Role, SeatSection, Story, StorySource, Subscriber
from digest.render.inline import inline_css
from digest.render.message import message_id_for
from digest.render.renderer import DigestRenderer, build_message
from tests.support import RENDER_NOW as NOW
from tests.support import sample_digest as _digest


def _renderer() -> DigestRenderer:
    return DigestRenderer(title="seatwatch", subject_template="{title}: news for {seats}")


def test_html_is_inlined_with_media_rules_kept_in_style() -> None:
    rendered = _renderer().render(_digest())
    html = rendered.html
    assert html.startswith("<!DOCTYPE html>")
    assert 'class="story-title" style="' in html
    assert "max-width:600px" in html
    assert 'width="600"' in html
    # Only @media / dark-mode rules remain in <style>.
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "@media" in style and "prefers-color-scheme: dark" in style
    assert ".summary {" not in html.split("@media", 1)[0]
    assert "data-premailer" not in html


def test_preheader_and_content() -> None:
    html = _renderer().render(_digest()).html
    assert (
        'class="preheader"' in html and "1 new story. Latest: Bus routes saved in Sprowston" in html
    )
    assert "Residents won their campaign." in html
    assert 'href="https://news.example.org/a?x=1&amp;y=2"' in html
    assert "Also reported by" in html and "Other" in html
    assert "21 November 2026" in html


def test_titles_are_escaped() -> None:
    html = _renderer().render(_digest(title='<script>alert("x")</script> & more')).html
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


def test_shared_rendering_is_reused_and_personalised() -> None:
    renderer = _renderer()
    first = renderer.render(_digest(email_address="a@example.org"))
    second = renderer.render(_digest(email_address="b@example.org"))
    assert first is second and renderer.renders == 1
    alice = renderer.personalise(
        first, Subscriber("a@example.org", "Alice <A&B>", ()), "https://x/u?t=1&s=2"
    )
    bob = renderer.personalise(first, Subscriber("b@example.org", "", ()), "https://x/u?t=2")
    assert "Hello Alice &lt;A&amp;B&gt;," in alice.html
    assert "Hello Alice <A&B>," in alice.text
    assert 'href="https://x/u?t=1&amp;s=2"' in alice.html
    assert "Hello," in bob.html and "b@example.org" in bob.text
    assert "@@SEATWATCH" not in alice.html + alice.text + bob.html + bob.text


def test_text_part_lists_stories() -> None:
    text = _renderer().render(_digest()).text
    assert "== Norwich North ==" in text
    assert "* Bus routes saved in Sprowston" in text
    assert "https://news.example.org/a?x=1&y=2" in text
    assert "<" not in text.replace("<A&B>", "")


def test_message_is_multipart_alternative_with_headers() -> None:
    renderer = _renderer()
    copy = renderer.personalise(
        renderer.render(_digest()), Subscriber("a@example.org", "Alice", ()), "https://x/u"
    )
    message_id = message_id_for("a@example.org|2026-11-22", "seatwatch <digest@example.org>")
    raw = build_message(
        from_address="seatwatch <digest@example.org>",
        subscriber=Subscriber("a@example.org", "Alice", ()),
        copy=copy,
        message_id=message_id,
        date=NOW,
        list_id="seatwatch.example.org",
        unsubscribe_url="https://x/u",
    )
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert parsed["Message-ID"] == message_id and message_id.endswith("@example.org>")
    assert parsed["To"] == "Alice <a@example.org>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed["Date"] == "Sun, 22 Nov 2026 07:00:00 +0000"
    assert message_id == message_id_for("a@example.org|2026-11-22", "digest@example.org")


def test_inline_css_keeps_nested_dark_mode_rules() -> None:
    markup = (
        '<html><head><style>p{color:red}</style><style data-premailer="ignore">'
        "@media (prefers-color-scheme: dark){ p{color:#fff} "
        "@media (max-width:400px){p{color:red}} }"
        "</style></head><body><p>x</p></body></html>"
    )
    out = inline_css(markup)
    assert '<p style="color:red">x</p>' in out
    assert "@media (prefers-color-scheme: dark)" in out


def test_headers_for_bulk_mail_and_a_safe_subject() -> None:
    from digest.render.message import safe_subject
    from digest.render.renderer import Personalised

    assert safe_subject("Line one\r\nBcc: victim@example.org") == "Line one Bcc: victim@example.org"
    long = safe_subject("word " * 100)
    assert len(long) == 150 and long.endswith("…")
    copy = Personalised(subject="News\nX-Injected: yes", html="<p>x</p>", text="x")
    raw = build_message(
        from_address="seatwatch <digest@example.org>",
        subscriber=Subscriber("a@example.org", "", ()),
        copy=copy,
        message_id="<abc@example.org>",
        date=NOW,
        list_id="seatwatch.example.org",
        unsubscribe_url="https://x/u",
    )
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == "News X-Injected: yes"
    assert parsed["X-Injected"] is None
    assert parsed["Precedence"] == "bulk"
    assert parsed["X-Seatwatch-Digest"] == "abc@example.org"


def test_plain_text_wraps_words_but_never_splits_a_link() -> None:
    from digest.render.environment import default_templates_dir, make_environment

    wrap = make_environment(default_templates_dir()).filters["wrap"]
    url = "https://www.edp24.co.uk/news/politics/" + "a-very-long-slug-" * 6 + "12345"
    text = "Read the full story about the Norwich North by-election result at " + url
    wrapped = wrap(text)
    lines = wrapped.split("\n")
    assert url in lines[-1] and len(lines) == 2
    assert all(len(line) <= 74 for line in lines[:-1])
    assert " ".join(part.strip() for part in lines) == text


def _section(key: str, name: str, title: str) -> SeatSection:
    story = Story(
        id=abs(hash(key)) % 10_000,
        title=title,
        summary=(f"Something happened in {name}.",),
        published=datetime(2026, 11, 21, 9, 0, tzinfo=UTC),
        sources=(StorySource("Eastern News", f"https://news.example.org/{key}"),),
        role=Role.PRIMARY,
    )
    return SeatSection(key=key, name=name, overview="1 new story.", stories=(story,))


def _normalised(html: str) -> str:
    for marker in (
        "<!--seatwatch:section-->",
        "<!--/seatwatch:section-->",
        "<!--seatwatch:sections-->",
    ):
        html = html.replace(marker, "")
    return " ".join(html.split()).replace("> <", "><")


def test_digests_are_assembled_from_sections_inlined_once_each_in_batches() -> None:
    north = _section("N", "Norwich North", "Bus routes saved")
    south = _section("S", "Norwich South", "Library reopens & more")
    coast = _section("C", "North Norfolk", "Cliff path closed")
    renderer = _renderer()
    seat_sets = [(north, south), (south, coast), (north, coast), (north, south, coast)]
    rendered = []
    for index, sections in enumerate(seat_sets):
        digest = Digest(
            subscriber=Subscriber(f"{index}@example.org", "", ()),
            period="2026-11-22",
            generated_at=NOW,
            sections=sections,
        )
        rendered.append((digest, renderer.render(digest)))
    # Four distinct digests, but premailer ran for the frame, once for the first digest's
    # two seats together and once for the seat the second digest added.
    assert renderer.renders == 4 and renderer.inlines == 1 + 2
    # Each assembled digest is what inlining the whole page would have given.
    whole = DigestRenderer(
        title="seatwatch", subject_template="{title}: news for {seats}", mark=renderer.mark
    )
    for digest, assembled in rendered:
        context = {
            "title": "seatwatch",
            "subject": assembled.subject,
            "sections": digest.sections,
            "seat_names": ", ".join(s.name for s in digest.sections[:-1])
            + " and "
            + digest.sections[-1].name,
            "generated_at": NOW,
            "preheader": f"{digest.story_count} new stories. Latest: "
            + digest.sections[0].stories[0].title,
            **{
                name: renderer.placeholder(name)
                for name in ("greeting", "recipient", "unsubscribe_url")
            },
        }
        expected = inline_css(whole._html(context))
        assert _normalised(assembled.html) == _normalised(expected)
    assert "Library reopens &amp; more" in rendered[0][1].html
    assert "News for Norwich North, Norwich South and North Norfolk" in rendered[3][1].html


def test_templates_without_section_markers_are_inlined_whole(tmp_path: Path) -> None:
    from digest.render.environment import default_templates_dir

    for source in default_templates_dir().rglob("*"):
        target = tmp_path / source.relative_to(default_templates_dir())
        if source.is_dir():
            target.mkdir(exist_ok=True)
        else:
            text = source.read_text(encoding="utf-8")
            for marker in ("<!--seatwatch:section-->", "<!--/seatwatch:section-->"):
                text = text.replace(marker, "")
            target.write_text(text.replace("<!--seatwatch:sections-->", ""), encoding="utf-8")
    renderer = DigestRenderer(
        title="seatwatch", subject_template="{title}: news for {seats}", templates_dir=tmp_path
    )
    html = renderer.render(_digest()).html
    assert "Residents won their campaign." in html and 'class="story-title" style="' in html
    assert renderer.placeholder("seat_names") not in html and "News for Norwich North" in html


def test_inlining_in_worker_processes_gives_the_same_digest() -> None:
    """A send runs premailer in worker processes: the digest is the same to the byte."""
    from digest.parallel import mapping

    sections = (
        _section("N", "Norwich North", "Bus routes saved"),
        _section("S", "Norwich South", "Library reopens"),
    )
    digest = Digest(
        subscriber=Subscriber("reader@example.org", "", ()),
        period="2026-11-22",
        generated_at=NOW,
        sections=sections,
    )
    serial = _renderer()
    here = serial.render(digest)
    with mapping.pooled(2) as inliner:
        pooled = DigestRenderer(
            title="seatwatch",
            subject_template="{title}: news for {seats}",
            inliner=inliner,
            mark=serial.mark,
        )
        rendered = pooled.render(digest)
    assert rendered.html == here.html and 'style="' in rendered.html
    assert pooled.inlines == 3  # the frame, and the two sections as a page per worker, at once


def test_new_sections_are_shared_among_the_inlining_workers_by_stories() -> None:
    from digest.render.renderer import _balanced

    sizes = [1, 1, 1, 1, 6, 1, 1, 1, 1]
    sections = []
    for i, n in enumerate(sizes):
        one = _section(f"S{i}", f"Seat {i}", "Story")
        sections.append((f"k{i}", replace(one, stories=one.stories * n)))
    batches = _balanced(sections, 2)
    assert [key for batch in batches for key, _ in batch] == [key for key, _ in sections]
    weights = [sum(1 + len(s.stories) for _, s in batch) for batch in batches]
    assert len(batches) == 2 and max(weights) - min(weights) <= 7
    assert _balanced(sections[:1], 4) == [sections[:1]]
    assert _balanced([], 2) == []
    assert len(_balanced(sections, 1)) == 1
