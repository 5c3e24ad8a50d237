"""The ``digest`` console script: starts the worker fork server, then the command line.

Kept to the standard library so that the fork server (``workers.py``), started here for
the commands that poll or compose, loads the preparing code on the idle second core while
this process is still importing the command line (about a second).
"""

from __future__ import annotations

import gc
import sys

# Commands that may poll or compose with worker processes.
POOLED_COMMANDS = frozenset({"send", "poll", "preview", "run"})


def main() -> None:
    """Console-script entry point."""
    if POOLED_COMMANDS.intersection(sys.argv[1:]):
        from digest.parallel.workers import start_fork_server

        start_fork_server()
    # Importing the command line creates a few hundred thousand objects that live as long as
    # the process: the collector is kept out of the way while they are made (it would scan
    # them again and again, about a tenth of the import time) and then told to leave them.
    gc.disable()
    try:
        from digest.cli import main as run_command_line
    finally:
        gc.freeze()
        gc.enable()
    run_command_line()
