"""The digest and the preview index on a 420px phone screen, in headless Chromium: the
tagline's date stays on one line, and the index's Files links are all on screen.

Needs Chromium and playwright, like tests/test_contrast.py; skipped with the reason
otherwise.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from digest.delivery.backends.file import FileBackend
from digest.models import OutgoingEmail, Subscriber
from digest.render.renderer import DigestRenderer
from tests.support import sample_digest

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
CHROMIUM = os.environ.get("SEATWATCH_CHROMIUM") or next(
    (found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium found (apt-get install chromium, or set SEATWATCH_CHROMIUM)",
)
PHONE = {"width": 420, "height": 800}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def test_the_tagline_date_stays_on_one_line(browser: Any) -> None:
    digest = sample_digest()
    # Seat names long enough that the tagline must wrap at 420px, near its date.
    for extra in range(12):
        seats = replace(digest.sections[0], name="Norwich North" + " and Rochford" * extra)
        long = replace(digest, sections=(seats,))
        renderer = DigestRenderer(title="seatwatch", subject_template="{title}: {seats}")
        copy = renderer.personalise(
            renderer.render(long), Subscriber("a@example.org", "Alice", ()), "https://x/u"
        )
        page = browser.new_page(viewport=PHONE)
        page.set_content(copy.html)
        lines = page.evaluate(
            """() => {
                const text = document.querySelector('.tagline').firstChild;
                const at = text.data.lastIndexOf('22');
                const range = document.createRange();
                range.setStart(text, at);
                range.setEnd(text, text.data.length);
                return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
            }"""
        )
        page.close()
        assert lines == 1, f"the date breaks across lines with {extra} extra names"


def test_the_preview_index_fits_a_phone(tmp_path: Path, browser: Any) -> None:
    backend = FileBackend(tmp_path)
    for number in range(2):
        backend.send(
            OutgoingEmail(
                to=f"a.rather.long.address.number{number}@constituency-office.example.org",
                sender="seatwatch@example.org",
                subject="seatwatch: news for Southend East and Rochford and Norwich North",
                html="<p>digest</p>",
                text="digest",
                message_bytes=b"Subject: digest\r\n\r\ndigest\r\n",
                message_id=f"<{number}@example.org>",
                digest_key=f"key{number}",
                story_count=3,
            )
        )
    index = backend.write_index()
    page = browser.new_page(viewport=PHONE)
    page.goto(index.as_uri())
    width = page.evaluate("() => document.documentElement.scrollWidth")
    rights = page.evaluate(
        "() => [...document.querySelectorAll('a')].map(a => a.getBoundingClientRect().right)"
    )
    page.close()
    assert width <= PHONE["width"]
    assert len(rights) == 6 and max(rights) <= PHONE["width"]
