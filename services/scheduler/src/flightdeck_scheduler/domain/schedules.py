"""Launch plan schedules as ticks in time (admin.md §2.3, §2.4).

A schedule starts at its launch plan's activation (``active_since``, the launch plan's
``closure.updated_at``, which admin stamps when the version turns ACTIVE): a fixed rate ticks at
the activation second plus whole periods, a cron expression at its matching minutes after the
activation, in UTC, as the reference's native scheduler does. Every replica reads the same
activation time from admin, so every replica computes the same ticks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from croniter import CroniterBadCronError, CroniterBadDateError, croniter
from flyteidl.admin import launch_plan_pb2, schedule_pb2

from flightdeck_scheduler.domain.errors import InvalidSchedule

_UNITS = {
    schedule_pb2.MINUTE: timedelta(minutes=1),
    schedule_pb2.HOUR: timedelta(hours=1),
    schedule_pb2.DAY: timedelta(days=1),
}
_DESCRIPTORS = frozenset(
    ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
)
MISSED_COUNT_CAP = 10_000
"""Ticks counted one by one when more than the catch-up bound were missed: a long outage of a
frequent cron schedule reports at least this many rather than iterating for minutes."""


@dataclass(frozen=True, order=True)
class LaunchPlanKey:
    project: str
    domain: str
    name: str
    version: str

    def __str__(self) -> str:
        return f"{self.project}/{self.domain}/{self.name}/{self.version}"

    @property
    def name_key(self) -> tuple[str, str, str]:
        """At most one version of a name is active: the name identifies its schedule."""
        return (self.project, self.domain, self.name)


@dataclass(frozen=True)
class Schedule:
    launch_plan: LaunchPlanKey
    active_since: datetime
    kickoff_input: str
    cron: str = ""
    """Five-field cron or an @descriptor; empty for a fixed rate."""
    every: timedelta = timedelta(0)
    """The fixed rate's period; zero for cron."""

    def next_tick(self, after: datetime) -> datetime:
        """The first tick strictly after ``after`` (never before the activation)."""
        after = max(after, self.active_since)
        if self.cron:
            return _cron_next(self.cron, after)
        base = self.active_since.replace(microsecond=0)
        periods = (after - base) // self.every + 1
        return base + periods * self.every

    def previous_tick(self, until: datetime) -> datetime | None:
        """The last tick at or before ``until``, if any came after the activation."""
        if until <= self.active_since:
            return None
        if self.cron:
            tick = _cron_previous(self.cron, until + timedelta(microseconds=1))
            return tick if tick > self.active_since else None
        base = self.active_since.replace(microsecond=0)
        periods = (until - base) // self.every
        return base + periods * self.every if periods >= 1 else None


@dataclass(frozen=True)
class DueTicks:
    ticks: list[datetime]
    """To fire, oldest first: at most the catch-up bound."""
    missed: int
    """Older due ticks left out beyond the bound (at least this many past the count cap)."""


def due_ticks(schedule: Schedule, after: datetime, now: datetime, bound: int) -> DueTicks:
    """The ticks in (``after``, ``now``], keeping only the latest ``bound`` of them."""
    latest: list[datetime] = []
    tick = schedule.previous_tick(now)
    while tick is not None and tick > after and len(latest) < bound:
        latest.append(tick)
        tick = schedule.previous_tick(tick - timedelta(microseconds=1))
    latest.reverse()
    if tick is None or tick <= after:
        return DueTicks(latest, 0)
    return DueTicks(latest, _count_through(schedule, after, tick))


def _count_through(schedule: Schedule, after: datetime, last: datetime) -> int:
    """How many ticks fall in (``after``, ``last``]; ``last`` is one of them."""
    if not schedule.cron:
        return (last - schedule.next_tick(after)) // schedule.every + 1
    count, tick = 0, schedule.next_tick(after)
    while tick <= last and count < MISSED_COUNT_CAP:
        count += 1
        tick = schedule.next_tick(tick)
    return count


def schedule_of(launch_plan: launch_plan_pb2.LaunchPlan) -> Schedule | None:
    """The launch plan's schedule; None when it has none. Raises InvalidSchedule."""
    spec = launch_plan.spec.entity_metadata.schedule
    lp = launch_plan.id
    key = LaunchPlanKey(lp.project, lp.domain, lp.name, lp.version)
    since = launch_plan.closure.updated_at.ToDatetime(tzinfo=UTC)
    kickoff = spec.kickoff_time_input_arg
    if spec.HasField("rate"):
        return Schedule(key, since, kickoff, every=_period(spec.rate))
    expression = spec.cron_schedule.schedule or spec.cron_expression
    if spec.HasField("cron_schedule") or spec.cron_expression:
        cron = standard_cron(expression)
        _cron_next(cron, since)  # an expression that never matches (Feb 30) is refused here
        return Schedule(key, since, kickoff, cron=cron)
    return None


def _period(rate: schedule_pb2.FixedRate) -> timedelta:
    if rate.unit not in _UNITS or rate.value <= 0:
        raise InvalidSchedule(f"fixed rate {rate.value} {rate.unit} is not a positive rate")
    return rate.value * _UNITS[rate.unit]


def standard_cron(expression: str) -> str:
    """The expression, checked: five fields or an @descriptor (croniter alone would also take
    six fields with seconds, or Jenkins-style hashes)."""
    text = " ".join(expression.split())
    if text.lower() in _DESCRIPTORS:
        return text.lower()
    if len(text.split(" ")) != 5 or not croniter.is_valid(text):
        raise InvalidSchedule(f"{expression!r} is not a standard cron expression")
    return text


def _cron_next(expression: str, after: datetime) -> datetime:
    try:
        return croniter(expression, after).get_next(datetime)  # type: ignore[no-any-return]
    except (CroniterBadCronError, CroniterBadDateError) as error:
        raise InvalidSchedule(f"{expression!r} has no next time: {error}") from error


def _cron_previous(expression: str, before: datetime) -> datetime:
    """The last match strictly before ``before``."""
    try:
        return croniter(expression, before).get_prev(datetime)  # type: ignore[no-any-return]
    except (CroniterBadCronError, CroniterBadDateError) as error:
        raise InvalidSchedule(f"{expression!r} has no previous time: {error}") from error
