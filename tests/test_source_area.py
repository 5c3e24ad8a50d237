"""A source's home area decides between same-named places; it is validated like any setting.

Rochford is a town and district in Essex and a parish in Worcestershire (West Worcestershire).
A story that names only "Rochford" means the Essex town, unless it comes from an outlet
that covers Worcestershire.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from digest.cli import app
from digest.config import SourceConfig, load_config
from digest.errors import ConfigError
from digest.models import SourceKind
from digest.pipeline import poll_configured
from digest.store.core import Store
from digest.store.schema import SCHEMA_VERSION
from tests.conftest import LoopbackServer, Route

runner = CliRunner()
NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
PARISH_STORY = (
    "Rochford parish council voted on Tuesday to back a new footpath beside the church, "
    "after residents asked for a safer route to the village hall."
)


def feed(guid: str, title: str, body: str) -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        f"<item><guid>{guid}</guid><title>{title}</title><link>https://example.org/{guid}</link>"
        f"<pubDate>Sat, 01 Mar 2025 08:00:00 GMT</pubDate><description>{body}</description>"
        "</item></channel></rss>"
    ).encode()


def seats_by_title(store: Store) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT a.title, t.name FROM articles a JOIN seat_tags t ON t.article_id = a.id"
            )
        )
        for title, seat in rows:
            found.setdefault(title, set()).add(seat)
    return found


def test_polled_story_uses_its_sources_area(tmp_path: Path, http_server: LoopbackServer) -> None:
    http_server.routes["/worcs"] = Route(feed("w1", "Parish backs footpath", PARISH_STORY))
    http_server.routes["/plain"] = Route(
        feed("p1", "Footpath plan backed", PARISH_STORY.replace("church", "old church"))
    )
    config = tmp_path / "config.toml"
    config.write_text(
        f'[store]\npath = "{tmp_path / "s.sqlite3"}"\n'
        f'[[sources]]\nname = "Worcs"\nkind = "feed"\nlocation = "{http_server.url("/worcs")}"\n'
        'full_text = false\narea = "Worcestershire"\n'
        f'[[sources]]\nname = "Plain"\nkind = "feed"\nlocation = "{http_server.url("/plain")}"\n'
        "full_text = false\n",
        encoding="utf-8",
    )
    settings = load_config(config)
    store = Store.open(settings.resolve(settings.store.path))
    poll_configured(settings, store, clock=lambda: NOW)
    seats = seats_by_title(store)
    assert seats["Parish backs footpath"] == {"West Worcestershire"}
    # Without an area, "Rochford" is the Essex district, which holds several seats: an area,
    # not a tag (issue 18; this test expected the Essex seats before).
    assert not seats.get("Footpath plan backed", set()) & {"West Worcestershire"}
    store.close()


def test_unknown_area_in_config_names_file_key_and_closest(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[[sources]]\nname = "a"\nkind = "folder"\nlocation = "."\narea = "Esex"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    message = str(caught.value)
    assert str(config) in message and "sources[0].area" in message
    assert "unknown area 'Esex'" in message and "'Essex'" in message


def test_tag_command_takes_an_area(tmp_path: Path) -> None:
    article = tmp_path / "story.txt"
    article.write_text(f"Parish backs footpath\n{PARISH_STORY}\n", encoding="utf-8")
    args = ["tag", str(article), "--date", "2025-03-01", "--json"]
    plain = json.loads(runner.invoke(app, args).output)
    worcs = json.loads(runner.invoke(app, [*args, "--area", "Malvern Hills"]).output)
    assert "West Worcestershire" not in {s["name"] for s in plain["seats"]}
    assert {s["name"] for s in worcs["seats"]} == {"West Worcestershire"}
    wrong = runner.invoke(app, ["tag", str(article), "--area", "Worcs"])
    assert wrong.exit_code == 2
    assert "unknown area 'Worcs'" in wrong.output and "'Worcester'" in wrong.output


def test_added_source_keeps_its_area(tmp_path: Path) -> None:
    (tmp_path / "articles").mkdir()
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\npath = "{tmp_path / "s.sqlite3"}"\n', encoding="utf-8")
    base = ["sources", "add", str(tmp_path / "articles"), "--name", "Local", "--config"]
    refused = runner.invoke(app, [*base, str(config), "--area", "Nowhereshire"])
    assert refused.exit_code == 2 and "unknown area 'Nowhereshire'" in refused.output
    added = runner.invoke(app, [*base, str(config), "--area", "Rochford"])
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, ["sources", "list", "--config", str(config), "--json"])
    (source,) = json.loads(listed.output)["sources"]
    assert source["area"] == "Rochford"


def test_store_of_schema_1_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    Store.open(path).close()
    # Make it what seatwatch with schema 1 wrote: no area column, version 1.
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE sources DROP COLUMN area"))
        conn.execute(sa.text("ALTER TABLE sources DROP COLUMN feed_title"))
        for column in ("item_hash", "revised_at", "updated_at"):
            conn.execute(sa.text(f"ALTER TABLE articles DROP COLUMN {column}"))
        conn.execute(sa.text("ALTER TABLE digests DROP COLUMN attempts"))
        for column in ("frequency", "timezone", "status"):
            conn.execute(sa.text(f"ALTER TABLE subscribers DROP COLUMN {column}"))
        conn.execute(sa.text("DROP TABLE article_prints"))
        for column in ("lease_owner", "lease_until", "unknown_count"):
            conn.execute(sa.text(f"ALTER TABLE digests DROP COLUMN {column}"))
        for column in ("failures", "next_try", "error"):
            conn.execute(sa.text(f"ALTER TABLE pages DROP COLUMN {column}"))
        conn.execute(sa.text("UPDATE meta SET value = '1' WHERE key = 'schema_version'"))
    engine.dispose()

    store = Store.open(path)
    assert store.schema_version() == SCHEMA_VERSION == 9
    store.sources.add(
        SourceConfig(name="Local", kind=SourceKind.FOLDER, location=".", area="Essex"), NOW
    )
    assert [s.area for s in store.sources.added()] == ["Essex"]
    store.close()
