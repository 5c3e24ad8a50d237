"""The preview index on a phone: a long address wraps where it can be read back (before its
"@", after a dot or hyphen), never inside a name. Needs Chromium and playwright, as
test_contrast does."""

from __future__ import annotations

import importlib.util
from itertools import pairwise
from pathlib import Path

import pytest

from digest.delivery.backends.file import FileBackend
from digest.models import OutgoingEmail
from digest.render.screenshots import find_chromium, launch_options

CHROMIUM = find_chromium()
MISSING = [
    *(["the playwright package"] if importlib.util.find_spec("playwright") is None else []),
    *(["Chromium (apt-get install chromium)"] if CHROMIUM is None else []),
]
ADDRESS = "constituency.casework.team@westminster-office.parliament.example.org.uk"

# Each line the address's cell is laid out in, as text (a Range per character, grouped by
# the top of its box).
LINES_OF_CELL = """cell => {
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  const lines = [];
  let top = null;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      const range = document.createRange();
      range.setStart(node, i); range.setEnd(node, i + 1);
      const box = range.getBoundingClientRect();
      if (top === null || Math.abs(box.top - top) > 2) { lines.push(""); top = box.top; }
      lines[lines.length - 1] += node.data[i];
    }
  }
  return lines;
}"""


@pytest.mark.skipif(bool(MISSING), reason="not installed: " + "; ".join(MISSING))
@pytest.mark.parametrize("width", [320, 420])
def test_a_long_address_wraps_only_before_its_at_sign_or_after_a_dot(
    tmp_path: Path, width: int
) -> None:
    from playwright.sync_api import sync_playwright

    out = tmp_path / "out"
    with FileBackend(out) as backend:
        backend.send(
            OutgoingEmail(
                to=ADDRESS,
                sender="seatwatch <a@example.org>",
                subject="Your seatwatch digest",
                html="<p>x</p>",
                text="x",
                message_bytes=b"Subject: S\r\n\r\nx\r\n",
                message_id="<1@example.org>",
                digest_key="2026-12-03-casework",
                story_count=2,
            )
        )
    assert CHROMIUM is not None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_options(CHROMIUM))
        page = browser.new_page(viewport={"width": width, "height": 800})
        page.goto((out / "index.html").as_uri())
        lines = page.locator('td[data-label="To"]').evaluate(LINES_OF_CELL)
        browser.close()
    assert "".join(lines) == ADDRESS, lines  # the whole address, nothing cut or hidden
    assert len(lines) > 1, f"the test needs the address to wrap at {width} px: {lines}"
    for line, after in pairwise(lines):
        assert line.endswith((".", "-")) or after.startswith("@"), (
            f"wrapped inside a name at {width} px: {lines}"
        )
