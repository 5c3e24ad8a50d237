"""Typed configuration read from ``config.toml``.

TOML is parsed into pydantic models that forbid unknown keys, so a typo is an error that names
the file, the key and the fix rather than a silently ignored setting. Relative paths are
resolved against the config file's folder, so the daemon behaves the same whatever directory
it is started from. Secrets never live in the file: keys ending in ``_env`` name the
environment variable to read.

``sections`` holds the models (one per table, and ``Settings``), ``checks`` the checks of
single values that the models and the commands share (send schedule, time zone, address),
``load`` reads and validates a file (``load_config``) and checks area names
(``check_area``). Every name the rest of seatwatch uses is importable from here.
"""

from __future__ import annotations

from digest.config.checks import (
    WEEKDAYS,
    AddressNotAsciiError,
    checked_address,
    checked_timezone,
    crontab,
)
from digest.config.load import check_area, load_config
from digest.config.sections import (
    DaemonConfig,
    DeliveryConfig,
    DigestConfig,
    FullText,
    PollConfig,
    RenderConfig,
    Settings,
    SourceConfig,
    StoreConfig,
    StoriesConfig,
    SubscriberConfig,
    SummariseConfig,
    resolve_path,
)

__all__ = [
    "WEEKDAYS",
    "AddressNotAsciiError",
    "DaemonConfig",
    "DeliveryConfig",
    "DigestConfig",
    "FullText",
    "PollConfig",
    "RenderConfig",
    "Settings",
    "SourceConfig",
    "StoreConfig",
    "StoriesConfig",
    "SubscriberConfig",
    "SummariseConfig",
    "check_area",
    "checked_address",
    "checked_timezone",
    "crontab",
    "load_config",
    "resolve_path",
]
