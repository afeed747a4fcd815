"""The cursor store in memory: for unit tests of the use case, held to the same contract as
the Redis store."""

from __future__ import annotations

from datetime import datetime


class InMemoryCursorStore:
    def __init__(self) -> None:
        self.ticks: dict[str, datetime] = {}

    async def last_tick(self, schedule_key: str) -> datetime | None:
        return self.ticks.get(schedule_key)

    async def record_tick(self, schedule_key: str, tick: datetime) -> None:
        if schedule_key not in self.ticks or tick > self.ticks[schedule_key]:
            self.ticks[schedule_key] = tick
