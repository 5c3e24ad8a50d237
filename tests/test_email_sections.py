"""What a reader sees of each seat's section: a story shared by two followed seats printed
once, the MP named once, an empty seat said once."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from digest.compose import DigestComposer, seat_context
from digest.config import DigestConfig
from digest.models import Evidence, EvidenceKind, PreparedArticle, Role, SeatTag, Subscriber
from digest.render.renderer import DigestRenderer
from digest.seats.follows import resolve_seat
from digest.seats.gazetteer import load_gazetteer
from digest.store.core import Store

NOW = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)
NORTH = ("E14001408", "Norwich North")
SOUTH = ("E14001409", "Norwich South")

RAIL = "Norwich MPs join call for rail upgrade"
TEXTS = {
    "rail": "Norwich South MP Clive Lewis and Norwich North MP Alice Macdonald signed a letter "
    "asking for a faster rail service between Norwich and Cambridge.",
    "library": "Norwich South residents asked for longer opening hours at branch libraries "
    "after a survey of readers.",
    "buses": "Norwich North residents campaigned to keep two evening bus routes in Sprowston "
    "and Old Catton.",
}
TITLES = {
    "rail": RAIL,
    "library": "Longer library hours asked for",
    "buses": "Sprowston bus routes saved",
}


def _tag(seat: tuple[str, str], role: Role) -> SeatTag:
    code, name = seat
    return SeatTag(
        code, name, "2024", role, 0.5, (Evidence(0, len(name), name, EvidenceKind.SEAT),)
    )


def _article(key: str, *tags: SeatTag) -> PreparedArticle:
    return PreparedArticle(
        source_name="Eastern News",
        guid=key,
        url=f"https://news.example.org/{key}",
        canonical_url=f"https://news.example.org/{key}",
        content_hash=key,
        title=TITLES[key],
        text=TEXTS[key],
        published=NOW - timedelta(hours=3),
        boundary_set="2024",
        tags=tags,
    )


def _rendered(
    tmp_path: Path, seats: tuple[str, ...], *articles: PreparedArticle
) -> tuple[str, str, str]:
    """The subject, HTML and text of the digest of a reader following ``seats``."""
    store = Store.open(tmp_path / "s.sqlite3")
    try:
        store.add_articles(list(articles), first_seen=NOW - timedelta(hours=2))
        gazetteer = load_gazetteer()
        composer = DigestComposer(store, DigestConfig(), gazetteer=gazetteer)
        follows = [resolve_seat(gazetteer, name) for name in seats]
        reader = Subscriber("reader@example.org", "Reader", seats)
        digest = composer.compose(reader, follows, NOW, "2026-11-22")
    finally:
        store.close()
    renderer = DigestRenderer(title="seatwatch", subject_template="{title}: news for {seats}")
    rendered = renderer.render(digest)
    return rendered.subject, rendered.html, rendered.text


def test_a_story_in_two_followed_seats_is_printed_once_and_counted_once(
    tmp_path: Path,
) -> None:
    # The rail letter is about Norwich North (primary) and only mentions Norwich South: it
    # is printed under North, listed under South, and the preview counts 3 stories, not 4.
    _, html, text = _rendered(
        tmp_path,
        ("Norwich South", "Norwich North"),
        _article("rail", _tag(NORTH, Role.PRIMARY), _tag(SOUTH, Role.MENTIONED)),
        _article("library", _tag(SOUTH, Role.PRIMARY)),
        _article("buses", _tag(NORTH, Role.PRIMARY)),
    )
    assert text.count(f"* {RAIL}") == 1
    south, north = " ".join(text.split()).split("== Norwich North ==")
    assert f"see below: {RAIL} (Norwich North)" in south
    assert f"* {RAIL}" in north and f"see below: {RAIL}" in south
    assert "1 new story from 1 outlet, about the seat." in south

    preheader = re.search(r'class="preheader"[^>]*>([^<]*)<', html)
    assert preheader is not None and preheader.group(1).startswith("3 new stories.")
    assert html.count(f">{RAIL}</a></p>") == 1  # one full entry, one listing
    anchor = re.search(r'<td class="story" id="(story-\d+)"[^>]*>\s*<p[^>]*><a[^>]*>' + RAIL, html)
    assert anchor is not None
    listing = f'Also about Norwich South: <a href="#{anchor.group(1)}"[^>]*>{RAIL}</a>'
    assert re.search(listing, html)


def test_the_seat_a_story_is_most_about_prints_it_whichever_comes_first(tmp_path: Path) -> None:
    _, _, text = _rendered(
        tmp_path,
        ("Norwich North", "Norwich South"),
        _article("rail", _tag(NORTH, Role.MENTIONED), _tag(SOUTH, Role.PRIMARY)),
    )
    north, south = " ".join(text.split()).split("== Norwich South ==")
    assert f"see below: {RAIL} (Norwich South)" in north
    assert "Nothing new about Norwich North" not in north
    assert f"* {RAIL}" in south
    assert south.count(f"* {RAIL}") == 1


def test_the_mp_is_named_once() -> None:
    gazetteer = load_gazetteer()
    follow = resolve_seat(gazetteer, "Norwich North")
    assert seat_context(gazetteer, follow, date(2025, 3, 1)) == (
        "Alice Macdonald (Labour) since 2024, majority 10,850 over the Conservatives."
    )


def test_the_rendered_context_names_the_mp_once(tmp_path: Path) -> None:
    _, html, text = _rendered(
        tmp_path, ("Norwich North",), _article("buses", _tag(NORTH, Role.PRIMARY))
    )
    for part in (html, text):
        assert part.count("Alice Macdonald") == 1
        # (the text part wraps it)
        assert "since 2024, majority 10,850 over the Conservatives." in " ".join(part.split())


def test_an_empty_seat_gets_one_sentence(tmp_path: Path) -> None:
    _, html, text = _rendered(
        tmp_path,
        ("Norwich North", "Norwich South"),
        _article("buses", _tag(NORTH, Role.PRIMARY)),
    )
    south = text.split("== Norwich South ==")[1].split("\n--\n")[0]
    lines = [line for line in south.splitlines() if line.strip()]
    assert lines[0].startswith("Clive Lewis (Labour)")  # the seat's context, then one line
    assert lines[1:] == ["Nothing new about Norwich South this time."]
    assert "No new stories since your last digest" not in html + text
    assert html.count("Nothing new about Norwich South this time.") == 1


def test_every_line_of_the_text_part_fits_76_columns(tmp_path: Path) -> None:
    _, _, text = _rendered(
        tmp_path,
        ("Norwich South", "Norwich North"),
        _article("rail", _tag(NORTH, Role.PRIMARY), _tag(SOUTH, Role.MENTIONED)),
        _article("library", _tag(SOUTH, Role.PRIMARY)),
        _article("buses", _tag(NORTH, Role.PRIMARY)),
    )
    # The recipient's address and the unsubscribe link are slots filled later: stand-ins
    # of an ordinary length, as a reader's copy has.
    text = re.sub(r"@@SEATWATCH-\w+:recipient@@", "reader@example.org", text)
    long = [line for line in text.splitlines() if len(line) > 76 and "@@SEATWATCH" not in line]
    assert long == []
