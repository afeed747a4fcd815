"""The lag loop over a fake reader: the arithmetic, the gauges it sets and removes, and that a
failing reader is counted without stopping anything."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import pytest
from prometheus_client import REGISTRY

from flightdeck_platform.consumer_lag import ConsumerLag, PartitionOffsets


class ScriptedReader:
    """Answers each read with the next scripted outcome: offsets, or an exception to raise."""

    def __init__(self, *outcomes: list[PartitionOffsets] | Exception) -> None:
        self._outcomes = list(outcomes)

    async def read(self, group: str, topics: Sequence[str]) -> list[PartitionOffsets]:
        outcome = self._outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


@pytest.fixture
def group() -> str:
    return f"unit-{uuid.uuid4().hex[:8]}"


def lag(group: str, topic: str, partition: int) -> float | None:
    return REGISTRY.get_sample_value(
        "flightdeck_kafka_consumer_lag",
        {"group": group, "topic": topic, "partition": str(partition)},
    )


def failures(group: str) -> float | None:
    return REGISTRY.get_sample_value(
        "flightdeck_kafka_consumer_lag_refresh_failures_total", {"group": group}
    )


@pytest.mark.parametrize(
    ("beginning", "end", "committed", "expected"),
    [
        (0, 10, 4, 6),
        (0, 10, None, 10),  # never committed: the group will read from the beginning
        (5, 10, None, 5),
        (7, 10, 2, 3),  # the commit fell behind retention: reset to the beginning
        (0, 10, 10, 0),
    ],
)
def test_lag_counts_what_the_group_still_has_to_read(
    beginning: int, end: int, committed: int | None, expected: int
) -> None:
    assert PartitionOffsets("t", 0, beginning, end, committed).lag == expected


async def test_a_refresh_sets_one_gauge_per_partition(group: str) -> None:
    reader = ScriptedReader([PartitionOffsets("t", 0, 0, 9, 4), PartitionOffsets("t", 1, 0, 3, 3)])

    assert await ConsumerLag(reader, group, ["t"], 1.0).refresh()

    assert (lag(group, "t", 0), lag(group, "t", 1)) == (5.0, 0.0)
    assert REGISTRY.get_sample_value(
        "flightdeck_kafka_consumer_lag_last_success_timestamp_seconds", {"group": group}
    )


async def test_a_partition_no_longer_read_stops_being_reported(group: str) -> None:
    reader = ScriptedReader(
        [PartitionOffsets("old", 0, 0, 9, 4), PartitionOffsets("t", 0, 0, 2, 0)],
        [PartitionOffsets("t", 0, 0, 2, 1)],
    )
    watch = ConsumerLag(reader, group, ["t"], 1.0)

    await watch.refresh()
    await watch.refresh()

    assert (lag(group, "old", 0), lag(group, "t", 0)) == (None, 1.0)


async def test_any_failure_is_counted_and_the_next_refresh_still_runs(group: str) -> None:
    reader = ScriptedReader(
        [PartitionOffsets("t", 0, 0, 4, 1)],
        RuntimeError("not even a Kafka error"),
        ConnectionError("broker gone"),
        [PartitionOffsets("t", 0, 0, 4, 3)],
    )
    watch = ConsumerLag(reader, group, ["t"], 1.0)

    outcomes = [await watch.refresh() for _ in range(4)]

    assert outcomes == [True, False, False, True]
    assert failures(group) == 2.0
    assert lag(group, "t", 0) == 1.0
