"""Every ``--json`` example in docs/cli.md has the shape its command prints.

Scripts outside the project read these outputs, and learn their fields from docs/cli.md: an
example with a field the command does not print, or without one it does, misleads them
(docs/cli.md showed ``"configured"`` in ``status``'s sources long after the command
stopped printing it). Each example is compared with the real output on the shipped sample,
key by key, down every nested object and list; values are not compared.
"""

from __future__ import annotations

import json
import re
import shutil
from typing import Any

import pytest
from typer.testing import CliRunner

from digest.cli import app
from tests.conftest import ROOT
from tests.support import run_preview

runner = CliRunner()
DOCS = ROOT / "docs" / "cli.md"
DEDUPE = ROOT / "tests" / "fixtures" / "dedupe" / "articles.jsonl"


def _examples() -> dict[str, Any]:
    """The JSON example of each ``## `digest COMMAND ...``` section, by command."""
    examples = {}
    for section in DOCS.read_text(encoding="utf-8").split("\n## ")[1:]:
        heading, _, body = section.partition("\n")
        command = re.match(r"`digest ([a-z]+(?: [a-z]+)?)\b", heading)
        block = re.search(r"```json\n(.*?)\n```", body, re.S)
        if command and block:
            examples[command.group(1)] = json.loads(block.group(1))
    return examples


EXAMPLES = _examples()


def _differences(shown: Any, real: Any, where: str = "") -> list[str]:
    """Where ``shown`` (the docs) and ``real`` (the command) differ in shape."""
    if isinstance(shown, dict) and isinstance(real, dict):
        found = []
        if shown.keys() != real.keys():
            found.append(
                f"{where or '.'}: not in the docs {sorted(real.keys() - shown.keys())}, "
                f"not printed {sorted(shown.keys() - real.keys())}"
            )
        for key in shown.keys() & real.keys():
            found += _differences(shown[key], real[key], f"{where}.{key}")
        return found
    if isinstance(shown, list) and isinstance(real, list):
        if not shown or not real:
            return []
        # A list of several kinds (seats search: places, seats, MPs) is compared kind by kind.
        kinds = {item.get("kind") for item in shown if isinstance(item, dict)}
        found = []
        for item in real:
            like = [
                s
                for s in shown
                if len(kinds) < 2 or not isinstance(item, dict) or s.get("kind") == item.get("kind")
            ]
            if not like:
                found.append(f"{where}[]: no example of kind {item.get('kind')!r}")
            found += _differences(like[0], item, f"{where}[]") if like else []
        return sorted(set(found))
    if None in (shown, real):
        return []
    if isinstance(shown, dict | list) or isinstance(real, dict | list):
        return [
            f"{where}: the docs show {type(shown).__name__}, the command prints "
            f"{type(real).__name__}"
        ]
    return []


def _json(*arguments: str) -> Any:
    result = runner.invoke(app, [*arguments, "--json"], terminal_width=200)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Each documented command's JSON on the sample config, after a preview (so sources,
    articles and digests exist)."""
    project = tmp_path_factory.mktemp("json-docs") / "project"
    project.mkdir()
    shutil.copy(ROOT / "config.toml", project / "config.toml")
    shutil.copytree(ROOT / "feeds", project / "feeds")
    code, output = run_preview(project)
    assert code == 0, output
    rows = {
        row["id"]: row for row in map(json.loads, DEDUPE.read_text(encoding="utf-8").splitlines())
    }
    files = []
    for key in ("nn-bus", "nn-bus-rw"):
        path = project / f"{key}.txt"
        path.write_text(f"{rows[key]['title']}\n{rows[key]['body']}\n", encoding="utf-8")
        files.append(str(path))
    config = ("--config", str(project / "config.toml"))
    return {
        "tag": _json("tag", files[0], "--date", "2024-09-10"),
        "summarise": _json("summarise", files[0]),
        "stories": _json("stories", *files, "--date", "2024-09-10"),
        "seats search": _json("seats", "search", "norwich"),
        "seats show": _json("seats", "show", "Norwich North"),
        "status": _json("status", *config),
        "sources list": _json("sources", "list", *config),
        "subscribers list": _json("subscribers", "list", *config),
    }


def test_every_command_with_an_example_is_checked() -> None:
    assert sorted(EXAMPLES) == sorted(
        [
            "tag",
            "summarise",
            "stories",
            "seats search",
            "seats show",
            "status",
            "sources list",
            "subscribers list",
        ]
    )


@pytest.mark.parametrize("command", sorted(EXAMPLES))
def test_the_example_has_the_printed_shape(command: str, outputs: dict[str, Any]) -> None:
    assert _differences(EXAMPLES[command], outputs[command]) == [], command
