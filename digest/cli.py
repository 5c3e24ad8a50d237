"""The ``digest`` command line: one small function per command, grouped by module.

``cli_digest`` (preview, poll, status), ``cli_article`` (tag, summarise, seats),
``cli_sources`` (sources), ``cli_stories`` (stories), ``cli_subscribers`` (subscribers).
Importing them registers their commands on the shared app.
"""

from __future__ import annotations

from digest import cli_article, cli_digest, cli_sources, cli_stories, cli_subscribers
from digest.cli_common import app

__all__ = [
    "app",
    "cli_article",
    "cli_digest",
    "cli_sources",
    "cli_stories",
    "cli_subscribers",
    "main",
]


def main() -> None:
    """Console-script entry point."""
    app()
