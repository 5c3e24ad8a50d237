"""Render digests: Jinja2 HTML and text parts, CSS inlined by premailer, a MIME message.

Rendering and inlining are the costly steps (premailer takes tens of milliseconds per
message), so neither runs per subscriber. Premailer runs once for the frame (masthead,
greeting, footer) and, per digest, once for those of its seat sections not inlined yet (each
seat section is inlined once per period); each distinct digest is assembled from those
inlined pieces, with its seat names, subject and inbox preview filled in, and
each recipient's copy gets the greeting, address and unsubscribe link the same way. The
cost of inlining follows the number of seats with news, not of subscribers or of the
combinations of seats they follow.
"""

from __future__ import annotations

import hashlib
import html
import logging
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from digest.bounds import MAX_TITLE_CHARS, shorten, strip_controls
from digest.errors import RenderError
from digest.links import safe_link
from digest.models import Digest, SeatSection, Subscriber
from digest.render.message import MessageTemplate, Recipient, build_template, new_mark, placeholder

log = logging.getLogger(__name__)

PLACEHOLDERS = ("greeting", "recipient", "unsubscribe_url")
# Filled in per distinct digest when it is assembled from inlined pieces.
DIGEST_PLACEHOLDERS = ("subject", "seat_names", "preheader")
SECTION_START, SECTION_END = "<!--seatwatch:section-->", "<!--/seatwatch:section-->"
SECTIONS_SLOT = "<!--seatwatch:sections-->"


def default_templates_dir() -> Path:
    """Where the templates are: inside an installed wheel, else the checkout's top level."""
    packaged = Path(str(resources.files("digest"))) / "templates" / "email"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates" / "email"


def _day(value: datetime) -> str:
    return f"{value.day} {value:%B %Y}"


def _wrap(value: str, width: int = 76) -> str:
    """Greedy word wrap for the plain-text part, continuation lines indented two spaces.

    Words are never split: a long URL stays whole and clickable (``textwrap`` would break it
    at the width, and costs several times as much over a digest of thousands of stories).
    """
    limit = width - 2
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
    return "\n  ".join(lines) or value


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
    env.filters["day"] = _day
    env.filters["wrap"] = _wrap
    env.filters["safe_link"] = safe_link
    env.filters["headline"] = _headline
    env.filters["bounded"] = _bounded
    env.tests["safe_link"] = lambda value: safe_link(value) is not None
    return env


def inline_css(markup: str) -> str:
    """Move stylesheet rules onto the elements; the one caller of premailer.

    ``<style data-premailer="ignore">`` blocks (media queries, dark mode) stay as they are.
    """
    # Imported here: premailer pulls in requests and cssutils, a tenth of a second that
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


@dataclass(frozen=True, slots=True)
class RenderedDigest:
    """A digest rendered once, with placeholders for the per-recipient parts."""

    subject: str
    html: str
    text: str
    story_count: int
    key: str = ""  # the content it was rendered from, for caches keyed on it


@dataclass(frozen=True, slots=True)
class Personalised:
    """One recipient's copy."""

    subject: str
    html: str
    text: str


class DigestRenderer:
    """Renders digests, caching by content so shared digests are rendered once."""

    def __init__(
        self,
        *,
        title: str,
        subject_template: str,
        templates_dir: Path | None = None,
        inliner: Executor | None = None,
        inliner_workers: int = 1,
        mark: str | None = None,
    ) -> None:
        """``inliner``: worker processes to run premailer in (``inliner_workers`` of them).
        A worker has it loaded already (the fork server's warm-up), where this process
        would spend 0.4 s importing it on a send's critical path; and a digest's frame and
        its new sections, in one page per worker, are inlined at once."""
        self.title = title
        # The placeholders' secret: feed text can never name one of our slots (message.py).
        self.mark = mark or new_mark()
        self.inliner = inliner
        self.inliner_workers = max(1, inliner_workers) if inliner is not None else 1
        self.subject_template = subject_template
        self.env = make_environment((templates_dir or default_templates_dir()).resolve())
        self._cache: dict[str, RenderedDigest] = {}
        self._frames: dict[str, str | None] = {}
        self._sections: dict[str, str | None] = {}
        self._templates: dict[tuple[str, str, datetime, str], MessageTemplate] = {}
        self.renders = 0  # distinct digests rendered
        self.inlines = 0  # premailer runs

    def placeholder(self, name: str) -> str:
        """The marker this renderer leaves where slot ``name`` is filled in later."""
        return placeholder(self.mark, name)

    def _css(self, name: str) -> Markup:
        """A stylesheet from the templates folder, trusted as-is (it is ours, not input)."""
        if self.env.loader is None:
            return Markup("")
        source = self.env.loader.get_source(self.env, name)[0]
        if "</style" in source.lower():
            raise RenderError(f"{name} must not contain a closing style tag")
        return Markup(source)

    def render(self, digest: Digest) -> RenderedDigest:
        """The shared rendering of ``digest`` (everything but the recipient's details)."""
        key = _content_key(digest)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        seat_names = _join_names([s.name for s in digest.sections])
        subject = self.subject_template.format(
            title=self.title, seats=seat_names, date=_day(digest.generated_at)
        )
        context: dict[str, Any] = {
            "title": self.title,
            "subject": subject,
            "sections": digest.sections,
            "seat_names": seat_names,
            "generated_at": digest.generated_at,
            "preheader": _preheader(digest),
            **{name: self.placeholder(name) for name in PLACEHOLDERS},
        }
        try:
            text_part = self.env.get_template("digest.txt.j2").render(**context)
        except jinja2.TemplateError as exc:
            raise RenderError(f"template error: {exc}") from exc
        html_part = self._assembled(digest, context)
        if html_part is None:  # a template without section markers: inline it whole
            html_part = self._inline(self._html(context))
            for marker in (SECTION_START, SECTION_END, SECTIONS_SLOT):
                html_part = html_part.replace(marker, "")
        rendered = RenderedDigest(
            subject=subject,
            html=html_part,
            text=text_part,
            story_count=digest.story_count,
            key=key,
        )
        self.renders += 1
        self._cache[key] = rendered
        return rendered

    def _html(self, context: dict[str, Any]) -> str:
        try:
            return self.env.get_template("digest.html.j2").render(
                base_css=self._css("digest.css"), media_css=self._css("digest.media.css"), **context
            )
        except jinja2.TemplateError as exc:
            raise RenderError(f"template error: {exc}") from exc

    def _inline(self, markup: str) -> str:
        return self._inline_all([markup])[0]

    def _inline_all(self, markups: Sequence[str]) -> list[str]:
        """Each page inlined, in the worker processes when there are some."""
        self.inlines += len(markups)
        if self.inliner is None:
            return [inline_css(markup) for markup in markups]
        running = [self.inliner.submit(inline_css, markup) for markup in markups]
        return [future.result() for future in running]

    def _assembled(self, digest: Digest, context: dict[str, Any]) -> str | None:
        """The digest's HTML from the inlined frame and sections; ``None`` when the
        template has no section markers to cut along."""
        pieces = {name: self.placeholder(name) for name in DIGEST_PLACEHOLDERS}
        day = digest.generated_at.date().isoformat()
        if day in self._frames and self._frames[day] is None:
            return None
        # The sections not inlined yet go through premailer in as few runs as there are
        # workers: a page of sections costs premailer about the same per story whether it
        # holds a few or a hundred, so one page per worker takes the least time.
        missing: dict[str, SeatSection] = {}
        for section in digest.sections:
            key = _section_key(digest, section)
            if key not in self._sections:
                missing.setdefault(key, section)
        batches = _balanced(list(missing.items()), self.inliner_workers)
        pages = []
        if day not in self._frames:
            pages.append(self._html({**context, **pieces, "sections": ()}))
        for batch in batches:
            shown = tuple(section for _, section in batch)
            pages.append(self._html({**context, **pieces, "sections": shown}))
        inlined = self._inline_all(pages)
        if day not in self._frames:
            page = inlined.pop(0)
            self._frames[day] = page if page.count(SECTIONS_SLOT) == 1 else None
        frame = self._frames[day]
        if frame is None:
            return None
        for batch, page in zip(batches, inlined, strict=True):
            cuts: list[str | None] = list(_cut_sections(page))
            if len(cuts) != len(batch):  # a template that moves or drops the markers
                cuts = [None] * len(batch)  # remembered: such sections go whole-page
            self._sections.update(zip((key for key, _ in batch), cuts, strict=True))
        sections = []
        for section in digest.sections:
            cut = self._sections[_section_key(digest, section)]
            if cut is None:
                return None
            sections.append(cut)
        assembled = frame.replace(SECTIONS_SLOT, "".join(sections))
        for name in DIGEST_PLACEHOLDERS:
            assembled = assembled.replace(self.placeholder(name), html.escape(str(context[name])))
        return assembled

    def message_template(
        self, rendered: RenderedDigest, *, from_address: str, date: datetime, list_id: str
    ) -> MessageTemplate:
        """The MIME message of a shared rendering, built once, filled per recipient."""
        key = (rendered.key or rendered.html, from_address, date, list_id)
        template = self._templates.get(key)
        if template is None:
            template = self._templates[key] = build_template(
                from_address=from_address,
                subject=safe_subject(rendered.subject),
                date=date,
                list_id=list_id,
                html_body=rendered.html,
                text_body=rendered.text,
                mark=self.mark,
            )
        return template

    def personalise(
        self, rendered: RenderedDigest, subscriber: Subscriber, unsubscribe_url: str
    ) -> Personalised:
        """Fill one recipient's details into a shared rendering."""
        html_part, text_part = rendered.html, rendered.text
        for name, value in _personal_values(subscriber, unsubscribe_url).items():
            html_part = html_part.replace(self.placeholder(name), html.escape(value))
            text_part = text_part.replace(self.placeholder(name), value)
        return Personalised(subject=rendered.subject, html=html_part, text=text_part)


def _content_key(digest: Digest) -> str:
    parts = [digest.period, digest.generated_at.date().isoformat()]
    for section in digest.sections:
        parts.append(section.key)
        parts.extend(str(story.id) for story in section.stories)
        parts.append("|")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _personal_values(subscriber: Subscriber, unsubscribe_url: str) -> dict[str, str]:
    return {
        "greeting": f"Hello {subscriber.name}," if subscriber.name else "Hello,",
        "recipient": subscriber.email,
        "unsubscribe_url": unsubscribe_url,
    }


def _balanced(
    sections: list[tuple[str, SeatSection]], parts: int
) -> list[list[tuple[str, SeatSection]]]:
    """``sections`` in order, cut into at most ``parts`` runs of about as many stories each
    (none empty)."""
    if not sections:
        return []
    weights = [1 + len(section.stories) for _, section in sections]
    share = sum(weights) / min(parts, len(sections))
    batches: list[list[tuple[str, SeatSection]]] = [[]]
    filled = 0.0
    for entry, weight in zip(sections, weights, strict=True):
        if batches[-1] and filled + weight / 2 > share * len(batches) and len(batches) < parts:
            batches.append([])
        batches[-1].append(entry)
        filled += weight
    return batches


def _cut_sections(page: str) -> list[str]:
    """The pieces of an inlined page between each pair of section markers, in order."""
    cuts = []
    position = page.find(SECTION_START)
    while position >= 0:
        start = position + len(SECTION_START)
        end = page.find(SECTION_END, start)
        if end < 0:
            break
        cuts.append(page[start:end])
        position = page.find(SECTION_START, end)
    return cuts


def _section_key(digest: Digest, section: SeatSection) -> str:
    """A section's identity within one renderer: the same seat, period and stories."""
    stories = ",".join(f"{story.id}{'u' * story.updated}" for story in section.stories)
    return f"{digest.period}|{digest.generated_at.date()}|{section.key}|{stories}"


def _join_names(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _preheader(digest: Digest) -> str:
    """The inbox preview line: the count and the first headline."""
    stories = [story for section in digest.sections for story in section.stories]
    if not stories:
        return "No new stories for your seats this time."
    lead = max(stories, key=lambda s: s.published)
    count = f"{len(stories)} new {'story' if len(stories) == 1 else 'stories'}"
    return f"{count}. Latest: {lead.title}"


def list_unsubscribe(unsubscribe_url: str, token: str = "", mailto: str = "") -> str:
    """The List-Unsubscribe value: the mailto link first (with the token in its subject)
    when there is a mailbox, then the https link that RFC 8058 one-click POSTs go to."""
    links = [f"<{unsubscribe_url}>"]
    if mailto:
        links.insert(0, f"<mailto:{mailto}?subject={quote(f'unsubscribe {token}')}>")
    return ", ".join(links)


def list_headers(
    message_id: str, list_id: str, list_unsubscribe_value: str
) -> tuple[tuple[str, str], ...]:
    """The headers every digest carries besides From, To, Subject and Date."""
    return (
        ("Message-ID", message_id),
        ("List-Id", f"<{list_id}>"),
        ("List-Unsubscribe", list_unsubscribe_value),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ("Precedence", "bulk"),
        ("Auto-Submitted", "auto-generated"),
        # Carries the digest's identity so a bounce can be matched to subscriber and period.
        ("X-Seatwatch-Digest", message_id.strip("<>")),
    )


MAX_SUBJECT_CHARS = 150


def safe_subject(subject: str) -> str:
    """A subject on one line (no CR/LF to inject headers with), at most 150 characters."""
    flat = " ".join(subject.split())
    return flat if len(flat) <= MAX_SUBJECT_CHARS else flat[: MAX_SUBJECT_CHARS - 1] + "…"


def message_id_for(key: str, from_address: str) -> str:
    """A Message-ID derived from the digest's identity, so a retry reuses it."""
    domain = parseaddr(from_address)[1].rpartition("@")[2] or "seatwatch.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def build_message(
    *,
    from_address: str,
    subscriber: Subscriber,
    copy: Personalised,
    message_id: str,
    date: datetime,
    list_id: str,
    unsubscribe_url: str,
) -> bytes:
    """An RFC 5322 multipart/alternative message: the text part first, then the HTML.

    For one message; a send builds one ``MessageTemplate`` per distinct digest and fills it
    per recipient (``DigestRenderer.message_template``).
    """
    template = build_template(
        from_address=from_address,
        subject=safe_subject(copy.subject),
        date=date,
        list_id=list_id,
        html_body=copy.html,
        text_body=copy.text,
        mark=new_mark(),  # a personalised copy has no slots left to fill
    )
    return template.fill(
        Recipient(
            subscriber.name, subscriber.email, message_id, list_unsubscribe(unsubscribe_url), {}
        )
    )


def recipient_for(
    subscriber: Subscriber, message_id: str, unsubscribe_url: str, list_unsubscribe_value: str
) -> Recipient:
    """The values a shared digest's template is filled with for ``subscriber``."""
    return Recipient(
        name=subscriber.name,
        email=subscriber.email,
        message_id=message_id,
        list_unsubscribe=list_unsubscribe_value,
        body_values=_personal_values(subscriber, unsubscribe_url),
    )
