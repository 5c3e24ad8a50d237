"""``digest sources``: list, add, remove, import and export the sources polled.

Configured sources live in ``config.toml``; added ones live in the store. Both are polled,
and ``list`` says where each comes from. Additions are validated before they are kept: the
address must be http(s) (or an existing local path), the name unique.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.table import Table

from digest.cli.common import (
    ConfigOption,
    JsonOption,
    check_file,
    configured_store,
    console,
    errors,
    iso,
    plural,
    reported,
    sources_app,
    store_for,
    when,
)
from digest.clock import utc_now
from digest.config import FullText, Settings, SourceConfig, check_area, load_config
from digest.errors import ConfigError, SourceError
from digest.models import SourceKind, SourceState
from digest.polling import all_sources
from digest.sources.base import is_url, outlet_name, source_for_location


def _validated(location: str, name: str | None, full_text: str, area: str = "") -> SourceConfig:
    if area:
        check_area(area, key="--area")
    choice: FullText
    if full_text.lower() == "auto":
        choice = "auto"
    elif full_text.lower() in ("true", "false"):
        choice = full_text.lower() == "true"
    else:
        raise ConfigError(
            f"--full-text {full_text!r}", key="--full-text", hint="use auto, true or false"
        )
    source = source_for_location(location, key="URL", name=name, full_text=choice)
    return source.model_copy(update={"area": area}) if area else source


@sources_app.command("list")
def list_sources(config: Path = ConfigOption, as_json: bool = JsonOption) -> None:
    """Every source polled, with where it comes from (config or added)."""
    with reported(), configured_store(config) as (settings, store):
        sources = all_sources(settings.sources, store)
        statuses = store.sources.statuses()
    configured = {s.name for s in settings.sources}
    rows = [
        {
            "name": s.name,
            "kind": s.kind.value,
            "location": s.location,
            "origin": "config" if s.name in configured else "added",
            "enabled": s.enabled,
            "full_text": s.full_text,
            "area": s.area,
            "polling": (statuses[s.name].url if s.name in statuses else None) or s.location,
            "last_success": iso(statuses[s.name].last_success_at) if s.name in statuses else None,
            "feed_title": statuses[s.name].feed_title if s.name in statuses else None,
            "shown_as": outlet_name(
                s.name, s.location, statuses[s.name].feed_title if s.name in statuses else None
            ),
        }
        for s in sources
    ]
    if as_json:
        console.print_json(json.dumps({"sources": rows}))
        return
    table = Table(title=plural(len(rows), "source"))
    for column in ("Name", "Shown as", "Kind", "From", "Location", "Last success"):
        table.add_column(column, overflow="fold")
    for row, source in zip(rows, sources, strict=True):
        location = str(row["location"])
        if row["polling"] != location:
            location += f"\n(now polling {row['polling']})"
        status = statuses.get(source.name)
        table.add_row(
            str(row["name"]),
            str(row["shown_as"]),
            str(row["kind"]),
            str(row["origin"]),
            location,
            when(status.last_success_at if status else None),
        )
    console.print(table)


@sources_app.command("add")
def add_source(
    url: str = typer.Argument(..., help="A feed URL (or a feed file or article folder)."),
    name: str | None = typer.Option(None, "--name", help="Name shown in digests and status."),
    full_text: str = typer.Option(
        "auto", "--full-text", help="Fetch article pages for teasers: auto, true or false."
    ),
    area: str = typer.Option(
        "",
        "--area",
        help='The county or district the outlet covers, e.g. "Essex": decides between '
        "same-named places when an article does not say.",
    ),
    no_check: bool = typer.Option(
        False,
        "--no-check",
        help="Add it without fetching it once first (the first poll will tell).",
    ),
    config: Path = ConfigOption,
) -> None:
    """Add a source to the store; it is polled with the configured ones.

    The address is fetched once first, within the [poll] limits and address policy, and
    what it holds is reported; an address that answers with no feed is not added.
    """
    with reported():
        settings = load_config(config)
        source = _validated(url, name, full_text, area)
        if source.name in {s.name for s in settings.sources}:
            raise ConfigError(
                f"config.toml already has a source called {source.name!r}",
                key="--name",
                hint="choose another --name",
            )
        found = None if no_check else _checked(source, settings)
        with store_for(settings, None, temporary=False) as store:
            store.sources.sync_configured(list(settings.sources))
            store.sources.add(source, utc_now())
    console.print(f"added {source.name!r} ({source.location})", highlight=False)
    console.print(
        found or "not checked (--no-check): the first poll will say whether it is a feed",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )


def _checked(source: SourceConfig, settings: Settings) -> str:
    """What ``source`` holds now, fetched once as a poll would (no article pages); a
    ``SourceError`` saying why when it holds no feed."""
    from digest.sources.factory import build_source  # feed parsing: only when checking

    offline = source.model_copy(update={"full_text": False})
    checked = build_source(offline, settings.poll, settings.base_dir)
    try:
        result = checked.poll(SourceState())
    except SourceError as exc:
        raise SourceError(
            f"not added: {exc}. Fix the address, or add it unchecked with --no-check"
        ) from exc
    kind = "article folder" if source.kind is SourceKind.FOLDER else "feed"
    newest = max(
        ((i.published, i.title) for i in result.items if i.published is not None), default=None
    )
    notes = [w for w in result.warnings if "web page; using its feed" in w]
    return (
        f"checked: a {kind} with {plural(len(result.items), 'item')}"
        + (f", the newest {newest[0]:%Y-%m-%d}: {newest[1]!r}" if newest else "")
        + "".join(f"; {note}" for note in notes)
    )


@sources_app.command("remove")
def remove_source(
    name: str = typer.Argument(..., help="The source's name, as `digest sources list` shows."),
    config: Path = ConfigOption,
) -> None:
    """Remove a source added with `digest sources add` or `import`."""
    with reported():
        settings = load_config(config)
        if name in {s.name for s in settings.sources}:
            raise ConfigError(
                f"{name!r} comes from config.toml",
                path=settings.config_path,
                key="sources",
                hint="delete its [[sources]] entry from the config file instead",
            )
        with store_for(settings, None, temporary=False) as store:
            store.sources.remove(name)
    console.print(f"removed {name!r}", highlight=False)


@sources_app.command("import")
def import_sources(
    file: Path = typer.Argument(..., help="An OPML file, as feed readers export."),
    config: Path = ConfigOption,
) -> None:
    """Add every feed of an OPML file (already known addresses are left as they are)."""
    with reported():
        settings = load_config(config)
        check_file(file, key="FILE", hint="give an OPML file")
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise ConfigError(f"{file}: {exc.strerror}", key="FILE", hint="check the path") from exc
        from digest.sources.opml import read_opml  # lxml: only for OPML files

        feeds, skipped = read_opml(content, str(file))
        added = 0
        with store_for(settings, None, temporary=False) as store:
            known = {s.location for s in all_sources(settings.sources, store)}
            names = {s.name for s in all_sources(settings.sources, store)}
            for feed in feeds:
                if feed.url in known:
                    skipped.append(f"{feed.title}: already a source")
                    continue
                name = feed.title
                suffix = 2
                while name in names:
                    name = f"{feed.title} ({suffix})"
                    suffix += 1
                store.sources.add(_validated(feed.url, name, "auto"), utc_now())
                known.add(feed.url)
                names.add(name)
                added += 1
    console.print(f"imported {added} of {plural(len(feeds), 'feed')} from {file}", highlight=False)
    for reason in skipped:
        errors.print(f"skipped {reason}", highlight=False)


@sources_app.command("export")
def export_sources(
    config: Path = ConfigOption,
    out: Path | None = typer.Option(None, "--out", "-o", help="Write here instead of stdout."),
) -> None:
    """Write every feed source (configured and added) as OPML 2.0.

    Local feed files are written as file:// addresses; article folders are not feeds and
    are left out (the count is printed).
    """
    with reported(), configured_store(config) as (settings, store):
        sources = all_sources(settings.sources, store)
    from digest.sources.opml import OpmlFeed, write_opml

    feeds = [
        OpmlFeed(
            s.name, s.location if is_url(s.location) else settings.resolve(s.location).as_uri()
        )
        for s in sources
        if s.kind is SourceKind.FEED
    ]
    folders = sum(1 for s in sources if s.kind is SourceKind.FOLDER)
    document = write_opml(feeds, f"{settings.digest.title} sources")
    if out is None:
        sys.stdout.buffer.write(document)
    else:
        out.write_bytes(document)
        console.print(f"wrote {plural(len(feeds), 'feed')} to {out}", highlight=False)
    if folders:
        errors.print(f"left out {plural(folders, 'article folder')} (not feeds)", highlight=False)
