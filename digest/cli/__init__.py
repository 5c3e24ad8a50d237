"""The ``digest`` command line: the console entry point and one module per command group.

``launch`` is the console script (it starts the worker fork server before anything heavy
is imported), ``commands`` gathers the command groups onto one typer app, ``common`` holds
what every command shares, ``article_files`` reads the article files that ``tag``,
``summarise`` and ``stories`` take. This module stays free of imports so that importing
``digest.cli.launch`` loads nothing but the standard library; ``app`` and ``main`` load the
command line when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer

    app: typer.Typer

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point: run the command line."""
    from digest.cli.commands import main as run_command_line

    run_command_line()


def __getattr__(name: str) -> Any:
    """``digest.cli.app``, imported on first use (it loads every command module)."""
    if name == "app":
        from digest.cli.commands import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
