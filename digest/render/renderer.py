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
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from digest.errors import RenderError
from digest.models import Digest, SeatSection, Subscriber
from digest.parallel.mapping import IN_PROCESS, Mapper
from digest.render.environment import day, default_templates_dir, make_environment
from digest.render.inline import inline_css
from digest.render.message import (
    MessageTemplate,
    Recipient,
    build_template,
    list_unsubscribe,
    new_mark,
    placeholder,
    safe_subject,
)

log = logging.getLogger(__name__)

PLACEHOLDERS = ("greeting", "recipient", "unsubscribe_url")
# Filled in per distinct digest when it is assembled from inlined pieces.
DIGEST_PLACEHOLDERS = ("subject", "seat_names", "preheader")
SECTION_START, SECTION_END = "<!--seatwatch:section-->", "<!--/seatwatch:section-->"
SECTIONS_SLOT = "<!--seatwatch:sections-->"


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
        inliner: Mapper = IN_PROCESS,
        mark: str | None = None,
    ) -> None:
        """``inliner``: where premailer runs (``digest.parallel.mapping``). A send gives
        worker processes, which have it loaded already (the fork server's warm-up) where
        this process would spend a noticeable time importing it on a send's critical path;
        a digest's frame and its new sections, in one page per worker (``width``), are then
        inlined at once."""
        self.title = title
        # The placeholders' secret: feed text can never name one of our slots (message.py).
        self.mark = mark or new_mark()
        self.inliner = inliner
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
            title=self.title, seats=seat_names, date=day(digest.generated_at)
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
        """Each page inlined, at once where the inliner has worker processes."""
        self.inlines += len(markups)
        return self.inliner.map(inline_css, markups)

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
        batches = _balanced(list(missing.items()), self.inliner.width)
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
        parts.extend(also.anchor for also in section.elsewhere)
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
    # A story printed under another of the reader's seats is listed here instead, so the
    # same seat's section differs from one reader's digest to another's.
    listed = ",".join(f"{also.anchor}{'^' * also.above}" for also in section.elsewhere)
    return f"{digest.period}|{digest.generated_at.date()}|{section.key}|{stories}|{listed}"


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
