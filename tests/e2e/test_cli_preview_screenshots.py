"""``digest preview --screenshots``: PNGs of each digest at 420 and 1200 px, light and dark,
beside its preview and listed in index.html; a clear error, before any polling, when
Chromium or Playwright is missing.

The screenshots themselves need Chromium and the playwright package (as
tests/test_contrast.py does) and are skipped with the reason otherwise; the errors are
tested everywhere.
"""

from __future__ import annotations

import importlib.util
import re
import struct
import sys
from pathlib import Path

import pytest

from digest.render.screenshots import find_chromium
from tests.support import run_preview

CHROMIUM = find_chromium()
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SHOWN = ("coast.editor@example.org", "essex.reader@example.org")


def _preview(project: Path, *arguments: str) -> tuple[int, str]:
    store = str(project / "state.sqlite3")
    code, output = run_preview(project, "--store", store, *arguments, width=300)
    # Errors are wrapped to the error console's width, even inside a path: unwrapped here.
    return code, output.replace("\n", "")


def _png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header (its signature, then the IHDR chunk)."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG"
    assert head[12:16] == b"IHDR", f"{path.name} has no IHDR chunk first"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


@pytest.mark.skipif(
    importlib.util.find_spec("playwright") is None or CHROMIUM is None,
    reason="needs the playwright package and Chromium (apt-get install chromium, or set "
    "SEATWATCH_CHROMIUM)",
)
def test_four_screenshots_per_digest_listed_in_the_index(
    project_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert CHROMIUM is not None
    monkeypatch.setenv("SEATWATCH_CHROMIUM", CHROMIUM)  # the one found when collected
    selected = [option for address in SHOWN for option in ("--subscriber", address)]
    code, output = _preview(project_copy, "--screenshots", *selected)
    assert code == 0, output
    out = project_copy / "out"
    pages = sorted(out.glob("*.html"))
    pages.remove(out / "index.html")
    assert len(pages) == len(SHOWN)
    index = (out / "index.html").read_text(encoding="utf-8")
    for page in pages:
        shots = {
            (width, scheme): page.with_name(f"{page.stem}.{width}-{scheme}.png")
            for width in (420, 1200)
            for scheme in ("light", "dark")
        }
        assert sorted(out.glob(f"{page.stem}.*.png")) == sorted(shots.values())
        listed = re.findall(rf'<a href="{re.escape(page.stem)}\.(\d+-\w+)\.png">', index)
        assert listed == ["420-light", "420-dark", "1200-light", "1200-dark"]
        for (width, scheme), shot in shots.items():
            found_width, height = _png_size(shot)
            # Exactly the window's width: a digest wider than a phone would widen its shot.
            assert found_width == width, (shot.name, found_width)
            assert height >= 600, (shot.name, height)
            assert f'<a href="{shot.name}">{width}px {scheme}</a>' in index
            assert str(shot) in output
        # Dark is the email's own dark styles, not the light page again.
        for width in (420, 1200):
            light, dark = shots[(width, "light")], shots[(width, "dark")]
            assert light.read_bytes() != dark.read_bytes()


def test_no_chromium_is_said_before_anything_is_polled(
    project_copy: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no chromium on it
    code, output = _preview(project_copy, "--screenshots")
    assert code == 1, output
    assert "screenshots need Chromium, and none was found: apt-get install chromium" in output
    assert "SEATWATCH_CHROMIUM" in output
    assert "polled" not in output and not (project_copy / "out").exists()

    monkeypatch.setenv("SEATWATCH_CHROMIUM", str(tmp_path / "chromium"))
    code, output = _preview(project_copy, "--screenshots")
    assert code == 1, output
    assert f"SEATWATCH_CHROMIUM={tmp_path / 'chromium'} is not an executable" in output
    assert "Traceback" not in output


def test_no_playwright_says_what_to_install(
    project_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if the package were not installed: importing it fails.
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)
    code, output = _preview(project_copy, "--screenshots")
    assert code == 1, output
    assert "screenshots need the playwright package, which is not installed" in output
    assert "pip install" in output and "Traceback" not in output
    assert not (project_copy / "out").exists()
