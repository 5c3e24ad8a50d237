"""Bad configuration names the file, the key and the fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from digest.config import load_config
from digest.errors import ConfigError
from tests.conftest import ROOT


def test_shipped_config_loads() -> None:
    settings = load_config(ROOT / "config.toml")
    assert settings.summarise.sentences == 2
    assert settings.delivery.backend == "file"
    assert settings.delivery.options("file") == {"out_dir": "previews"}
    assert {s.kind.value for s in settings.sources} == {"folder", "feed"}
    assert settings.resolve(settings.store.path) == ROOT / "var" / "seatwatch.sqlite3"


def test_missing_file() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(Path("/nonexistent/config.toml"))
    assert "/nonexistent/config.toml" in str(caught.value)
    assert "--config" in str(caught.value)


def test_unknown_key_suggests_the_right_one(write_config: Callable[[str], Path]) -> None:
    path = write_config("[summarise]\nsentence = 3\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert str(path) in message
    assert "summarise.sentence" in message
    assert "did you mean 'sentences'" in message


def test_wrong_type(write_config: Callable[[str], Path]) -> None:
    path = write_config('[digest]\nmax_stories_per_seat = "ten"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.key == "digest.max_stories_per_seat"
    assert "whole number" in str(caught.value)


def test_a_summary_cannot_read_more_than_is_stored(write_config: Callable[[str], Path]) -> None:
    """Articles are stored cut at 200,000 characters: a larger ``max_text_chars`` would
    promise what no summary can read, so it is refused with the limit named."""
    path = write_config("[digest]\nmax_text_chars = 500000\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "max_text_chars" in message and "200000" in message.replace(",", "")
    assert str(path) in message


def test_bad_source_kind_lists_the_choices(write_config: Callable[[str], Path]) -> None:
    path = write_config('[[sources]]\nname = "x"\nkind = "web"\nlocation = "y"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.key == "sources[0].kind"
    assert "'folder'" in str(caught.value) and "'feed'" in str(caught.value)


def test_invalid_toml(write_config: Callable[[str], Path]) -> None:
    path = write_config("[store\npath = 1\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


def test_duplicate_source_names(write_config: Callable[[str], Path]) -> None:
    entry = '[[sources]]\nname = "x"\nkind = "folder"\nlocation = "y"\n'
    with pytest.raises(ConfigError, match="used twice"):
        load_config(write_config(entry + entry))


def test_bad_subject_placeholder(write_config: Callable[[str], Path]) -> None:
    with pytest.raises(ConfigError, match="placeholder"):
        load_config(write_config('[digest]\nsubject = "{title} {nope}"\n'))


def test_delivery_scalar_that_is_not_a_table(write_config: Callable[[str], Path]) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write_config('[delivery]\nbackend = "file"\nout_dir = "x"\n'))
    assert caught.value.key == "delivery.out_dir"


def test_relative_paths_resolve_against_the_config_folder(
    write_config: Callable[[str], Path],
) -> None:
    path = write_config('[store]\npath = "state/db.sqlite3"\n')
    settings = load_config(path)
    assert settings.resolve(settings.store.path) == path.parent.resolve() / "state" / "db.sqlite3"
