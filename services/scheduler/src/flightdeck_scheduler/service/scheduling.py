"""Firing schedules: every ACTIVE launch plan with a schedule gets one execution per tick.

Each replica follows every schedule and fires every tick; the tick's deterministic execution name
makes admin answer ALREADY_EXISTS to all but the first request, so replicas need no election and
a restart or replay cannot fire a tick twice. Before a tick fires, its launch plan version is
checked to still be the active one, so a deactivation or a newer active version stops the old
schedule at its next tick at the latest; the periodic refresh picks up new schedules.

A tick that fails is retried with backoff without holding up any other schedule: transient
failures (admin unreachable) are retried until they pass, refusals count against a budget after
which the tick is given up (counted) and the schedule moves on. The last handled tick of each
schedule is recorded, so after a restart the missed ticks are caught up, at most
``catch_up_max_ticks`` of them (older ones are counted as missed).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flightdeck_scheduler.domain.errors import LaunchFailed
from flightdeck_scheduler.domain.launches import launch_request
from flightdeck_scheduler.domain.schedules import Schedule, due_ticks
from flightdeck_scheduler.service import metrics
from flightdeck_scheduler.service.ports import CursorStore, ExecutionLauncher, LaunchPlanSource

Clock = Callable[[], datetime]
NameKey = tuple[str, str, str]

_log = logging.getLogger("flightdeck.scheduler")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Policy:
    catch_up_max_ticks: int = 60
    max_attempts: int = 5
    first_backoff: timedelta = timedelta(seconds=1)
    max_backoff: timedelta = timedelta(seconds=60)

    def backoff(self, failures: int) -> timedelta:
        return min(self.first_backoff * 2 ** max(failures - 1, 0), self.max_backoff)


@dataclass
class _Followed:
    schedule: Schedule
    cursor: datetime
    """The last tick handled (or the activation, before the first)."""
    first_round: bool = True
    refusals: int = 0
    failures: int = 0
    retry_at: datetime | None = None


class Scheduler:
    def __init__(
        self,
        plans: LaunchPlanSource,
        launcher: ExecutionLauncher,
        cursors: CursorStore,
        policy: Policy,
        clock: Clock = utc_now,
    ) -> None:
        self._plans = plans
        self._launcher = launcher
        self._cursors = cursors
        self._policy = policy
        self._clock = clock
        self._followed: dict[NameKey, _Followed] = {}
        self._refresh_soon = True

    @property
    def followed(self) -> list[Schedule]:
        return [f.schedule for f in self._followed.values()]

    async def refresh(self) -> None:
        """Follows exactly the schedules admin lists as active now. Raises when the listing
        failed, leaving the followed schedules as they were."""
        current = {s.launch_plan.name_key: s for s in await self._plans.scheduled()}
        for key in list(self._followed):
            if current.get(key) != self._followed[key].schedule:
                del self._followed[key]
        for key, schedule in current.items():
            if key not in self._followed:
                self._followed[key] = await self._follow(schedule)
        self._refresh_soon = False
        metrics.SCHEDULES.set(len(self._followed))
        metrics.LAST_REFRESH.set(time.time())

    async def _follow(self, schedule: Schedule) -> _Followed:
        recorded = await self._cursors.last_tick(str(schedule.launch_plan))
        start = schedule.active_since
        if recorded is not None and recorded > start:
            start = recorded
        return _Followed(schedule, start)

    async def fire_due(self, now: datetime) -> None:
        """Fires every tick due by ``now`` that is not waiting for a retry; one schedule's
        failure never stops the others."""
        for key, followed in list(self._followed.items()):
            if followed.retry_at is not None and followed.retry_at > now:
                continue
            try:
                await self._advance(key, followed, now)
            except Exception:  # any failure of one schedule: retried after a backoff
                _log.exception("schedule round failed", extra={"schedule": _name(followed)})
                followed.failures += 1
                followed.retry_at = now + self._policy.backoff(followed.failures)

    async def _advance(self, key: NameKey, followed: _Followed, now: datetime) -> None:
        due = due_ticks(followed.schedule, followed.cursor, now, self._policy.catch_up_max_ticks)
        if due.missed:
            metrics.TICKS_MISSED.inc(due.missed)
            _log.warning(
                "ticks missed beyond the catch-up bound",
                extra={"schedule": _name(followed), "missed": due.missed},
            )
            before_first = due.ticks[0] - timedelta(microseconds=1)
            skipped_to = followed.schedule.previous_tick(before_first) or followed.cursor
            await self._settle(followed, skipped_to)
        if followed.first_round:
            metrics.TICKS_CAUGHT_UP.inc(len(due.ticks))
            followed.first_round = False
        for tick in due.ticks:
            if not await self._fire(key, followed, tick, now):
                return

    async def _fire(self, key: NameKey, followed: _Followed, tick: datetime, now: datetime) -> bool:
        """True once the tick is settled; False when it waits for a retry or the schedule was
        dropped."""
        schedule = followed.schedule
        try:
            active = await self._plans.active(*key)
        except LaunchFailed as failure:
            return await self._failed(followed, tick, failure, now)
        if active is None or (active.version, active.active_since) != (
            schedule.launch_plan.version,
            schedule.active_since,
        ):
            metrics.TICKS.labels("stopped").inc()
            _log.info("schedule no longer active", extra={"schedule": _name(followed)})
            del self._followed[key]
            self._refresh_soon = True
            return False
        try:
            created = await self._launcher.create(launch_request(schedule, tick))
        except LaunchFailed as failure:
            return await self._failed(followed, tick, failure, now)
        metrics.TICKS.labels("created" if created else "already_existed").inc()
        _log.info(
            "tick fired" if created else "tick already fired",
            extra={"schedule": _name(followed), "tick": tick.isoformat()},
        )
        await self._settle(followed, tick)
        return True

    async def _failed(
        self, followed: _Followed, tick: datetime, failure: LaunchFailed, now: datetime
    ) -> bool:
        followed.failures += 1
        context = {"schedule": _name(followed), "tick": tick.isoformat(), "error": str(failure)}
        if failure.transient:
            metrics.LAUNCH_FAILURES.labels("transient").inc()
        else:
            metrics.LAUNCH_FAILURES.labels("refused").inc()
            followed.refusals += 1
            if followed.refusals >= self._policy.max_attempts:
                metrics.TICKS.labels("failed").inc()
                _log.error("tick given up after its retry budget", extra=context)
                await self._settle(followed, tick)
                return True
        _log.warning("tick failed; it will be retried", extra=context)
        followed.retry_at = now + self._policy.backoff(followed.failures)
        return False

    async def _settle(self, followed: _Followed, tick: datetime) -> None:
        followed.cursor = tick
        followed.refusals = followed.failures = 0
        followed.retry_at = None
        try:
            await self._cursors.record_tick(str(followed.schedule.launch_plan), tick)
        except Exception as error:  # the in-memory cursor goes on; a restart may re-ask
            metrics.CURSOR_WRITE_FAILURES.inc()
            _log.warning(
                "recording the last tick failed",
                extra={"schedule": _name(followed), "error": repr(error)},
            )

    async def run(self, poll_interval: float, refresh_interval: float) -> None:
        """Rounds every ``poll_interval`` seconds until cancelled; the active schedules are
        listed again every ``refresh_interval`` seconds (sooner after a schedule stopped)."""
        next_refresh = 0.0
        while True:
            try:
                now = self._clock()
                if self._refresh_soon or time.monotonic() >= next_refresh:
                    next_refresh = time.monotonic() + await self._try_refresh(refresh_interval)
                await self.fire_due(now)
                metrics.LAST_ROUND.set(now.timestamp())
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug in one round must not stop every schedule for good
                _log.exception("scheduler round failed")
            await asyncio.sleep(poll_interval)

    async def _try_refresh(self, refresh_interval: float) -> float:
        """Seconds until the next refresh: sooner after a failure, but not every round."""
        try:
            await self.refresh()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # admin unreachable, a page refused: the next one retries
            metrics.REFRESH_FAILURES.inc()
            _log.warning("refreshing the active schedules failed", extra={"error": repr(error)})
            self._refresh_soon = False
            return min(refresh_interval, 5.0)
        return refresh_interval


def _name(followed: _Followed) -> str:
    return str(followed.schedule.launch_plan)
