"""Measuring text contrast in a page laid out by Chromium (Playwright), for
tests/test_contrast.py.

``measure`` opens each document in a fresh tab per colour scheme, lays it out at each width,
and asks the browser (``MEASURE``) for every text: where it is drawn or why it is not, its
colour and font, and each element from ``<html>`` down to it (background, opacity, images,
filters). ``judge`` composites the colour of the text and of what is behind it through those
layers and compares their WCAG contrast with AA; text that is not drawn is a problem unless
``ALLOWED_HIDDEN`` names it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

WIDTHS = (420, 1200)
SCHEMES = ("light", "dark")


# --- contrast maths (WCAG 2.2, 1.4.3) --------------------------------------------------------

Rgba = tuple[float, float, float, float]  # premultiplied red, green, blue (0..1) and alpha
TRANSPARENT: Rgba = (0.0, 0.0, 0.0, 0.0)
_COLOUR = re.compile(r"rgba?\(\s*([\d.]+)[ ,]+([\d.]+)[ ,]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)")


def parse(css: str) -> Rgba:
    """A computed CSS colour (``rgb(...)`` or ``rgba(...)``) as premultiplied RGBA."""
    found = _COLOUR.fullmatch(css.strip())
    if found is None:
        raise ValueError(f"cannot read the computed colour {css!r}")
    red, green, blue = (float(found.group(i)) / 255 for i in (1, 2, 3))
    alpha_text = found.group(4) or "1"
    alpha = float(alpha_text[:-1]) / 100 if alpha_text.endswith("%") else float(alpha_text)
    return (red * alpha, green * alpha, blue * alpha, alpha)


def _over(top: Rgba, below: Rgba) -> Rgba:
    """``top`` painted over ``below`` (source-over, premultiplied)."""
    return (
        top[0] + (1 - top[3]) * below[0],
        top[1] + (1 - top[3]) * below[1],
        top[2] + (1 - top[3]) * below[2],
        top[3] + (1 - top[3]) * below[3],
    )


def composited(layers: Sequence[tuple[str, float]], leaf: Rgba, canvas: str) -> Rgba:
    """The colour on screen where ``leaf`` (the text's colour, or nothing) is painted inside
    nested elements with these (background colour, opacity) ``layers``, outermost first,
    over the page's canvas.

    Each element is a group: its background, then what it holds, faded as one by its
    opacity, so a parent's ``opacity: 0.5`` fades its text and its background together.
    """
    inside = leaf
    for background, opacity in reversed(layers):
        group = _over(inside, parse(background))
        inside = (group[0] * opacity, group[1] * opacity, group[2] * opacity, group[3] * opacity)
    return _over(inside, parse(canvas))


def _luminance(colour: Rgba) -> float:
    """WCAG relative luminance of an opaque colour."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(colour[0]) + 0.7152 * linear(colour[1]) + 0.0722 * linear(colour[2])


def contrast(one: Rgba, other: Rgba) -> float:
    """The WCAG contrast ratio of two opaque colours, 1 to 21."""
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def required(font_px: float, weight: int) -> float:
    """WCAG AA: 3:1 for large text (18pt, or 14pt bold), 4.5:1 for the rest."""
    large = font_px >= 24 or (font_px >= 18.66 and weight >= 700)
    return 3.0 if large else 4.5


def _hex(colour: Rgba) -> str:
    return "#" + "".join(f"{round(channel * 255):02x}" for channel in colour[:3])


# --- what the browser reports ----------------------------------------------------------------

# Each text (text nodes, and the text of ::before and ::after): where it is, whether and why
# it is not drawn, its colour and font, which allowed-hidden selector it is under, and each
# element from <html> down to it (background colour, background image, opacity, filter,
# blend mode). "Drawn" is asked of the browser several ways, none of which text a reader
# cannot see passes.
MEASURE = """(allowed) => {
  const probe = document.createElement('div');
  probe.style.backgroundColor = 'Canvas';
  document.body.appendChild(probe);
  const canvas = getComputedStyle(probe).backgroundColor;
  probe.remove();
  const name = (el) => el.tagName.toLowerCase()
    + (el.classList.length ? '.' + [...el.classList].join('.') : '');
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      if (e.classList.length || e === el) parts.unshift(name(e));
    }
    return parts.join(' ');
  };
  const pageWidth = document.documentElement.scrollWidth;
  const pageHeight = document.documentElement.scrollHeight;
  const whyHidden = (el, style, rects) => {
    if (!el.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true})) {
      return 'not rendered (display, visibility or content-visibility)';
    }
    const boxes = [...rects].filter(r => r.width >= 1 && r.height >= 1);
    if (!boxes.length) return 'drawn with no size';
    if (parseFloat(style.fontSize) < 6) return 'font-size ' + style.fontSize;
    for (const box of boxes) {
      if (box.right <= 0 || box.bottom <= 0 || box.left >= pageWidth || box.top >= pageHeight) {
        return 'off the page';
      }
      const x = Math.min(Math.max(box.left + box.width / 2, 0), pageWidth - 1);
      const y = Math.min(Math.max(box.top + box.height / 2, 0), pageHeight - 1);
      for (let a = el; a && a !== document.documentElement; a = a.parentElement) {
        const s = getComputedStyle(a);
        if (s.overflowX === 'visible' && s.overflowY === 'visible' && s.clipPath === 'none') {
          continue;
        }
        const clip = a.getBoundingClientRect();
        if (x < clip.left || x > clip.right || y < clip.top || y > clip.bottom) {
          return 'clipped by ' + name(a);
        }
      }
      const hit = document.elementFromPoint(x, y);
      if (!hit || !(el.contains(hit) || hit.contains(el))) {
        return 'covered by ' + (hit ? name(hit) : 'nothing');
      }
    }
    return '';
  };
  const known = new Map();  // element -> its layers (texts of one element share them)
  const layersOf = (el, pseudo) => {
    if (!known.has(el)) {
      const s = getComputedStyle(el);
      known.set(el, [...(el.parentElement ? layersOf(el.parentElement, null) : []), {
        element: name(el), background: s.backgroundColor, image: s.backgroundImage,
        opacity: parseFloat(s.opacity), filter: s.filter, blend: s.mixBlendMode,
      }]);
    }
    const layers = [...known.get(el)];
    if (pseudo) {
      layers.push({
        element: name(el) + pseudo.selector, background: pseudo.style.backgroundColor,
        image: pseudo.style.backgroundImage, opacity: parseFloat(pseudo.style.opacity),
        filter: pseudo.style.filter, blend: pseudo.style.mixBlendMode,
      });
    }
    return layers;
  };
  const found = [];
  const record = (el, text, style, rects, pseudo) => {
    text = text.replace(/\\s+/g, ' ').trim();
    if (!text) return;
    found.push({
      text: text.length > 60 ? text.slice(0, 57) + '...' : text,
      where: path(el) + (pseudo ? pseudo.selector : ''),
      allowed: allowed.find(selector => el.closest(selector) !== null) || '',
      hidden: whyHidden(el, style, rects),
      colour: style.webkitTextFillColor || style.color,
      size: parseFloat(style.fontSize),
      weight: parseInt(style.fontWeight, 10),
      layers: layersOf(el, pseudo),
      canvas,
    });
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (['SCRIPT', 'STYLE', 'TEMPLATE'].includes(el.tagName)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    record(el, node.data, getComputedStyle(el), range.getClientRects(), null);
  }
  // Generated text ("To: " before each value of the preview index on a phone).
  for (const el of document.body.querySelectorAll('*')) {
    for (const selector of ['::before', '::after']) {
      const style = getComputedStyle(el, selector);
      const content = style.content;
      if (content === 'none' || content === 'normal') continue;
      const text = content.replace(/attr\\(([\\w-]+)\\)/g, (_, a) => el.getAttribute(a) || '')
        .replace(/"([^"]*)"/g, '$1');
      record(el, text, style, el.getClientRects(), {selector, style});
    }
  }
  return found;
}"""

# The only texts that may be hidden. The inbox preview line must be: a mail client shows it
# beside the subject, never in the message.
MUST_HIDE = ".preheader"
ALLOWED_HIDDEN = {
    MUST_HIDE: "the inbox preview line",
    "tr:first-child > th": "the preview index's column heads: on a phone each value has its label",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One text a reader would have trouble with, in one view of one document."""

    view: str  # "dark 420px"
    document: str
    where: str
    text: str
    why: str

    def line(self) -> str:
        return f"{self.view} {self.document}: {self.where} {self.text!r}: {self.why}"


def judge(found: dict[str, Any], view: str, document: str) -> Problem | None:
    """What is wrong with one text the browser reported, if anything."""

    def problem(why: str) -> Problem:
        return Problem(view, document, found["where"], found["text"], why)

    if found["allowed"] == MUST_HIDE and not found["hidden"].startswith("not rendered"):
        return problem(f"the inbox preview line must be hidden, is {found['hidden'] or 'shown'}")
    if found["hidden"] and found["allowed"]:
        return None
    if found["hidden"]:
        return problem(f"text a reader cannot see: {found['hidden']}")
    for layer in found["layers"]:
        if layer["image"] != "none" or layer["filter"] != "none" or layer["blend"] != "normal":
            return problem(f"contrast not measurable: {layer['element']} has an image or effect")
    layers = [(layer["background"], layer["opacity"]) for layer in found["layers"]]
    background = composited(layers, TRANSPARENT, found["canvas"])
    text = composited(layers, parse(found["colour"]), found["canvas"])
    ratio = contrast(text, background)
    needed = required(found["size"], found["weight"])
    if ratio < needed:
        return problem(
            f"{_hex(text)} on {_hex(background)} is {ratio:.2f}:1, needs {needed}:1 "
            f"({found['size']:g}px, weight {found['weight']})"
        )
    return None


@dataclass(frozen=True, slots=True)
class Measured:
    """Every text of every view of one document, and how many were checked."""

    problems: list[Problem]
    texts: int


def measure(
    browser: Any,
    documents: dict[str, str],
    *,
    schemes: Sequence[str] = SCHEMES,
    widths: Sequence[int] = WIDTHS,
) -> Measured:
    """Lay each document out in each scheme and width and judge each of its texts."""
    problems: list[Problem] = []
    texts = 0
    for scheme in schemes:
        context = browser.new_context(color_scheme=scheme)
        # Nothing leaves the machine: a digest's links are to pages, never loaded here.
        context.route("**/*", lambda route: route.abort())
        try:
            for document, markup in documents.items():
                # A fresh tab each: a page loaded into a tab that showed another keeps some of
                # its state (Chromium kept a digest's color-scheme for the next page).
                page = context.new_page()
                page.set_content(markup, wait_until="load")
                for width in widths:
                    page.set_viewport_size({"width": width, "height": 600})
                    height = page.evaluate("() => document.documentElement.scrollHeight")
                    # The whole page in view: elementFromPoint only answers inside it.
                    page.set_viewport_size({"width": width, "height": height})
                    view = f"{scheme} {width}px"
                    for found in page.evaluate(MEASURE, list(ALLOWED_HIDDEN)):
                        texts += 1
                        verdict = judge(found, view, document)
                        if verdict is not None:
                            problems.append(verdict)
                page.close()
        finally:
            context.close()
    return Measured(problems, texts)


def report(problems: Sequence[Problem]) -> str:
    """The problems, one line per element and view (texts of one element repeat)."""
    lines: dict[tuple[str, str, str], str] = {}
    for found in problems:
        lines.setdefault((found.view, found.where, found.why), found.line())
    return f"{len(problems)} texts fail WCAG AA contrast or are hidden:\n" + "\n".join(
        lines.values()
    )
