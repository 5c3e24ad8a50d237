"""The configuration's tables as pydantic models: one per ``config.toml`` table, and ``Settings``.

Each model forbids unknown keys, so a typo is an error rather than a silently ignored
setting (``load`` turns it into a message naming the key and the fix). Defaults here are
the shipped defaults; ``config.toml`` repeats each key with a comment (``tests/test_docs.py``).
Secrets never live in the file: keys ending in ``_env`` name the environment variable to read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from digest.bounds import MAX_TEXT_CHARS
from digest.config.checks import (
    AddressNotAsciiError,
    checked_address,
    checked_timezone,
    crontab,
)
from digest.models import (
    Frequency,
    LiveCoverage,
    ResendUpdates,
    SourceKind,
    SubscriberStatus,
    SummaryMethod,
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StoreConfig(_Section):
    """``[store]``: where state lives."""

    path: Path = Path("var/seatwatch.sqlite3")
    # The daemon's daily housekeeping drops article text, cached pages and digest records
    # older than this; at least two weeks, so "new since the last digest" and story grouping
    # always find what they compare against.
    keep_days: int = Field(default=90, ge=14)


class PollConfig(_Section):
    """``[poll]``: how sources are fetched."""

    timeout_seconds: float = Field(default=20.0, gt=0)
    connect_timeout_seconds: float = Field(default=10.0, gt=0)
    total_timeout_seconds: float = Field(default=60.0, gt=0)
    max_bytes: int = Field(default=10_000_000, gt=0)
    max_redirects: int = Field(default=5, ge=0, le=20)
    max_items_per_source: int = Field(default=200, gt=0)
    user_agent: str = "seatwatch/0.1 (+https://example.org/seatwatch; digest@example.org)"
    interval_minutes: int = Field(default=30, gt=0)
    concurrency: int = Field(default=32, ge=1, le=256)
    per_host_connections: int = Field(default=2, ge=1, le=32)
    max_backoff_hours: float = Field(default=24.0, gt=0)
    workers: int = Field(default=0, ge=0, le=64)
    # Article pages and redirects may reach private addresses (loopback, 10/8, 192.168/16,
    # link-local...) only for sources whose own address is private, unless this is true.
    allow_private_addresses: bool = False
    # Seconds one source may spend fetching its article pages (full_text) in one poll.
    page_budget_seconds: float = Field(default=30.0, gt=0)

    @field_validator("user_agent")
    @classmethod
    def _user_agent_has_contact(cls, value: str) -> str:
        if "@" not in value and "http" not in value:
            raise ValueError(
                "put a contact address or URL in the User-Agent, e.g. "
                '"seatwatch/0.1 (+https://example.org; you@example.org)"'
            )
        return value


FullText = Literal["auto"] | bool


class SourceConfig(_Section):
    """One ``[[sources]]`` entry."""

    name: str = Field(min_length=1)
    kind: SourceKind
    location: str = Field(min_length=1)
    enabled: bool = True
    full_text: FullText = "auto"
    # The county or district the outlet covers ("Essex", "Rochford"): decides which of two
    # same-named places an article means when the article itself does not say.
    area: str = ""


class SummariseConfig(_Section):
    """``[summarise]``: story summaries."""

    sentences: int = Field(default=2, ge=1, le=10)
    # "extractive" (sentences of the articles) or "openai": any OpenAI-compatible
    # chat-completions endpoint writes them, the extractive summary standing in on any error.
    method: SummaryMethod = SummaryMethod.EXTRACTIVE
    base_url: str = "https://api.openai.com/v1"
    model: str = "gpt-4o-mini"
    api_key_env: str = "OPENAI_API_KEY"
    timeout_seconds: float = Field(default=20.0, gt=0)


class StoriesConfig(_Section):
    """``[stories]``: when articles are one story (see ``digest/stories/verdict.py``)."""

    same_text: float = Field(default=0.5, gt=0, le=1)
    same_text_containment: float = Field(default=0.75, gt=0, le=1)
    same_text_words: float = Field(default=0.5, gt=0, le=1)
    same_event_words: float = Field(default=0.3, gt=0, le=1)
    same_event_words_with_names: float = Field(default=0.15, gt=0, le=1)
    same_event_names: float = Field(default=0.2, gt=0, le=1)
    same_event_days: float = Field(default=3.0, ge=0)
    # Each report's lead (title and opening words) must be this much told by the other, and
    # at least this ratio of the other way round: a follow-up repeats the earlier story, the
    # earlier one never tells the follow-up's news.
    same_event_lede: float = Field(default=0.2, ge=0, le=1)
    same_event_lede_ratio: float = Field(default=0.4, ge=0, le=1)
    # Event evidence (a shared quote 2-3, each shared figure 1, each other shared name 0.5)
    # that joins reports sharing few words.
    same_event_evidence: float = Field(default=2.5, gt=0)


class DigestConfig(_Section):
    """``[digest]``: what goes into a digest and how it is addressed."""

    title: str = "seatwatch"
    from_address: str = "seatwatch <digest@example.org>"
    subject: str = "{title}: news for {seats}"
    lookback_days: int = Field(default=7, ge=1)
    max_stories_per_seat: int = Field(default=10, ge=1)
    # How much of an article a summary reads, and how long one summary sentence may be;
    # longer ones are cut at a paragraph, sentence or word end (``digest/bounds.py``). Texts
    # are stored bounded at MAX_TEXT_CHARS when polled, so a summary cannot read more.
    max_text_chars: int = Field(default=MAX_TEXT_CHARS, ge=1_000, le=MAX_TEXT_CHARS)
    max_sentence_chars: int = Field(default=400, ge=40, le=2_000)
    send_empty: bool = False
    # A story already sent whose article was revised: shown again (marked "Updated") when
    # the revision is "material" (a new paragraph), "always", or "never".
    resend_updates: ResendUpdates = ResendUpdates.MATERIAL
    # Live blogs and match reports (``digest/stories/live.py``): in seat sections with a line
    # saying so instead of extracts ("label"), or left out ("omit").
    live_coverage: LiveCoverage = LiveCoverage.LABEL
    list_id: str = "seatwatch.example.org"
    unsubscribe_url: str = "https://example.org/unsubscribe?token={token}"
    # A mailbox that unsubscribes whoever writes to it with the token in the subject; empty
    # for none. Mail clients without RFC 8058 one-click support use it.
    unsubscribe_mailto: str = ""
    secret_env: str = "SEATWATCH_SECRET"

    @field_validator("unsubscribe_mailto")
    @classmethod
    def _mailto_address(cls, value: str) -> str:
        return checked_address(value) if value.strip() else ""

    @field_validator("subject")
    @classmethod
    def _subject_placeholders(cls, value: str) -> str:
        try:
            value.format(title="t", seats="s", date="d")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(
                f"unknown placeholder {exc}; use only {{title}}, {{seats}} and {{date}}"
            ) from exc
        return value


class RenderConfig(_Section):
    """``[render]``: templates."""

    templates_dir: Path | None = None


class DaemonConfig(_Section):
    """``[daemon]``: what ``digest run`` does when."""

    poll_every_seconds: int = Field(default=60, ge=1)
    send_cron: str = "0 7 * * *"
    timezone: str = "Europe/London"
    retry_seconds: int = Field(default=60, ge=1)
    max_retries: int = Field(default=8, ge=0, le=30)
    # /metrics (Prometheus) and /healthz on 127.0.0.1:http_port while `digest run` runs; 0: off.
    http_port: int = Field(default=0, ge=0, le=65535)
    # On SIGTERM/SIGINT the running job may finish for this long; then the daemon exits 1.
    stop_timeout_seconds: int = Field(default=120, ge=1)

    @field_validator("send_cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        crontab(value)  # raises with the fix when it is neither a preset nor a crontab
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return checked_timezone(value)


class DeliveryConfig(BaseModel):
    """``[delivery]``: the backend name, and one sub-table of options per backend."""

    model_config = ConfigDict(extra="allow", frozen=True)

    backend: str = "file"
    # A send that fails temporarily (4xx, 429, a dropped connection) is tried this many
    # times in the run, waiting retry_wait_seconds, then about twice as long each time
    # (with jitter; a server's Retry-After wins); then the next run tries again.
    attempts: int = Field(default=3, ge=1, le=10)
    retry_wait_seconds: float = Field(default=2.0, gt=0, le=60)
    # A message larger than this is not sent (an error for that message, logged and shown
    # by `digest status`), never cut short: most providers refuse 10-25 MB.
    max_message_bytes: int = Field(default=10_000_000, ge=100_000)

    def options(self, name: str) -> dict[str, Any]:
        """The ``[delivery.<name>]`` table, or an empty one."""
        extra = self.model_extra or {}
        value = extra.get(name, {})
        return dict(value) if isinstance(value, dict) else {}


class SubscriberConfig(_Section):
    """One ``[[subscribers]]`` entry."""

    email: str
    name: str = ""
    seats: list[str] = Field(min_length=1)
    # One digest per day or per ISO week, dated in the subscriber's time zone ("" for the
    # daemon's). Paused and unsubscribed subscribers are kept but sent nothing.
    frequency: Frequency = Frequency.DAILY
    timezone: str = ""
    status: SubscriberStatus = SubscriberStatus.ACTIVE

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return checked_timezone(value) if value.strip() else ""

    @field_validator("email")
    @classmethod
    def _deliverable_syntax(cls, value: str) -> str:
        try:
            return checked_address(value)
        except AddressNotAsciiError as exc:
            # Its own error type, so the config error carries its own fix (``load._HINTS``).
            raise PydanticCustomError(
                "address_not_ascii", "{reason}", {"reason": str(exc)}
            ) from exc


class Settings(_Section):
    """The whole configuration."""

    store: StoreConfig = StoreConfig()
    poll: PollConfig = PollConfig()
    sources: list[SourceConfig] = []
    summarise: SummariseConfig = SummariseConfig()
    stories: StoriesConfig = StoriesConfig()
    digest: DigestConfig = DigestConfig()
    render: RenderConfig = RenderConfig()
    daemon: DaemonConfig = DaemonConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    subscribers: list[SubscriberConfig] = []
    base_dir: Path = Path()
    config_path: Path | None = None

    def resolve(self, path: Path | str) -> Path:
        """A path from the config, relative to the config file's folder."""
        return resolve_path(self.base_dir, path)


def resolve_path(base_dir: Path, path: Path | str) -> Path:
    """A path from the config, relative to ``base_dir`` (the config file's folder).

    For the stages that get a section and the folder rather than the whole ``Settings``.
    """
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else base_dir / candidate
