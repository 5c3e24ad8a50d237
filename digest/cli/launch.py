"""The ``digest`` console script: starts the worker fork server, then the command line.

Kept to the standard library so that the fork server (``digest.parallel.workers``), started
here for the commands that poll or compose, loads the preparing code on the idle second core
while this process is still importing the command line (about a second). Only the command
word counts: ``digest tag poll`` tags a file called "poll" and starts no fork server.
"""

from __future__ import annotations

import gc
import sys

# Commands that may poll or compose with worker processes.
POOLED_COMMANDS = frozenset({"send", "poll", "preview", "run"})
# The options before the command that take a value (``digest --log-format json send``): the
# value is not the command word. A test holds this to the app's own options.
OPTIONS_WITH_VALUE = frozenset({"--log-format"})


def command_word(arguments: list[str]) -> str | None:
    """The command ``arguments`` (``sys.argv[1:]``) name: the first word that is neither an
    option nor an option's value, or None (``digest --help``)."""
    words = iter(arguments)
    for word in words:
        if word == "--":
            return next(words, None)
        if word in OPTIONS_WITH_VALUE:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def starts_fork_server(arguments: list[str]) -> bool:
    """True when the command may use worker processes: ``digest poll`` does, while
    ``digest tag poll`` (an article file named "poll") does not."""
    return command_word(arguments) in POOLED_COMMANDS


def main() -> None:
    """Console-script entry point."""
    if starts_fork_server(sys.argv[1:]):
        from digest.parallel.workers import start_fork_server

        start_fork_server()
    # Importing the command line creates a few hundred thousand objects that live as long as
    # the process: the collector is kept out of the way while they are made (it would scan
    # them again and again as they pile up) and then told to leave them.
    gc.disable()
    try:
        from digest.cli.commands import main as run_command_line
    finally:
        gc.freeze()
        gc.enable()
    run_command_line()
