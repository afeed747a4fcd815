"""Keeps a partition flowing past an event that cannot be projected.

A batch that fails for any reason but an unavailable dependency is tried again in place a
bounded number of times; if it still fails, its events are projected one at a time and each
one that fails on its own is dead-lettered with the error, so a poison event costs its partition
a few seconds, not its progress. An unavailable dependency (MongoDB, Kafka, the object store)
fails every event alike: the batch is then left unacknowledged and redelivered after a growing
pause, and nothing is dead-lettered, or an outage would empty the topic into the dead letters.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from flightdeck_events.projection.fold import FoldResult
from flightdeck_events.service import metrics
from flightdeck_events.service.projector import (
    Announcements,
    ConcurrentChange,
    Delivered,
    Projector,
    count_dead_letters,
    dead_letter,
)
from flightdeck_platform import faults

_log = logging.getLogger("flightdeck.events.projector")

UNPROJECTABLE = "unprojectable"
"""The dead letters' category for events whose projection kept failing."""


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    """Tries of a failing batch (and then of each of its events alone) before dead-lettering."""
    first_pause_seconds: float = 0.2
    max_pause_seconds: float = 30.0
    """Longest pause between redeliveries while a dependency stays unavailable."""

    def pause(self, failures: int) -> float:
        return float(min(self.max_pause_seconds, self.first_pause_seconds * 2 ** (failures - 1)))


class GuardedProjector:
    def __init__(
        self,
        projector: Projector,
        announcements: Announcements,
        policy: RetryPolicy,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._projector = projector
        self._announcements = announcements
        self._policy = policy
        self._sleep = sleep
        self._unavailable_streak = 0

    async def project(self, batch: Sequence[Delivered]) -> FoldResult:
        """Projects the batch, setting aside the events that cannot be; raises (after a pause)
        only when a dependency is unavailable, for the batch to be delivered again."""
        started = time.perf_counter()
        try:
            try:
                result = await self._attempts(batch)
            except _Poisoned:
                result = await self._one_by_one(batch)
        except Exception:
            self._unavailable_streak += 1
            await self._sleep(self._policy.pause(self._unavailable_streak))
            raise
        self._unavailable_streak = 0
        metrics.BATCH_SECONDS.observe(time.perf_counter() - started)
        return result

    async def _attempts(self, batch: Sequence[Delivered]) -> FoldResult:
        """Raises ``_Poisoned`` once every attempt failed for a reason of the batch's own."""
        last: BaseException | None = None
        for attempt in range(1, self._policy.max_attempts + 1):
            try:
                return await self._projector.project(batch)
            except faults.Unavailable:
                metrics.BATCH_FAILURES.labels("unavailable").inc()
                _log.warning("a dependency is unavailable; the batch will be redelivered")
                raise
            except ConcurrentChange as change:
                # Another writer moved a record: folding again from what is stored resolves it.
                metrics.BATCH_FAILURES.labels("concurrent_change").inc()
                _log.info("batch raced another writer (%s); folding it again", change)
            except Exception as error:
                metrics.BATCH_FAILURES.labels("failed").inc()
                _log.exception(
                    "projecting a batch of %d events failed (attempt %d of %d)",
                    len(batch),
                    attempt,
                    self._policy.max_attempts,
                )
                last = error
            if attempt < self._policy.max_attempts:
                await self._sleep(self._policy.pause(attempt))
        raise _Poisoned(last)

    async def _one_by_one(self, batch: Sequence[Delivered]) -> FoldResult:
        total = FoldResult()
        for record in batch:
            try:
                result = await self._attempts([record])
            except _Poisoned as poisoned:
                await self._set_aside(record, poisoned.error)
                continue
            total.applied += result.applied
            total.duplicates += result.duplicates
            total.redelivered += result.redelivered
            total.rejections += result.rejections
        return total

    async def _set_aside(self, record: Delivered, error: BaseException | None) -> None:
        cause = f"{type(error).__name__}: {error}" if error else "a concurrent change every time"
        letter = dead_letter(
            record,
            f"projection failed {self._policy.max_attempts} times: {cause}"[:4096],
            UNPROJECTABLE,
        )
        await self._announcements.set_aside([letter])
        count_dead_letters([letter])
        metrics.EVENTS_PROJECTED.labels("dead_lettered").inc()
        _log.error(
            "dead-lettered an event that cannot be projected",
            extra={
                "topic": record.topic,
                "partition": record.position.partition,
                "offset": record.position.offset,
                "error": cause,
            },
        )


class _Poisoned(Exception):
    def __init__(self, error: BaseException | None) -> None:
        super().__init__(str(error))
        self.error = error
