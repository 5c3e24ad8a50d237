"""The Jinja2 environment of the email templates, with the filters they print feed text
through."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from digest.bounds import MAX_TITLE_CHARS, shorten, strip_controls
from digest.errors import RenderError
from digest.links import safe_link


def default_templates_dir() -> Path:
    """Where the templates are: inside an installed wheel, else the checkout's top level."""
    packaged = Path(str(resources.files("digest"))) / "templates" / "email"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates" / "email"


def day(value: datetime) -> str:
    """A date as the digest prints it: "2 December 2026"."""
    return f"{value.day} {value:%B %Y}"


def day_unbroken(value: datetime) -> Markup:
    """``day`` with non-breaking spaces, so a narrow screen never splits a date
    ("2 / December 2026") across lines."""
    return Markup("&nbsp;").join(day(value).split(" "))


def _wrap(value: str, width: int = 76, indent: str = "  ") -> str:
    """Greedy word wrap for the plain-text part, continuation lines indented ``indent``
    (two spaces under a story's lines, none for the heading and footer).

    Words are never split: a long URL stays whole and clickable (``textwrap`` would break it
    at the width, and is slower over a digest of thousands of stories).
    """
    limit = width - len(indent)
    lines: list[str] = []
    current: list[str] = []
    length = 0
    for word in value.split():
        if current and length + 1 + len(word) > limit:
            lines.append(" ".join(current))
            current, length = [], 0
        length += len(word) + (1 if current else 0)
        current.append(word)
    if current:
        lines.append(" ".join(current))
    return ("\n" + indent).join(lines) or value


def _printable(value: Any) -> Any:
    """Every value a template prints, without control characters (``finalize``).

    Stories are cleaned when they are made; this is the second line, for whatever else a
    template is given. Markup is ours (stylesheets) and passes as it is.
    """
    if isinstance(value, str) and not isinstance(value, Markup):
        return strip_controls(value)
    return value


# The longest summary sentence a template prints (``[digest] max_sentence_chars`` is at most
# this): summaries are bounded when stories are made; this guard keeps any digest a
# template is given (one built by hand, a writer's answer) a message with its footer.
MAX_SHOWN_SENTENCE_CHARS = 2_000


def _bounded(value: str, limit: int = MAX_SHOWN_SENTENCE_CHARS) -> str:
    """A summary sentence (or other feed text) at most ``limit`` characters long."""
    return shorten(value, limit)


def _headline(value: str) -> str:
    """A story's title for the body, shortened like the subject is (a template's guard; the
    stories are shortened when they are made)."""
    return shorten(" ".join(value.split()), MAX_TITLE_CHARS)


@lru_cache(maxsize=4)
def make_environment(templates_dir: Path) -> jinja2.Environment:
    """The Jinja2 environment: autoescape for HTML templates, strict about undefined names.

    Links from feeds go through the ``safe_link`` filter (``None`` for anything but an
    absolute http(s) link: the template then prints the headline without a link), titles
    through ``headline``, summary sentences through ``bounded``, and every printed value
    loses its control characters.
    """
    if not (templates_dir / "digest.html.j2").is_file():
        raise RenderError(f"{templates_dir} holds no digest.html.j2 template")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_printable,
    )
    env.filters["day"] = day
    env.filters["day_unbroken"] = day_unbroken
    env.filters["wrap"] = _wrap
    env.filters["safe_link"] = safe_link
    env.filters["headline"] = _headline
    env.filters["bounded"] = _bounded
    env.tests["safe_link"] = lambda value: safe_link(value) is not None
    return env
