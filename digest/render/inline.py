"""CSS inlining: ``inline_css``, the one caller of premailer."""

from __future__ import annotations

import logging

from digest.errors import RenderError


def inline_css(markup: str) -> str:
    """Move stylesheet rules onto the elements; the one caller of premailer.

    ``<style data-premailer="ignore">`` blocks (media queries, dark mode) stay as they are.
    """
    # Imported here: premailer pulls in requests and cssutils, a slow import that
    # commands which never render (poll, status, tag) should not pay.
    from lxml import etree
    from premailer import Premailer

    # The page is parsed here, not by premailer: its parser's errors are silent. libxml2
    # stops at a resource limit (one text run of about 10 MB) with a fatal error the
    # recovering HTML parser swallows, and premailer then returned the page cut there (no
    # later summaries, no footer, no unsubscribe link). A page that does not parse whole is
    # an error for its message, never a shorter message.
    parser = etree.HTMLParser()
    stripped = markup.strip()
    try:
        tree = etree.fromstring(stripped, parser).getroottree()
    except (etree.ParserError, ValueError) as exc:
        raise RenderError(f"the digest's HTML does not parse: {exc}") from exc
    fatal = [e for e in parser.error_log if e.level >= etree.ErrorLevels.FATAL]
    if fatal:
        raise RenderError(
            f"the digest's HTML could not be read whole ({fatal[0].message.strip()}, at "
            f"character {fatal[0].column}); it is not sent cut short"
        )
    try:
        Premailer(
            tree.getroot(),
            keep_style_tags=False,
            remove_classes=False,
            strip_important=False,
            disable_validation=True,
            allow_network=False,
            cssutils_logging_level=logging.CRITICAL,
        ).transform()
    except Exception as exc:  # premailer raises bare parser errors from cssutils and lxml
        raise RenderError(f"CSS inlining failed: {exc}") from exc
    # Serialised as premailer does with a page it parsed itself.
    root = tree if stripped.startswith(tree.docinfo.doctype) else tree.getroot()
    text = etree.tostring(root, method="html", pretty_print=True, encoding="unicode")
    if markup.lstrip().lower().startswith("<!doctype") and not text.lower().startswith("<!doctype"):
        text = "<!DOCTYPE html>\n" + text
    return text
