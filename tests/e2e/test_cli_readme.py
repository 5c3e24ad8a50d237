"""The README's "try your own" commands work as written on a fresh clone."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app
from tests.conftest import ROOT

runner = CliRunner()


def _try_your_own() -> list[list[str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Try your own", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "no sh block under 'Try your own'"
    return [shlex.split(line)[1:] for line in block.group(1).splitlines() if line.strip()]


@pytest.mark.parametrize("arguments", _try_your_own(), ids=" ".join)
def test_try_your_own_example_works(
    arguments: list[str], project_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "../shared" not in " ".join(arguments)
    monkeypatch.chdir(project_copy)
    out = arguments.index("--out") + 1
    arguments = [*arguments[:out], str(tmp_path / "out"), *arguments[out + 1 :]]
    result = runner.invoke(app, arguments)
    assert result.exit_code == 0, result.output
    assert list((tmp_path / "out").glob("*.html")), result.output
