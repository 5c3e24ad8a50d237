"""``load_config``: ``config.toml`` read into ``Settings``, every error naming the key and fix.

TOML is parsed, then validated by the models of ``sections``; pydantic's errors become one
``ConfigError`` that names the file, the key and what to write instead (the closest valid
key for a typo). Relative paths resolve against the config file's folder (``base_dir``), so
the daemon behaves the same whatever directory it is started from.
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from digest.config.checks import AddressNotAsciiError
from digest.config.sections import DeliveryConfig, Settings
from digest.errors import ConfigError

_HINTS: dict[str, str] = {
    "int_parsing": "write a whole number without quotes, e.g. 10",
    "int_type": "write a whole number without quotes, e.g. 10",
    "float_parsing": "write a number without quotes, e.g. 20.0",
    "bool_parsing": "write true or false, without quotes",
    "bool_type": "write true or false, without quotes",
    "string_type": 'write a quoted string, e.g. "text"',
    "list_type": 'write a list, e.g. ["Norwich North"]',
    "missing": "add this key",
    "address_not_ascii": AddressNotAsciiError.hint,
}


def _dotted(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _known_keys(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The keys valid at ``loc`` (the parent of an unknown key)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if hasattr(current, "model_fields") else None
        if field is None:
            return []
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        current = args[0] if args and hasattr(args[0], "model_fields") else annotation
    if not hasattr(current, "model_fields"):
        return []
    return [k for k in current.model_fields if k not in ("base_dir", "config_path")]


def _config_error(path: Path, exc: ValidationError) -> ConfigError:
    """Turn pydantic's first error into a message naming the key and the fix."""
    lines = []
    first_key = ""
    first_hint = ""
    for err in exc.errors():
        loc = tuple(err["loc"])
        key = _dotted(loc)
        if err["type"] == "extra_forbidden":
            known = _known_keys(Settings, loc[:-1])
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            hint = (f"did you mean {close[0]!r}? " if close else "") + (
                f"valid keys here: {', '.join(known)}" if known else "remove it"
            )
            message = "unknown key"
        elif err["type"] == "enum":
            message = f"{err['msg']}"
            hint = "use one of the values listed"
        else:
            message = f"{err['msg']} (got {err.get('input')!r})"
            hint = _HINTS.get(err["type"], "see the comments in the shipped config.toml")
        lines.append(f"{key}: {message}; {hint}")
        if not first_key:
            first_key, first_hint = key, hint
    summary = lines[0].split(": ", 1)[1].split("; ")[0] if len(lines) == 1 else "invalid settings"
    error = ConfigError(summary, path=path, key=first_key, hint=first_hint)
    if len(lines) > 1:
        error.args = (f"{path}: invalid settings:\n  " + "\n  ".join(lines),)
    return error


def load_config(path: Path) -> Settings:
    """Read and validate ``path``; raise ``ConfigError`` naming the file, key and fix."""
    path = path.expanduser()
    if not path.is_file():
        raise ConfigError(
            "config file not found",
            path=path,
            hint="pass --config PATH, or run from the folder holding config.toml",
        )
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=path, hint="fix the syntax") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError("not UTF-8 text", path=path, hint="save it as UTF-8") from exc
    delivery = raw.get("delivery", {})
    if isinstance(delivery, dict):
        for key, value in delivery.items():
            if key not in DeliveryConfig.model_fields and not isinstance(value, dict):
                raise ConfigError(
                    "unknown key",
                    path=path,
                    key=f"delivery.{key}",
                    hint="[delivery] holds "
                    + ", ".join(f"`{name}`" for name in DeliveryConfig.model_fields)
                    + " and one [delivery.<backend>] table",
                )
    try:
        settings = Settings.model_validate(
            {**raw, "base_dir": path.parent.resolve(), "config_path": path}
        )
    except ValidationError as exc:
        raise _config_error(path, exc) from exc
    names = [s.name for s in settings.sources]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(
            f"source name {duplicates[0]!r} used twice",
            path=path,
            key="sources.name",
            hint="give every [[sources]] entry its own name",
        )
    _check_areas(path, settings)
    return settings


def _check_areas(path: Path, settings: Settings) -> None:
    """A source's ``area`` must be a county or district the gazetteer knows."""
    for index, source in enumerate(settings.sources):
        if source.area:
            check_area(source.area, key=f"sources[{index}].area", path=path)


def check_area(area: str, key: str, path: Path | None = None) -> None:
    """``ConfigError`` (with the closest names) unless ``area`` is a known county or
    district."""
    from digest.seats.matcher_cache import default_matcher  # the gazetteer, from the matcher cache

    areas = default_matcher().gazetteer.areas
    if area in areas:
        return
    close = difflib.get_close_matches(area, list(areas), n=3, cutoff=0.6)
    raise ConfigError(
        f"unknown area {area!r}",
        path=path,
        key=key,
        hint=(f"did you mean {' or '.join(map(repr, close))}? " if close else "")
        + 'write a county or district as the ONS names it, e.g. "Essex" or "Rochford"',
    )
