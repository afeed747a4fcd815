"""Consumer lag, what operators alert on first: how far a consumer group's committed position
trails the end of each partition it reads.

A loop beside the service refreshes the gauges every interval. A failed refresh is logged and
counted, never fatal: lag reporting must not take a consumer down, and a stale gauge shows in
the last-success timestamp (alert on ``time() - ..._last_success_timestamp_seconds``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from prometheus_client import Counter, Gauge

LAG = Gauge(
    "flightdeck_kafka_consumer_lag",
    "Records of a partition the consumer group has not committed yet.",
    ["group", "topic", "partition"],
)
REFRESH_FAILURES = Counter(
    "flightdeck_kafka_consumer_lag_refresh_failures",
    "Refreshes of the consumer lag gauges that failed (Kafka unreachable, topic missing...).",
    ["group"],
)
LAST_SUCCESS = Gauge(
    "flightdeck_kafka_consumer_lag_last_success_timestamp_seconds",
    "Unix time of the last refresh of the group's lag gauges that succeeded.",
    ["group"],
)

_log = logging.getLogger("flightdeck.consumer_lag")


@dataclass(frozen=True)
class PartitionOffsets:
    topic: str
    partition: int
    beginning: int
    end: int
    committed: int | None
    """None while the group has never committed on the partition."""

    @property
    def lag(self) -> int:
        # A group without a commit, or whose commit fell behind retention, starts at the
        # beginning (the consumers here reset to earliest).
        start = self.beginning if self.committed is None else max(self.committed, self.beginning)
        return max(0, self.end - start)


class OffsetReader(Protocol):
    async def read(self, group: str, topics: Sequence[str]) -> list[PartitionOffsets]:
        """Every partition of the topics with its beginning, end and the group's commit."""


class ConsumerLag:
    def __init__(
        self,
        reader: OffsetReader,
        group: str,
        topics: Sequence[str],
        interval_seconds: float,
        timeout_seconds: float = 30.0,
    ) -> None:
        self._reader = reader
        self._group = group
        self._topics = tuple(topics)
        self._interval = interval_seconds
        self._timeout = timeout_seconds
        self._reported: set[tuple[str, int]] = set()

    async def run(self) -> None:
        """Refreshes until cancelled."""
        while True:
            await self.refresh()
            await asyncio.sleep(self._interval)

    async def refresh(self) -> bool:
        """One refresh of the gauges; says whether it succeeded and never raises but on
        cancellation."""
        try:
            # The offset requests of some clients wait forever for a partition that is gone.
            async with asyncio.timeout(self._timeout):
                offsets = await self._reader.read(self._group, self._topics)
        except Exception as error:  # any failure leaves the gauges as they were, to retry
            REFRESH_FAILURES.labels(self._group).inc()
            _log.warning(
                "consumer lag refresh failed",
                extra={"group": self._group, "error": repr(error)},
            )
            return False
        self._publish(offsets)
        LAST_SUCCESS.labels(self._group).set(time.time())
        return True

    def _publish(self, offsets: Sequence[PartitionOffsets]) -> None:
        current = {(o.topic, o.partition) for o in offsets}
        # A partition no longer read (a topic removed from the list) must not keep alerting.
        for topic, partition in self._reported - current:
            LAG.remove(self._group, topic, str(partition))
        for o in offsets:
            LAG.labels(self._group, o.topic, str(o.partition)).set(o.lag)
        self._reported = current
