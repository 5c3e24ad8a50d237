"""Following seats: the seats a subscriber means by the names they gave, in both boundary sets.

A followed name (a seat in either set, a variant or a code) resolves to every seat with that
name plus the counterparts holding at least half of its population, so a 2010 name also
covers its main 2024 successor and the other way round. Config loading, the subscriber
commands and every send resolve subscribers here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from digest.config import SubscriberConfig
from digest.errors import ConfigError
from digest.models import Seat, Subscriber
from digest.seats.gazetteer import Gazetteer
from digest.seats.records import SET_2024

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SeatFollow:
    """A seat as a subscriber follows it: a display name and the codes it covers."""

    label: str
    name: str
    codes: tuple[str, ...]
    seats: tuple[Seat, ...] = ()  # the seat under this name in each boundary set

    @property
    def key(self) -> str:
        """A stable identity for the section (the codes it covers)."""
        return "+".join(self.codes)


def resolve_seat(
    gazetteer: Gazetteer, text: str, *, where: str = "seats", path: Path | None = None
) -> SeatFollow:
    """The seat a subscriber means by ``text`` (a name in either set, a variant or a code).

    Both boundary sets are followed: a 2010 name also covers its main 2024 successor and the
    other way round, so "Norwich North" brings stories from before and after 2024.
    """
    seats = gazetteer.find_seats(text)
    if not seats:
        close = gazetteer.closest_names(text)
        hint = (
            "use one of: " + "; ".join(repr(c) for c in close)
            if close
            else "try `digest seats search` to find the official name"
        )
        raise ConfigError(
            f"no Westminster seat is called {text!r}", path=path, key=where, hint=hint
        )
    codes: list[str] = []
    for seat in seats:
        others = gazetteer.counterparts(seat)
        note = gazetteer.abolished_note(seat) if len(seats) == 1 else ""
        if note:  # say so, and what following it brings
            covered = ", ".join(o.name for o in others) or "no 2024 seat"
            log.warning("%s: %s; following %r brings the stories of %s", where, note, text, covered)
        codes.append(seat.code)
        codes.extend(other.code for other in others)
    current = next((s for s in seats if s.boundary_set == SET_2024), seats[-1])
    return SeatFollow(
        label=text, name=current.name, codes=tuple(dict.fromkeys(codes)), seats=tuple(seats)
    )


def resolve_subscribers(
    gazetteer: Gazetteer,
    configured: Iterable[SubscriberConfig],
    *,
    path: Path | None = None,
    where: str = "subscribers[{index}].seats",
    on_error: Callable[[SubscriberConfig, ConfigError], None] | None = None,
) -> list[tuple[Subscriber, tuple[SeatFollow, ...]]]:
    """Active subscribers with their seats resolved; ``ConfigError`` names any unknown seat,
    or, with ``on_error``, that subscriber alone is reported and left out (a send must not
    stop for everyone because one stored subscriber follows a seat that no longer exists).
    Paused and unsubscribed ones are left out: they are sent nothing."""
    resolved = []
    for index, entry in enumerate(configured):
        if entry.status != "active":
            continue
        try:
            follows = tuple(
                resolve_seat(gazetteer, name, where=where.format(index=index), path=path)
                for name in entry.seats
            )
        except ConfigError as exc:
            if on_error is None:
                raise
            on_error(entry, exc)
            continue
        subscriber = Subscriber(
            email=entry.email,
            name=entry.name,
            seats=tuple(f.name for f in follows),
            frequency=entry.frequency,
            timezone=entry.timezone,
        )
        resolved.append((subscriber, follows))
    return resolved


def resolve_everyone(
    gazetteer: Gazetteer,
    configured: Sequence[SubscriberConfig],
    stored: Sequence[SubscriberConfig],
    *,
    path: Path | None,
    on_error: Callable[[SubscriberConfig, ConfigError], None],
) -> list[tuple[Subscriber, tuple[SeatFollow, ...]]]:
    """Config subscribers (strictly: a bad seat there is a config error), then stored ones
    the config does not list (a bad one is reported through ``on_error`` and skipped)."""
    listed = {s.email.lower() for s in configured}
    return resolve_subscribers(gazetteer, configured, path=path) + resolve_subscribers(
        gazetteer,
        [s for s in stored if s.email.lower() not in listed],
        where="stored subscriber",
        on_error=on_error,
    )
