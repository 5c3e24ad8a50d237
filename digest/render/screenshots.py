"""Screenshots of rendered digests in headless Chromium: for reviewers without a mail client.

``digest preview --screenshots`` writes, next to each preview's ``.html``, one PNG per width
(``WIDTHS``: a phone and a desktop window) and colour scheme (light, and dark as
``prefers-color-scheme: dark`` gives it, the way Apple Mail and Outlook apply the email's
own dark rules). Chromium is the system's (Debian's ``chromium``, or ``SEATWATCH_CHROMIUM``)
driven by Playwright; neither is a dependency of sending mail, so both are looked for
only when screenshots are asked for, and their absence is a ``RenderError`` that says
what to install.

The pages are loaded with scripts off and every network request refused: a screenshot
shows the message as it is, and taking one never reaches a server named in a feed.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any, Literal

from digest.errors import RenderError

Scheme = Literal["light", "dark"]
WIDTHS = (420, 1200)
SCHEMES: tuple[Scheme, ...] = ("light", "dark")
# The window's height before the page is measured; a full-page screenshot is as tall as
# the digest.
START_HEIGHT = 800
CHROMIUM_NAMES = ("chromium", "chromium-browser")
INSTALL_CHROMIUM = "apt-get install chromium, or set SEATWATCH_CHROMIUM to its path"
INSTALL_PLAYWRIGHT = "pip install 'seatwatch[screenshots]' (or: pip install playwright)"


@dataclass(frozen=True, slots=True)
class Screenshot:
    """One PNG of one page: its file, width in CSS pixels and colour scheme."""

    path: Path
    width: int
    scheme: Scheme

    @property
    def label(self) -> str:
        """How the preview index names it: "420px dark"."""
        return f"{self.width}px {self.scheme}"


def find_chromium() -> str | None:
    """The Chromium to drive: ``SEATWATCH_CHROMIUM``, else ``chromium`` on the PATH."""
    chosen = os.environ.get("SEATWATCH_CHROMIUM")
    if chosen:
        return chosen
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def launch_options(executable: str) -> dict[str, Any]:
    """Playwright's launch arguments for the system Chromium.

    Chromium refuses to start its sandbox as root (containers, CI); only then is it turned
    off, and the pages loaded never run scripts.
    """
    args = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    return {"executable_path": executable, "args": args}


def check_screenshots_possible() -> str:
    """The Chromium executable to use, or a ``RenderError`` that says what is missing.

    Asked before any work, so a preview run does not poll and render only to fail at the
    end.
    """
    try:
        import playwright.sync_api  # noqa: F401  # only whether it is there
    except ImportError as exc:
        raise RenderError(
            f"screenshots need the playwright package, which is not installed: {INSTALL_PLAYWRIGHT}"
        ) from exc
    executable = find_chromium()
    if executable is None:
        raise RenderError(f"screenshots need Chromium, and none was found: {INSTALL_CHROMIUM}")
    if not (os.path.isfile(executable) and os.access(executable, os.X_OK)):
        raise RenderError(
            f"screenshots need Chromium: SEATWATCH_CHROMIUM={executable} is not an executable"
            f" file ({INSTALL_CHROMIUM})"
        )
    return executable


def screenshot_path(page: Path, width: int, scheme: Scheme) -> Path:
    """Where the screenshot of ``page`` at ``width`` in ``scheme`` goes: beside it,
    ``NAME.420-light.png``."""
    return page.with_name(f"{page.stem}.{width}-{scheme}.png")


def take_screenshots(
    pages: Sequence[Path],
    *,
    widths: Sequence[int] = WIDTHS,
    schemes: Sequence[Scheme] = SCHEMES,
) -> dict[Path, list[Screenshot]]:
    """Full-page PNGs of each HTML file in ``pages``, at each width in each scheme.

    One browser and one tab per scheme serve every page, so the cost is the screenshots
    themselves (a fraction of a second each), not a browser start per digest.
    """
    if not pages:
        return {}
    executable = check_screenshots_possible()
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    taken: dict[Path, list[Screenshot]] = {page: [] for page in pages}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(**launch_options(executable))
            try:
                for scheme in schemes:
                    context = browser.new_context(
                        color_scheme=scheme,
                        java_script_enabled=False,
                        viewport={"width": widths[0], "height": START_HEIGHT},
                    )
                    context.route("**/*", _local_only)
                    tab = context.new_page()
                    for page in pages:
                        tab.goto(page.resolve().as_uri(), wait_until="load")
                        for width in widths:
                            tab.set_viewport_size({"width": width, "height": START_HEIGHT})
                            path = screenshot_path(page, width, scheme)
                            tab.screenshot(path=str(path), full_page=True)
                            taken[page].append(Screenshot(path, width, scheme))
                    context.close()
            finally:
                browser.close()
    except PlaywrightError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RenderError(f"Chromium could not take the screenshots ({first})") from exc
    # Listed by width, then scheme: "420 light, 420 dark, 1200 light, 1200 dark".
    order = {(width, scheme): n for n, (width, scheme) in enumerate(product(widths, schemes))}
    return {
        page: sorted(shots, key=lambda shot: order[(shot.width, shot.scheme)])
        for page, shots in taken.items()
    }


def _local_only(route: Any) -> None:
    """Let a page load itself from disk; refuse everything else (images, fonts, trackers)."""
    if route.request.url.startswith("file:"):
        route.continue_()
    else:
        route.abort()
