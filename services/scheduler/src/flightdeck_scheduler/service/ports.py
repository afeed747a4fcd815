"""What the scheduler needs from the world: admin's launch plans and executions (through the
edge), and a place to remember the last tick handled per schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from flyteidl.admin import execution_pb2

from flightdeck_scheduler.domain.schedules import Schedule


@dataclass(frozen=True)
class ActiveVersion:
    version: str
    active_since: datetime


class LaunchPlanSource(Protocol):
    async def scheduled(self) -> list[Schedule]:
        """Every ACTIVE launch plan with a valid schedule, in every project and domain. Raises
        when any part of the listing failed: a partial answer would drop schedules."""

    async def active(self, project: str, domain: str, name: str) -> ActiveVersion | None:
        """The name's active version now; None when no version is active. Raises
        LaunchFailed when admin could not answer."""


class ExecutionLauncher(Protocol):
    async def create(self, request: execution_pb2.ExecutionCreateRequest) -> bool:
        """True when created, False when the name already existed. Raises LaunchFailed."""


class CursorStore(Protocol):
    async def last_tick(self, schedule_key: str) -> datetime | None:
        """The latest tick recorded as handled for the schedule, if any."""

    async def record_tick(self, schedule_key: str, tick: datetime) -> None:
        """Records the tick as handled; an older tick never replaces a newer one."""
