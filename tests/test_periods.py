"""Digest periods: a subscriber's day or ISO week, in their time zone, across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from digest.models import Subscriber
from digest.pipeline import period_for


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("frequency", "zone", "moment", "period"),
    [
        # London in summer time: 23:30 UTC is already tomorrow.
        ("daily", "Europe/London", "2026-06-30T23:30", "2026-07-01"),
        # The night the clocks go forward (01:00 UTC, 29 March 2026) and back (25 October).
        ("daily", "Europe/London", "2026-03-29T00:30", "2026-03-29"),
        ("daily", "Europe/London", "2026-03-28T23:59", "2026-03-28"),
        ("daily", "Europe/London", "2026-10-25T00:30", "2026-10-25"),
        ("daily", "Europe/London", "2026-10-24T23:30", "2026-10-25"),
        ("daily", "America/New_York", "2026-11-23T03:00", "2026-11-22"),
        ("daily", "", "2026-11-23T03:00", "2026-11-23"),  # the default zone: London
        ("weekly", "Europe/London", "2026-11-23T09:00", "2026-W48"),
        ("weekly", "Europe/London", "2027-01-03T12:00", "2026-W53"),
        ("weekly", "Pacific/Auckland", "2027-01-03T12:00", "2027-W01"),
    ],
)
def test_period_is_the_subscribers_day_or_week(
    frequency: str, zone: str, moment: str, period: str
) -> None:
    subscriber = Subscriber("a@example.org", "", (), frequency=frequency, timezone=zone)
    assert period_for(subscriber, _at(moment), "Europe/London") == period


@pytest.mark.parametrize(
    ("schedule", "after", "fires"),
    [
        # 07:00 London: 06:00 UTC in summer time, 07:00 UTC in winter, across both changes.
        ("daily 07:00", "2026-03-28T12:00", "2026-03-29T06:00"),
        ("daily 07:00", "2026-10-24T12:00", "2026-10-25T07:00"),
        ("0 7 * * *", "2026-10-24T12:00", "2026-10-25T07:00"),
        ("weekly mon 07:00", "2026-11-22T12:00", "2026-11-23T07:00"),
        ("weekly Monday 07:00", "2026-11-23T07:30", "2026-11-30T07:00"),
    ],
)
def test_send_schedules_fire_at_local_time_across_daylight_saving(
    schedule: str, after: str, fires: str
) -> None:
    from digest.daemon import send_trigger

    trigger = send_trigger(schedule, "Europe/London")
    assert trigger.get_next_fire_time(None, _at(after)) == _at(fires)


@pytest.mark.parametrize("bad", ["daily 25:00", "weekly someday 07:00", "every morning"])
def test_bad_schedules_say_how_to_write_one(bad: str) -> None:
    from digest.config import crontab

    with pytest.raises(ValueError, match=r"daily 07:00|HH:MM"):
        crontab(bad)
