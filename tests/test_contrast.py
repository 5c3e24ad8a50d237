"""Every text a reader can see in the digest, light and dark, meets WCAG AA contrast.

The digests are made the way subscribers get them: the shipped sample (``config.toml`` and
``feeds/``, as tests/test_golden.py runs it) and, for what the sample does not show, a store
of articles composed, rendered and written by the pipeline for subscribers who follow the
seats those articles are about (``_every_state``): linked and unlinked headlines, every
badge, other outlets with and without links, stories listed under another seat (above and
below), live coverage, an empty seat, a digest with nothing new, a greeting with and
without a name. ``test_every_template_state_is_rendered`` keeps that list honest: each state,
and each class the stylesheets style, must appear in what is measured.

Headless Chromium lays each digest out at 420 and 1200 px, in light and in dark
(``prefers-color-scheme: dark``: the email's own dark rules, as Apple Mail and Outlook apply
them). For every text (text nodes, and ``::before``/``::after`` content) the browser
reports where it is drawn, its colour, and the background colour and opacity of each
element from the page down to it; the colour a reader sees behind the text and of the text
itself are composited from those (``tests/contrast.py``), and their contrast must be at least
4.5:1, or 3:1 for large text (24px, or 18.66px bold). The preview index
(``preview_index.html.j2``, what a reviewer opens) is measured the same way.

Hidden text is the loophole a check like this could grow, so hiding is allowed only where
``ALLOWED_HIDDEN`` names it: the inbox preview line (``.preheader``), which must be hidden,
and the preview index's column heads on a phone. Any other text that is not drawn
(display:none, visibility, no size, a tiny font, off the page, clipped by an ancestor,
covered by another element) fails, as does text over a background image, a filter or a
blend mode (whose contrast this test cannot measure).

Needs Chromium (``apt-get install chromium``, as .ci/run does, or ``SEATWATCH_CHROMIUM``)
and the playwright package (test extras); skipped with the reason otherwise.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from digest.config import load_config
from digest.delivery.backends import memory
from digest.delivery.backends.file import FileBackend
from digest.delivery.backends.memory import MemoryBackend
from digest.models import Evidence, EvidenceKind, PreparedArticle, Role, SeatTag
from digest.pipeline import compose_all, deliver_all, renderer_for
from digest.render.screenshots import find_chromium, launch_options
from digest.seats.follows import resolve_subscribers
from digest.seats.gazetteer import load_gazetteer
from digest.store.core import Store
from digest.stories.live import LIVE_SUMMARY
from digest.subscribers import all_subscribers
from tests.conftest import ROOT
from tests.contrast import (
    SCHEMES,
    TRANSPARENT,
    WIDTHS,
    composited,
    contrast,
    measure,
    parse,
    report,
    required,
)
from tests.test_golden import render_sample

TEMPLATES = ROOT / "templates" / "email"
NOW = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)


# --- the digests measured --------------------------------------------------------------------

NORTH = ("E14001408", "Norwich North")
SOUTH = ("E14001409", "Norwich South")
MAIDENHEAD_2010 = ("E14000803", "Maidenhead")

STATES_CONFIG = """\
[store]
path = "state.sqlite3"

[digest]
send_empty = true

[[subscribers]]
email = "every.state@example.org"
name = "States desk"
seats = ["Norwich South", "Norwich North", "Maidenhead", "Colchester"]

[[subscribers]]
email = "quiet.week@example.org"
name = ""
seats = ["Colchester"]
"""

# Articles giving every state the sample does not: key -> (title, text, link, tags).
ARTICLES: dict[str, tuple[str, str, str | None, tuple[tuple[tuple[str, str], Role], ...]]] = {
    "rail": (
        "Norwich MPs join call for rail upgrade to Cambridge",
        "Norwich South MP Clive Lewis and Norwich North MP Alice Macdonald signed a letter "
        "asking for a faster rail service between Norwich and Cambridge. Business groups "
        "said an hourly train that takes well over an hour holds back jobs.",
        "https://news.example.org/rail?utm_source=rss",
        ((NORTH, Role.PRIMARY), (SOUTH, Role.MENTIONED)),
    ),
    "library": (
        "Longer opening hours asked for at branch libraries",
        "Norwich South residents asked for longer opening hours at branch libraries after a "
        "survey of readers. The county council reviews the hours every spring.",
        "https://news.example.org/library",
        ((SOUTH, Role.PRIMARY), (NORTH, Role.MENTIONED)),
    ),
    "buses": (
        "Sprowston evening bus routes saved after petition",
        "Norwich North residents campaigned to keep two evening bus routes in Sprowston and "
        "Old Catton. The operator agreed to run them until the summer.",
        "https://news.example.org/buses",
        ((NORTH, Role.PRIMARY),),
    ),
    "hospital": (
        "Hospital car park charges to rise in April",
        "The hospital trust said parking charges would rise in April. Patients from Norwich "
        "North and the wider county use the site, and a petition asks for free evening parking.",
        None,  # a story without a link: its headline is plain text
        ((NORTH, Role.MENTIONED),),
    ),
    "speech": (
        "Alice Macdonald speaks at housing conference in Leeds",
        "Alice Macdonald told a housing conference in Leeds that councils need longer "
        "funding settlements. Delegates from across the north heard the speech.",
        "https://news.example.org/speech",
        ((NORTH, Role.MEMBER),),
    ),
    "brussels": (
        "Theresa May speaks in Brussels after summit",
        "Theresa May spoke to reporters in Brussels after a summit of European leaders. She "
        "said talks on the backstop would continue next week.",
        "https://news.example.org/brussels",
        ((MAIDENHEAD_2010, Role.MEMBER),),
    ),
    "count": (
        "Live: Norwich North council by-election count",
        "Follow live updates from the count at the city hall. Refresh for the latest.",
        "https://news.example.org/count",
        ((NORTH, Role.PRIMARY),),
    ),
    "timetable": (
        "New timetable for Wroxham Road buses published",
        "The operator published a new timetable for the Wroxham Road buses in Norwich North. "
        "Evening journeys end an hour earlier on weekdays.",
        "https://news.example.org/timetable",
        ((NORTH, Role.PRIMARY),),
    ),
}


def _article(key: str) -> PreparedArticle:
    title, text, link, tags = ARTICLES[key]
    return PreparedArticle(
        source_name="Eastern News",
        guid=key,
        url=link,
        canonical_url=link,
        content_hash=key,
        title=title,
        text=text,
        published=(
            datetime(2018, 12, 19, 9, 0, tzinfo=UTC)
            if key == "brussels"
            else NOW - timedelta(hours=5)
        ),
        boundary_set="2024",
        tags=tuple(
            SeatTag(
                code, name, "2024", role, 0.5, (Evidence(0, len(name), name, EvidenceKind.SEAT),)
            )
            for (code, name), role in tags
        ),
    )


def _every_state(folder: Path, templates: Path | None = None) -> dict[str, str]:
    """The digests of ``STATES_CONFIG``'s subscribers over ``ARTICLES``, written by the file
    backend as ``digest preview`` writes them (with ``templates``, if given, as
    ``[render] templates_dir``), and its index page: name -> HTML."""
    folder.mkdir(parents=True)
    config = STATES_CONFIG
    if templates is not None:
        config += f'\n[render]\ntemplates_dir = "{templates}"\n'
    (folder / "config.toml").write_text(config, encoding="utf-8")
    settings = load_config(folder / "config.toml")
    everyone = all_subscribers(list(settings.subscribers), [])
    subscribers = resolve_subscribers(load_gazetteer(), everyone, path=settings.config_path)
    store = Store.open(settings.resolve(settings.store.path))
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv(settings.digest.secret_env, "contrast-test-secret-0123456789abcdef")
            # Yesterday's digest, sent with the timetable story in it; the story is then
            # revised with a new paragraph, and comes back today badged "Updated".
            timetable = _article("timetable")
            (timetable_id,) = store.add_articles([timetable], NOW - timedelta(days=2))
            yesterday = NOW - timedelta(days=1)
            sent = deliver_all(
                compose_all(settings, store, subscribers, yesterday),
                settings.digest,
                settings.delivery,
                store,
                MemoryBackend(),
                renderer=renderer_for(settings),
                kind="sent",
                now=yesterday,
            )
            memory.clear_outbox()
            assert [d.error for d in sent] == [None, None]
            revised = replace(
                timetable,
                text=timetable.text + " The council will pay for a later journey on Fridays.",
                content_hash="timetable-revised",
            )
            assert store.revise_article(timetable_id, revised, True, NOW - timedelta(hours=3))
            keys = [key for key in ARTICLES if key != "timetable"]
            stored = store.add_articles([_article(key) for key in keys], NOW - timedelta(hours=4))
            ids = dict(zip(keys, stored, strict=True))
            # Other outlets carrying the bus story: one with a link, one without.
            for outlet, link in (
                ("Norfolk Radio", "https://radio.example.org/b"),
                ("Sprowston Parish Newsletter", None),
            ):
                store.add_source_to_article(ids["buses"], outlet, link, NOW - timedelta(hours=4))
            backend = FileBackend(folder / "previews")
            digests = compose_all(settings, store, subscribers, NOW)
            deliveries = deliver_all(
                digests,
                settings.digest,
                settings.delivery,
                store,
                backend,
                renderer=renderer_for(settings),
                kind="preview",
                now=NOW,
            )
    finally:
        store.close()
    assert not [d.error for d in deliveries if d.error]
    written = {files.to: files.html.read_text(encoding="utf-8") for files in backend.written}
    written["previews/index.html"] = (folder / "previews" / "index.html").read_text("utf-8")
    return written


def _sample(folder: Path) -> dict[str, str]:
    """The shipped sample's digests (HTML parts of the messages), as the golden files hold
    them."""
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "config.toml", folder / "config.toml")
    shutil.copytree(ROOT / "feeds", folder / "feeds")
    with pytest.MonkeyPatch.context() as patch:
        files = render_sample(folder, patch)
    return {f"sample {name}": text for name, text in files.items() if name.endswith(".html")}


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("contrast")
    return {**_sample(folder / "sample"), **_every_state(folder / "states")}


# Each state the templates can show, as it appears in one digest's HTML: (state, pattern).
STATES = [
    ("a headline with a link", r'<p class="story-title"[^>]*><a '),
    ("a headline without a link", r'<p class="story-title"[^>]*>[^<\s]'),
    ("badge: mentions the seat", r">mentions the seat</span>"),
    ("badge: the present MP elsewhere", r">your MP elsewhere</span>"),
    ("badge: a past MP", r">Maidenhead's MP at the time</span>"),
    ("badge: updated", r">Updated</span>"),
    ("other outlets, with a link", r'Also reported by <a href="https://radio'),
    ("other outlets, without a link", r"</a>, Sprowston Parish Newsletter</p>"),
    ("listed under another seat, printed above", r"\(under [^)]*, above\)"),
    ("listed under another seat, printed below", r"\(under [^)]*, below\)"),
    ("an empty seat", r'<td class="empty"[^>]*>Nothing new about'),
    ("a digest with nothing new", r'^(?![\s\S]*class="story")[\s\S]*<td class="empty"'),
    ("live coverage", re.escape(LIVE_SUMMARY)),
    ("the MP line", r'<p class="context"[^>]*>Alice Macdonald \(Labour\) since'),
    ("the overview", r'<p class="overview"'),
    ("a greeting by name", r"Hello States desk,"),
    ("a greeting without a name", r'<td class="greeting"[^>]*>Hello,</td>'),
    ("the footer and its link", r'<td class="footer"[^>]*>[^<]*You receive[\s\S]*>Unsubscribe</a>'),
    ("the inbox preview line", r'<div class="preheader"'),
    ("the preview index", r"<h1>seatwatch previews</h1>"),
]


def _styled_classes() -> set[str]:
    """Every class the digest's stylesheets style."""
    css = "".join(
        (TEMPLATES / name).read_text("utf-8") for name in ("digest.css", "digest.media.css")
    )
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    return set(re.findall(r"\.([a-z][\w-]*)", re.sub(r"\{[^{}]*\}", "{}", css)))


def test_every_template_state_is_rendered(documents: dict[str, str]) -> None:
    shown = [markup.replace("&#39;", "'") for markup in documents.values()]
    missing = [s for s, pattern in STATES if not any(re.search(pattern, one) for one in shown)]
    assert missing == [], f"no measured digest shows: {missing}"
    everything = "\n".join(shown)
    unshown = sorted(c for c in _styled_classes() if f'class="{c}"' not in everything)
    assert unshown == [], f"classes styled but in no measured digest (add an input): {unshown}"


# --- the browser -----------------------------------------------------------------------------

CHROMIUM = find_chromium()
MISSING = [
    *(
        ["the playwright package (test extras)"]
        if importlib.util.find_spec("playwright") is None
        else []
    ),
    *(
        ["Chromium (apt-get install chromium, or set SEATWATCH_CHROMIUM)"]
        if CHROMIUM is None
        else []
    ),
]
needs_chromium = pytest.mark.skipif(bool(MISSING), reason="not installed: " + "; ".join(MISSING))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM is not None
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(**launch_options(CHROMIUM))
        yield launched
        launched.close()


@needs_chromium
def test_every_visible_text_meets_wcag_aa_light_and_dark(
    browser: Any, documents: dict[str, str]
) -> None:
    measured = measure(browser, documents)
    assert measured.problems == [], report(measured.problems)
    # Every document in every view was read (a page that failed to load has no text).
    views = len(SCHEMES) * len(WIDTHS)
    assert measured.texts >= views * sum(markup.count("<p") for markup in documents.values())


def _broken_templates(folder: Path, rules: str) -> Path:
    """A copy of the shipped templates with ``rules`` added to the dark-mode styles."""
    copy = folder / "templates"
    shutil.copytree(TEMPLATES, copy)
    media = copy / "digest.media.css"
    media.write_text(
        media.read_text("utf-8") + "\n@media (prefers-color-scheme: dark) {\n" + rules + "}\n",
        encoding="utf-8",
    )
    return copy


@needs_chromium
def test_the_check_fails_on_unreadable_or_hidden_text(browser: Any, tmp_path: Path) -> None:
    # The defect of issue 19 (a headline in the card's own colour), a faded line, and text
    # hidden outright: each must be reported, in dark only.
    templates = _broken_templates(
        tmp_path,
        "  .story-title, .story-title a { color: #1f2933 !important; }\n"
        "  .meta { opacity: 0.3 !important; }\n"
        "  .summary { display: none !important; }\n",
    )
    written = _every_state(tmp_path / "states", templates)
    digest = {"every.state": written["every.state@example.org"]}
    measured = measure(browser, digest, widths=(1200,))
    found = report(measured.problems)
    assert {p.view for p in measured.problems} == {"dark 1200px"}, found
    why = {(p.where.split()[-1], p.text): p.why for p in measured.problems}
    linked = why[("a", "Longer opening hours asked for at branch libraries")]
    plain = why[("p.story-title", "Hospital car park charges to rise in April")]
    assert linked.startswith("#1f2933 on #1f2933 is 1.00:1"), found
    assert plain.startswith("#1f2933 on #1f2933 is 1.00:1"), found
    faded = [reason for (where, _), reason in why.items() if where == "p.meta"]
    assert faded and all("needs 4.5:1" in reason for reason in faded), found
    hidden = [reason for (where, _), reason in why.items() if where == "p.summary"]
    assert hidden and all(reason.startswith("text a reader cannot see") for reason in hidden)


def test_contrast_maths() -> None:
    card = "rgb(31, 41, 51)"
    same = composited([(card, 1.0)], parse(card), "rgb(255, 255, 255)")
    assert contrast(same, parse(card)) == pytest.approx(1.0)
    black, white = parse("rgb(0, 0, 0)"), parse("rgb(255, 255, 255)")
    assert contrast(black, white) == pytest.approx(21.0)
    # Black text faded to half over white is mid grey: about 3.9:1.
    faded = composited([("rgba(0, 0, 0, 0)", 0.5)], black, "rgb(255, 255, 255)")
    assert contrast(faded, white) == pytest.approx(3.95, abs=0.05)
    # A transparent element shows what is behind it: the first opaque ancestor, else canvas.
    layers = [("rgb(255, 255, 255)", 1.0), ("rgba(0, 0, 0, 0)", 1.0)]
    assert composited(layers, TRANSPARENT, "rgb(0, 0, 0)") == pytest.approx(white)
    assert required(24, 400) == required(18.66, 700) == 3.0
    assert required(18, 700) == required(23.9, 400) == 4.5
