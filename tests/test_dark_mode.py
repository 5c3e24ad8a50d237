"""The digest in a real browser (headless Chromium via Playwright), light and dark.

premailer inlines the light colours into every element's ``style``; a rule in a ``<style>``
block loses to an inline style unless it is ``!important``. So the dark-mode rules only work
if they are written to win: this test renders a digest, forces each colour scheme and reads
the colours the browser computed. Needs Chromium (``apt-get install chromium``, which
.ci/run does) and the playwright package (test extras); skipped with the reason otherwise.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from digest.models import Subscriber
from digest.render.renderer import DigestRenderer
from tests.support import sample_digest as _digest

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
CHROMIUM = os.environ.get("SEATWATCH_CHROMIUM") or next(
    (found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium found (apt-get install chromium, or set SEATWATCH_CHROMIUM)",
)

# Elements a reader sees, and whether we read their text or their background colour.
CHECKED = {
    "body": "background-color",
    ".container": "background-color",
    ".brand": "color",
    ".seat-name": "color",
    ".story-title a": "color",
    ".summary": "color",
    ".meta": "color",
    ".footer": "color",
}


def _luminance(css_colour: str) -> float:
    """WCAG relative luminance of ``rgb(r, g, b)``."""
    red, green, blue = (int(v) / 255 for v in re.findall(r"\d+", css_colour)[:3])

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def _contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def _computed(browser: Any, scheme: str) -> dict[str, str]:
    renderer = DigestRenderer(title="seatwatch", subject_template="{title}: news for {seats}")
    copy = renderer.personalise(
        renderer.render(_digest()), Subscriber("a@example.org", "Alice", ()), "https://x/u"
    )
    page = browser.new_page(color_scheme=scheme)
    page.set_content(copy.html)
    found = {
        selector: page.evaluate(
            "([s, p]) => getComputedStyle(document.querySelector(s)).getPropertyValue(p)",
            [selector, prop],
        )
        for selector, prop in CHECKED.items()
    }
    page.close()
    return found


def test_dark_mode_rules_win_over_the_inlined_light_colours(browser: Any) -> None:
    light = _computed(browser, "light")
    dark = _computed(browser, "dark")
    # Every checked colour changes: the dark rules beat the inline styles.
    assert {s for s in CHECKED if light[s] == dark[s]} == set()
    # Light: dark text on a light card. Dark: light text on a dark card.
    assert _luminance(light[".container"]) > 0.8 and _luminance(dark[".container"]) < 0.05
    for selector in (".brand", ".seat-name", ".story-title a", ".summary", ".meta", ".footer"):
        for computed in (light, dark):
            # WCAG AA for normal text: 4.5:1 against the card behind it.
            assert _contrast(computed[selector], computed[".container"]) >= 4.5, (
                selector,
                computed[selector],
                computed[".container"],
            )
