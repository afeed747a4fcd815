"""The scheduling use case against an admin fake that, like admin, refuses a second execution
of the same name: replicas, deactivation, replacement, catch-up and failures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flyteidl.admin import execution_pb2

from flightdeck_scheduler.domain.errors import LaunchFailed
from flightdeck_scheduler.domain.launches import execution_name
from flightdeck_scheduler.domain.schedules import LaunchPlanKey, Schedule
from flightdeck_scheduler.service.ports import ActiveVersion
from flightdeck_scheduler.service.scheduling import Policy, Scheduler
from flightdeck_scheduler.store.memory import InMemoryCursorStore

ACTIVATED = datetime(2024, 3, 1, 10, 0, 0, tzinfo=UTC)
V1 = LaunchPlanKey("p", "development", "hourly", "v1")
MINUTE = timedelta(minutes=1)


@dataclass
class FakeAdmin:
    active_plans: dict[tuple[str, str, str], Schedule] = field(default_factory=dict)
    executions: dict[str, execution_pb2.ExecutionCreateRequest] = field(default_factory=dict)
    failures: list[LaunchFailed] = field(default_factory=list)
    """Raised by the next CreateExecution calls, in order."""

    def activate(self, schedule: Schedule) -> None:
        self.active_plans[schedule.launch_plan.name_key] = schedule

    def deactivate(self, key: LaunchPlanKey) -> None:
        del self.active_plans[key.name_key]

    async def scheduled(self) -> list[Schedule]:
        return list(self.active_plans.values())

    async def active(self, project: str, domain: str, name: str) -> ActiveVersion | None:
        schedule = self.active_plans.get((project, domain, name))
        if schedule is None:
            return None
        return ActiveVersion(schedule.launch_plan.version, schedule.active_since)

    async def create(self, request: execution_pb2.ExecutionCreateRequest) -> bool:
        if self.failures:
            raise self.failures.pop(0)
        if request.name in self.executions:
            return False
        self.executions[request.name] = request
        return True

    def ticks_of(self, key: LaunchPlanKey) -> list[datetime]:
        return sorted(
            r.spec.metadata.scheduled_at.ToDatetime(tzinfo=UTC)
            for r in self.executions.values()
            if r.spec.launch_plan.version == key.version and r.spec.launch_plan.name == key.name
        )


def _scheduler(admin: FakeAdmin, cursors: InMemoryCursorStore | None = None) -> Scheduler:
    policy = Policy(catch_up_max_ticks=3, max_attempts=2, first_backoff=timedelta(seconds=1))
    return Scheduler(admin, admin, cursors or InMemoryCursorStore(), policy)


def _every_minute(key: LaunchPlanKey = V1, since: datetime = ACTIVATED) -> Schedule:
    return Schedule(key, since, "kickoff", every=MINUTE)


async def test_two_replicas_create_each_tick_once_with_its_kickoff_time() -> None:
    admin = FakeAdmin()
    admin.activate(_every_minute())
    replicas = [_scheduler(admin), _scheduler(admin)]
    for replica in replicas:
        await replica.refresh()
    for minute in (1, 2, 3):
        for replica in replicas:
            await replica.fire_due(ACTIVATED + minute * MINUTE + timedelta(seconds=1))
    ticks = [ACTIVATED + m * MINUTE for m in (1, 2, 3)]
    assert admin.ticks_of(V1) == ticks
    assert set(admin.executions) == {execution_name(V1, t) for t in ticks}
    for request in admin.executions.values():
        kickoff = request.inputs.literals["kickoff"].scalar.primitive.datetime
        assert kickoff == request.spec.metadata.scheduled_at


async def test_a_deactivated_schedule_stops_at_its_next_tick_without_a_refresh() -> None:
    admin = FakeAdmin()
    admin.activate(_every_minute())
    scheduler = _scheduler(admin)
    await scheduler.refresh()
    await scheduler.fire_due(ACTIVATED + MINUTE)
    admin.deactivate(V1)
    await scheduler.fire_due(ACTIVATED + 2 * MINUTE)
    await scheduler.fire_due(ACTIVATED + 3 * MINUTE)
    assert admin.ticks_of(V1) == [ACTIVATED + MINUTE]
    assert scheduler.followed == []


async def test_a_newer_active_version_moves_the_schedule() -> None:
    admin = FakeAdmin()
    admin.activate(_every_minute())
    scheduler = _scheduler(admin)
    await scheduler.refresh()
    await scheduler.fire_due(ACTIVATED + MINUTE)
    v2 = LaunchPlanKey(V1.project, V1.domain, V1.name, "v2")
    replaced_at = ACTIVATED + timedelta(minutes=1, seconds=30)
    admin.activate(Schedule(v2, replaced_at, "kickoff", every=2 * MINUTE))
    await scheduler.fire_due(ACTIVATED + 2 * MINUTE)  # v1's tick: stopped, not fired
    await scheduler.refresh()
    await scheduler.fire_due(replaced_at + 4 * MINUTE)
    assert admin.ticks_of(V1) == [ACTIVATED + MINUTE]
    assert admin.ticks_of(v2) == [replaced_at + 2 * MINUTE, replaced_at + 4 * MINUTE]


async def test_ticks_missed_while_away_are_caught_up_within_the_bound() -> None:
    admin = FakeAdmin()
    admin.activate(_every_minute())
    cursors = InMemoryCursorStore()
    first = _scheduler(admin, cursors)
    await first.refresh()
    await first.fire_due(ACTIVATED + 2 * MINUTE)
    # Down from minute 2 to minute 10: a new replica resumes from the recorded tick and fires
    # the latest three missed ticks (the bound), skipping minutes 3 to 7.
    restarted = _scheduler(admin, cursors)
    await restarted.refresh()
    await restarted.fire_due(ACTIVATED + 10 * MINUTE + timedelta(seconds=5))
    assert admin.ticks_of(V1) == [ACTIVATED + m * MINUTE for m in (1, 2, 8, 9, 10)]
    assert cursors.ticks[str(V1)] == ACTIVATED + 10 * MINUTE
    # A replay of the same window creates nothing more.
    replay = _scheduler(admin, InMemoryCursorStore())
    await replay.refresh()
    await replay.fire_due(ACTIVATED + 10 * MINUTE + timedelta(seconds=5))
    assert len(admin.executions) == 5


async def test_a_refused_tick_is_given_up_after_its_budget_and_the_next_one_fires() -> None:
    admin = FakeAdmin()
    admin.activate(_every_minute())
    scheduler = _scheduler(admin)
    await scheduler.refresh()
    admin.failures = [LaunchFailed("refused", transient=False)] * 2
    now = ACTIVATED + MINUTE
    await scheduler.fire_due(now)
    await scheduler.fire_due(now)  # still backing off: no attempt
    assert len(admin.failures) == 1
    await scheduler.fire_due(now + timedelta(seconds=2))  # second refusal: given up
    await scheduler.fire_due(ACTIVATED + 2 * MINUTE)
    assert admin.ticks_of(V1) == [ACTIVATED + 2 * MINUTE]


async def test_transient_failures_are_retried_until_they_pass() -> None:
    admin = FakeAdmin()
    admin.activate(_every_minute())
    scheduler = _scheduler(admin)
    await scheduler.refresh()
    admin.failures = [LaunchFailed("admin away", transient=True)] * 4
    now = ACTIVATED + MINUTE
    for seconds in (0, 2, 5, 10, 20):
        await scheduler.fire_due(now + timedelta(seconds=seconds))
    assert admin.ticks_of(V1) == [ACTIVATED + MINUTE]


async def test_one_failing_schedule_does_not_hold_up_another() -> None:
    admin = FakeAdmin()
    other = LaunchPlanKey("p", "development", "other", "v1")
    admin.activate(_every_minute())
    admin.activate(_every_minute(other))
    scheduler = _scheduler(admin)
    await scheduler.refresh()
    admin.failures = [LaunchFailed("admin away", transient=True)]
    await scheduler.fire_due(ACTIVATED + MINUTE)
    assert len(admin.executions) == 1  # the first schedule waits; the other fired
