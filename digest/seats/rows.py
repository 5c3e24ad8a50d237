"""Reading the shipped CSV files (``digest/seats/data``) row by row, and their cells."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from functools import lru_cache
from importlib import resources


def rows(filename: str) -> Iterator[dict[str, str]]:
    """The rows of one data file as dicts by column name."""
    data = resources.files("digest.seats").joinpath("data", filename)
    with data.open("rb") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as handle:
        # csv.reader and the header zipped on: DictReader's per-row checks cost more
        # (bench/RESULTS.md), and resolving a send's seats reads the seats file.
        reader = csv.reader(handle)
        header = next(reader, [])
        for row in reader:
            if row:  # a blank line, which DictReader would skip too
                yield dict(zip(header, row, strict=False))


@lru_cache(maxsize=1)
def constituency_rows() -> tuple[dict[str, str], ...]:
    """The seats file, read once: the seats and their written forms both come from it, and
    a send resolving its subscribers' seats needs both."""
    return tuple(rows("constituencies.csv"))


def parse_date(value: str) -> date | None:
    """An ISO date, or None for an empty cell (an open term, no maiden speech)."""
    return date.fromisoformat(value) if value else None


def split_list(value: str) -> list[str]:
    """The items of a ";"-separated cell (name variants), blanks dropped."""
    return [part.strip() for part in value.split(";") if part.strip()]


def is_list_name(variant: str) -> bool:
    """ "Smith, Chloe" is how lists sort a name, never how an article writes it."""
    return "," in variant
