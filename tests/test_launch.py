"""The console script starts the worker fork server only for commands that use workers."""

from __future__ import annotations

import typer.main

from digest.cli import app
from digest.cli.launch import OPTIONS_WITH_VALUE, POOLED_COMMANDS, starts_fork_server


def test_pooled_commands_start_the_fork_server() -> None:
    assert starts_fork_server(["poll"])
    assert starts_fork_server(["send", "--dry-run"])
    assert starts_fork_server(["-v", "run", "--config", "c.toml"])
    assert starts_fork_server(["--log-format", "json", "preview", "--out", "x"])
    assert starts_fork_server(["--log-format=json", "send"])


def test_a_pooled_name_as_an_argument_does_not() -> None:
    # An article file called "poll", a config called "send": only the command word counts.
    assert not starts_fork_server(["tag", "poll"])
    assert not starts_fork_server(["summarise", "send", "--sentences", "2"])
    assert not starts_fork_server(["stories", "run", "preview"])
    assert not starts_fork_server(["--log-format", "send", "tag", "x.txt"])
    assert not starts_fork_server(["seats", "search", "poll"])
    assert not starts_fork_server(["--help"])
    assert not starts_fork_server([])


def test_the_launcher_knows_the_apps_commands_and_options() -> None:
    group = typer.main.get_command(app)
    assert set(getattr(group, "commands", {})) >= POOLED_COMMANDS
    taking_values = {
        name
        for param in group.params
        if param.param_type_name == "option"
        and not getattr(param, "is_flag", False)
        and not getattr(param, "count", False)
        for name in param.opts
    }
    assert taking_values == OPTIONS_WITH_VALUE
