"""The hidden inbox preview line is hidden the way spam filters accept, not drawn in the
background's colour (SpamAssassin's HTML_FONT_LOW_CONTRAST)."""

from __future__ import annotations

import re

from digest.render.renderer import DigestRenderer
from tests.support import sample_digest


def _luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb (or #rgb) colour."""
    if len(colour) == 4:
        colour = "#" + "".join(c * 2 for c in colour[1:])
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(one: str, other: str) -> float:
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _style(html: str, element: str) -> dict[str, str]:
    """The inlined style of the first ``element`` (a tag with its class) as a dict."""
    found = re.search(rf'<{element}[^>]*style="([^"]*)"', html)
    assert found is not None, element
    pairs = (part.split(":", 1) for part in found.group(1).split(";") if ":" in part)
    return {key.strip(): value.strip().lower() for key, value in pairs}


def test_the_preheader_is_hidden_without_low_contrast_text() -> None:
    html = (
        DigestRenderer(title="seatwatch", subject_template="{title}: news for {seats}")
        .render(sample_digest())
        .html
    )
    style = _style(html, 'div class="preheader"')
    assert style["display"] == "none"
    assert style["max-height"] in ("0", "0px")
    assert style["overflow"] == "hidden"
    assert style["mso-hide"] == "all"
    backgrounds = [
        _style(html, "body")["background-color"],
        _style(html, 'table role="presentation" class="wrapper"')["background-color"],
        _style(html, 'table role="presentation" class="container"')["background-color"],
    ]
    for background in backgrounds:
        assert _contrast(style["color"], background) >= 4.5, (style["color"], background)
