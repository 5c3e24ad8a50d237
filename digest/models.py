"""Plain data passed between the stages of the pipeline.

Every stage takes and returns these frozen dataclasses, so a stage can be run alone (from the
CLI or a test) on data built by hand, and nothing downstream can mutate what upstream made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import NamedTuple

from digest.links import safe_link


class SourceKind(StrEnum):
    """How a source is read."""

    FOLDER = "folder"
    FEED = "feed"


class Frequency(StrEnum):
    """How often a subscriber gets a digest: one per day or per ISO week."""

    DAILY = "daily"
    WEEKLY = "weekly"


class SubscriberStatus(StrEnum):
    """Only active subscribers are sent digests."""

    ACTIVE = "active"
    PAUSED = "paused"
    UNSUBSCRIBED = "unsubscribed"


class ResendUpdates(StrEnum):
    """When a story already sent comes again after its article was revised."""

    MATERIAL = "material"  # when the revision adds a paragraph
    ALWAYS = "always"
    NEVER = "never"


class LiveCoverage(StrEnum):
    """What a seat section does with live blogs and match reports."""

    LABEL = "label"  # listed, with a line saying what they are instead of extracts
    OMIT = "omit"


class SummaryMethod(StrEnum):
    """Who writes the summaries: our extractive summariser, or a chat-completions model."""

    EXTRACTIVE = "extractive"
    OPENAI = "openai"


class Role(StrEnum):
    """How a story relates to a seat, strongest first.

    ``member``: the seat is reached only through its MP, who takes part in a story about
    somewhere else (acts or is quoted). ``area``: the story names only an area that holds the
    seat among several (a county, a council, a city split into seats); not a tag a subscriber
    is shown, and ``tag_text`` leaves it out unless asked.
    """

    PRIMARY = "primary"
    MENTIONED = "mentioned"
    MEMBER = "member"
    AREA = "area"

    @property
    def rank(self) -> int:
        """0 for the strongest relation; sorts primary, mentioned, member."""
        return _ROLE_RANK[self]


_ROLE_RANK = {role: rank for rank, role in enumerate(Role)}


class EvidenceKind(StrEnum):
    """What kind of name was matched."""

    SEAT = "seat"
    MP = "mp"
    CANDIDATE = "candidate"
    PLACE = "place"


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One raw item as a source delivered it, before cleaning.

    Its link is the one thing kept only when it is safe (``links.safe_link``): every later
    step (fetching the page, storing, the digest) reads ``url``, and none of them may get a
    ``javascript:`` link or one with control characters a client library refuses.
    """

    source_name: str
    guid: str
    url: str | None
    title: str
    body: str
    published: datetime | None
    body_is_html: bool = False

    def __post_init__(self) -> None:
        # A frozen dataclass sets its fields once; this is that one time, for ``url``.
        object.__setattr__(self, "url", safe_link(self.url))


@dataclass(frozen=True, slots=True)
class SourceState:
    """What a source remembers between polls.

    ``url`` replaces the configured address once the publisher has moved the feed (301/308)
    or once the feed was discovered from a web page.
    """

    etag: str | None = None
    last_modified: str | None = None
    url: str | None = None


class Evidence(NamedTuple):
    """One matched span of text supporting a seat tag.

    A named tuple rather than a frozen dataclass like its neighbours: just as immutable, and
    tagging builds thousands per poll, and a frozen dataclass is much slower to construct
    (see ``bench/tagging.py``).
    """

    start: int
    end: int
    text: str
    kind: EvidenceKind


class Rejection(NamedTuple):
    """A matched name that was not taken as evidence for any seat, and why (``digest tag``)."""

    start: int
    end: int
    text: str
    kind: EvidenceKind
    reason: str


class SeatTag(NamedTuple):
    """A seat a story is about or mentions (a named tuple, like ``Evidence``)."""

    code: str
    name: str
    boundary_set: str
    role: Role
    score: float
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class Article:
    """A cleaned, stored article."""

    id: int
    source_name: str
    guid: str
    url: str | None
    title: str
    text: str
    published: datetime
    first_seen: datetime
    tags: tuple[SeatTag, ...] = ()
    revised_at: datetime | None = None  # last change of any kind
    updated_at: datetime | None = None  # last material change (new paragraphs)
    story_print: bytes = b""  # its fingerprint for story grouping, b"" if none is stored


@dataclass(frozen=True, slots=True)
class PreparedArticle:
    """An item cleaned, fingerprinted and tagged, ready to store.

    ``published`` is ``None`` when the source gave no date; the store then uses the time
    the article was first seen.
    """

    source_name: str
    guid: str
    url: str | None
    canonical_url: str | None
    content_hash: str
    title: str
    text: str
    published: datetime | None
    boundary_set: str
    tags: tuple[SeatTag, ...]
    item_hash: str = ""  # the raw item (title and body) as delivered, hashed
    story_print: bytes = b""  # ``stories.print_bytes`` of the title and text


@dataclass(frozen=True, slots=True)
class StorySource:
    """One outlet that carried a story, with its link when that is a safe web link.

    Every story's links pass through here, so no consumer (templates, exports, a future
    backend) can get a ``javascript:`` or ``data:`` link from a feed: anything but an
    absolute http(s) link becomes ``None`` and the story is shown without one.
    """

    name: str
    url: str | None

    def __post_init__(self) -> None:
        # A frozen dataclass sets its fields once; this is that one time, for ``url``.
        object.__setattr__(self, "url", safe_link(self.url))


@dataclass(frozen=True, slots=True)
class Story:
    """One story as a reader sees it: a title, a summary and where it came from."""

    id: int
    title: str
    summary: tuple[str, ...]
    published: datetime
    sources: tuple[StorySource, ...]
    role: Role
    updated: bool = False  # shown again because it changed materially since it was sent
    # Every article the story joins, so the same story is recognised in another seat's
    # section, where another article may lead it.
    articles: tuple[int, ...] = ()
    # The lead article's link and GUID as its feed gave them: when the link is a
    # redirector, a GUID that is a web address is the page itself (``compose.reader_link``).
    lead_link: str | None = None
    lead_guid: str = ""
    # For a ``member`` story from before the seat's present MP: the seat's name, so it is
    # badged "SEAT's MP at the time" rather than "your MP elsewhere".
    past_member_of: str = ""

    @property
    def anchor(self) -> str:
        """The id of the story's entry in the HTML, for a link from another seat's list."""
        return f"story-{self.id}"

    @property
    def url(self) -> str | None:
        """The first source's link, the one a reader clicks."""
        return next((s.url for s in self.sources if s.url), None)


@dataclass(frozen=True, slots=True)
class Seat:
    """A Westminster constituency in one boundary set."""

    code: str
    name: str
    boundary_set: str
    county: str
    region: str
    valid_from: date
    valid_to: date | None


@dataclass(frozen=True, slots=True)
class SeatSection:
    """The part of a digest about one seat."""

    key: str
    name: str
    overview: str
    stories: tuple[Story, ...]
    context: str = ""
    # Stories of this seat printed in full under another seat of the same digest (the
    # seat they are most about), listed here by title with a link to that entry.
    elsewhere: tuple[SeeAlso, ...] = ()


@dataclass(frozen=True, slots=True)
class SeeAlso:
    """A story listed under one seat and printed under another: its title, where it is."""

    title: str
    seat_name: str
    anchor: str
    above: bool  # printed in an earlier section of the digest


@dataclass(frozen=True, slots=True)
class Subscriber:
    """Someone who receives a digest for the seats they follow."""

    email: str
    name: str
    seats: tuple[str, ...]
    frequency: Frequency = Frequency.DAILY
    timezone: str = ""  # IANA name; "" for the daemon's


@dataclass(frozen=True, slots=True)
class Digest:
    """One subscriber's digest for one period, before rendering."""

    subscriber: Subscriber
    period: str
    generated_at: datetime
    sections: tuple[SeatSection, ...] = field(default_factory=tuple)

    @property
    def story_count(self) -> int:
        """How many stories the digest holds, over all sections."""
        return sum(len(s.stories) for s in self.sections)


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    """A rendered message ready for a backend."""

    to: str
    sender: str
    subject: str
    html: str
    text: str
    message_bytes: bytes
    message_id: str
    digest_key: str
    story_count: int = 0
    # Headers beyond From/To/Subject/Date that every backend must deliver (List-Unsubscribe,
    # List-Id, Message-ID...): HTTP APIs take them as fields, SMTP has them in message_bytes.
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class SendResult:
    """What a backend reports after accepting a message."""

    backend: str
    message_id: str
    detail: str = ""
