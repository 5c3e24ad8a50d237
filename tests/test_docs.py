"""The docs keep up with the code: every config key commented, every command documented."""

from __future__ import annotations

import re

from pydantic import BaseModel

from digest.cli import app
from digest.config import Settings
from digest.delivery.backends import available_backends
from tests.conftest import ROOT

INTERNAL = {"base_dir", "config_path"}


def _section_keys() -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for name, field in Settings.model_fields.items():
        if name in INTERNAL:
            continue
        annotation = field.annotation
        model = getattr(annotation, "__args__", (annotation,))[0]
        if isinstance(model, type) and issubclass(model, BaseModel):
            keys[name] = list(model.model_fields)
    return keys


def test_every_config_key_is_in_the_shipped_config_with_a_comment() -> None:
    text = (ROOT / "config.toml").read_text()
    lines = text.splitlines()
    for section, keys in _section_keys().items():
        assert re.search(rf"^\[\[?{section}\]?\]", text, re.M), f"[{section}] missing"
        for key in keys:
            pattern = re.compile(rf"^#?\s*{key}\s*=")
            found = [i for i, line in enumerate(lines) if pattern.match(line)]
            assert found, f"{section}.{key} is not in config.toml"
            commented_above = any(lines[i - 1].lstrip().startswith("#") for i in found)
            listed_in_table_comment = re.search(rf"^#\s+{key}\s", text, re.M)
            assert commented_above or listed_in_table_comment, (
                f"{section}.{key} has no comment in config.toml"
            )


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    commands = [
        c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands
    ]
    commands += [g.name or "" for g in app.registered_groups]
    assert len(commands) >= 6
    for command in commands:
        assert command and f"digest {command}" in readme, command
    for group in app.registered_groups:
        assert group.typer_instance is not None
        for sub in group.typer_instance.registered_commands:
            name = sub.name or (sub.callback.__name__ if sub.callback else "")
            assert f"digest {group.name} {name}" in readme, f"{group.name} {name}"


def test_every_backend_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for name in available_backends():
        assert f"| `{name}` |" in readme


def test_readme_opens_with_the_two_commands() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", (ROOT / "README.md").read_text(), re.S)
    assert "digest preview" in blocks[0]
    assert "pytest" in blocks[1]
