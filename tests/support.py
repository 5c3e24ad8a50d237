"""Helpers several test modules share: feeds to serve, a clock to move, sample digests.

Kept here rather than imported from one test module into another, so each test module
stands alone and a helper has one home.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from typer.testing import CliRunner

from digest.cli import app
from digest.config import Settings, load_config
from digest.models import Digest, Role, SeatSection, Story, StorySource, Subscriber
from tests.conftest import LoopbackServer

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def rss(*items: tuple[str, str, str], ttl: int | None = None) -> bytes:
    """An RSS document with (guid, title, description) items."""
    entries = "".join(
        f"<item><guid>{guid}</guid><title>{title}</title><link>https://example.org/{guid}</link>"
        f"<description>{body}</description></item>"
        for guid, title, body in items
    )
    ttl_tag = f"<ttl>{ttl}</ttl>" if ttl else ""
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{ttl_tag}'
        f"{entries}</channel></rss>"
    ).encode()


BODY = (
    "Norwich North residents met the council about the bus timetable on Tuesday evening, "
    "and the operator promised to publish passenger figures before any change is made."
)


class Clock:
    """A clock the test moves by setting ``now``."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def make_settings(
    tmp_path: Path, server: LoopbackServer, paths: dict[str, str], extra: str = ""
) -> Settings:
    """A config polling ``paths`` of ``server`` as feeds, with ``extra`` in ``[poll]``."""
    lines = [f'[store]\npath = "{tmp_path / "s.sqlite3"}"\n[poll]\ninterval_minutes = 30\n{extra}']
    for name, path in paths.items():
        lines.append(
            f'[[sources]]\nname = "{name}"\nkind = "feed"\nlocation = "{server.url(path)}"\n'
            "full_text = false\n"
        )
    config = tmp_path / "config.toml"
    config.write_text("\n".join(lines), encoding="utf-8")
    return load_config(config)


RSS = """<?xml version="1.0" encoding="{encoding}"?>
<rss version="2.0"><channel><title>Test</title><link>https://example.org/</link><ttl>90</ttl>
<item><title>Café culture in Norwich North</title><link>https://example.org/1</link>
<guid>id-1</guid><description>Norwich North café owners met the council about parking and
deliveries on the high street this week.</description></item>
</channel></rss>"""


def rss_document(encoding: str = "UTF-8") -> bytes:
    """A one-item RSS document in ``encoding``."""
    return RSS.format(encoding=encoding).encode(
        "utf-8" if encoding.upper() == "UTF-8" else encoding
    )


RENDER_NOW = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)


def sample_digest(
    title: str = "Bus routes saved in Sprowston", email_address: str = "a@example.org"
) -> Digest:
    """A one-seat, one-story digest for rendering tests."""
    story = Story(
        id=1,
        title=title,
        summary=("Residents won their campaign.", "The council agreed on Tuesday."),
        published=datetime(2026, 11, 21, 9, 0, tzinfo=UTC),
        sources=(
            StorySource("Eastern News", "https://news.example.org/a?x=1&y=2"),
            StorySource("Other", None),
        ),
        role=Role.PRIMARY,
    )
    section = SeatSection(
        key="E14000863+E14001408", name="Norwich North", overview="1 new story.", stories=(story,)
    )
    return Digest(
        subscriber=Subscriber(email_address, "Alice", ("Norwich North",)),
        period="2026-11-22",
        generated_at=RENDER_NOW,
        sections=(section,),
    )


def run_preview(project: Path, *arguments: str, width: int = 200) -> tuple[int, str]:
    """``digest preview`` in a project folder (the ``project_copy`` fixture): its
    ``config.toml``, previews written to its ``out/``; the exit code and all it printed.

    ``width`` is the terminal's: messages are wrapped to it.
    """
    result = CliRunner().invoke(
        app,
        [
            "preview",
            "--config",
            str(project / "config.toml"),
            "--out",
            str(project / "out"),
            *arguments,
        ],
        terminal_width=width,
    )
    return result.exit_code, result.output


def roles_shown(title: str, body: str, day: date) -> dict[str, Role]:
    """Each seat ``tag_text`` gives an article on ``day``, by name, with its role: what a
    subscriber would be shown."""
    from digest.seats.tagger import tag_text

    _, tags = tag_text(title, body, day)
    return {t.name: t.role for t in tags}
