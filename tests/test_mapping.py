"""The seam stages go parallel through (``digest/parallel/mapping.py``): results in order
from ``map``, every job's result from ``stream``, and a stream that reads its next job only
when there is room for it (a send holds a few seats' articles, never every seat's)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from digest.parallel.mapping import IN_PROCESS, Mapper, PoolMapper


def _negated(number: int) -> int:
    return -number


def _power(number: int, exponent: int) -> int:
    return int(number**exponent)


@pytest.fixture(params=["here", "pool"])
def mapper(request: pytest.FixtureRequest) -> Iterator[Mapper]:
    if request.param == "here":
        yield IN_PROCESS
        return
    # Threads stand in for worker processes: the mapper's bookkeeping is the same.
    with ThreadPoolExecutor(max_workers=2) as executor:
        yield PoolMapper(executor, 2, in_flight=3)


def test_map_gives_every_result_in_order(mapper: Mapper) -> None:
    assert mapper.map(_negated, [-3, 1, -2, 0]) == [3, -1, 2, 0]
    assert mapper.map(_negated, []) == []


def test_stream_gives_each_jobs_result_and_holds_few_jobs(mapper: Mapper) -> None:
    read = 0
    given = 0
    held: list[int] = []

    def jobs() -> Iterator[tuple[int, tuple[int, int]]]:
        nonlocal read
        for number in range(10):
            held.append(read - given)  # jobs read whose results are not out yet
            read += 1
            yield number, (number, 2)

    results: dict[int, int] = {}
    for key, value in mapper.stream(_power, jobs()):
        given += 1
        results[key] = value
    assert results == {n: n * n for n in range(10)}
    # At most ``in_flight`` jobs handed out (3 in the pool here), one at a time here.
    assert max(held) == (2 if isinstance(mapper, PoolMapper) else 0)
