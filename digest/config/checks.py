"""Checks of single values that the config models and the commands share.

A send schedule (``crontab``), a time zone and an email address are checked the same way
whether they come from ``config.toml``, a CSV import or a command's argument; each check
raises ``ValueError`` saying how to write the value, which pydantic (and the commands)
report with the key it belongs to.
"""

from __future__ import annotations

import re

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_PRESET = re.compile(
    r"^(?P<every>daily|weekly)(?:\s+(?P<day>[a-z]{3})[a-z]*)?\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})$"
)


def crontab(schedule: str) -> str:
    """``[daemon] send_cron`` as crontab fields: presets ("daily 07:00", "weekly mon
    07:00") are written out; five crontab fields, or six with seconds first, pass through.
    ``ValueError`` saying how to write it otherwise."""
    text = " ".join(schedule.lower().split())
    preset = _PRESET.match(text)
    if preset:
        hour, minute = int(preset["hour"]), int(preset["minute"])
        day = preset["day"]
        if hour > 23 or minute > 59:
            raise ValueError(f"{schedule!r}: the time must be HH:MM, 00:00 to 23:59")
        if preset["every"] == "daily" and day is None:
            return f"{minute} {hour} * * *"
        if preset["every"] == "weekly" and day in WEEKDAYS:
            return f"{minute} {hour} * * {day}"
    if preset is None and len(text.split()) in (5, 6) and not text.startswith(("daily", "weekly")):
        return schedule
    raise ValueError(
        f'{schedule!r}: write a preset ("daily 07:00", "weekly mon 07:00") or five '
        'crontab fields ("minute hour day month weekday", e.g. "0 7 * * *"), or six with '
        "seconds first"
    )


def checked_timezone(value: str) -> str:
    """``value`` if it names an IANA time zone; ``ValueError`` with an example otherwise."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f'unknown time zone {value!r}; write e.g. "Europe/London"') from exc
    return value.strip()


def checked_address(value: str) -> str:
    """``value`` as a valid address in its ASCII form, lower-cased; ``ValueError`` saying
    what is wrong and what to do.

    email-validator checks the syntax (RFC 5322/6531) without DNS lookups, which a config
    check must not depend on. Every address seatwatch keeps is ASCII: an internationalised
    domain is stored IDNA-encoded (``plain@xn--e1afmkfd.xn--p1ai``), which every mail server
    and API accepts; a non-ASCII local part would need SMTPUTF8, which not every backend
    supports, so it is refused here rather than failing at send time.
    """
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"{value!r} is not a valid email address: {exc}") from exc
    if checked.ascii_email is None:
        raise AddressNotAsciiError(
            f"{value!r} has non-ASCII characters before the @, which need SMTPUTF8, and not "
            "every mail server or API supports it"
        )
    return str(checked.ascii_email).lower()


class AddressNotAsciiError(ValueError):
    """An address whose local part is not ASCII: sending to it would need SMTPUTF8."""

    hint = (
        "give this subscriber an ASCII address (a non-ASCII domain is fine: it is kept "
        "IDNA-encoded)"
    )
