"""The ``digest`` command line: one small function per command, grouped by module.

``pipeline`` (preview, poll, send, run), ``status`` (status), ``article`` (tag, summarise, seats),
``sources`` (sources), ``stories`` (stories), ``subscribers`` (subscribers). Importing them
registers their commands on the shared app (``common.app``).
"""

from __future__ import annotations

from digest.cli import article, pipeline, sources, status, stories, subscribers
from digest.cli.common import app

__all__ = ["app", "article", "main", "pipeline", "sources", "status", "stories", "subscribers"]


def main() -> None:
    """Console-script entry point."""
    app()
