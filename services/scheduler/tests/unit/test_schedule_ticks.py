"""Ticks of cron and fixed-rate schedules, the catch-up bound, and the names and requests the
ticks become."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flyteidl.admin import execution_pb2, launch_plan_pb2, schedule_pb2

from flightdeck_scheduler.domain.errors import InvalidSchedule
from flightdeck_scheduler.domain.launches import execution_name, launch_request
from flightdeck_scheduler.domain.schedules import (
    LaunchPlanKey,
    Schedule,
    due_ticks,
    schedule_of,
)

KEY = LaunchPlanKey("flytesnacks", "development", "daily", "v1")
ACTIVATED = datetime(2024, 3, 1, 10, 0, 17, 250000, tzinfo=UTC)


def _launch_plan(schedule: schedule_pb2.Schedule) -> launch_plan_pb2.LaunchPlan:
    launch_plan = launch_plan_pb2.LaunchPlan()
    launch_plan.id.project, launch_plan.id.domain = KEY.project, KEY.domain
    launch_plan.id.name, launch_plan.id.version = KEY.name, KEY.version
    launch_plan.spec.entity_metadata.schedule.CopyFrom(schedule)
    launch_plan.closure.updated_at.FromDatetime(ACTIVATED)
    return launch_plan


def test_fixed_rate_ticks_at_the_activation_second_plus_whole_periods() -> None:
    schedule = Schedule(KEY, ACTIVATED, "", every=timedelta(minutes=5))
    base = ACTIVATED.replace(microsecond=0)
    assert schedule.next_tick(ACTIVATED) == base + timedelta(minutes=5)
    assert schedule.next_tick(base + timedelta(minutes=5)) == base + timedelta(minutes=10)
    assert schedule.previous_tick(base + timedelta(minutes=9)) == base + timedelta(minutes=5)
    assert schedule.previous_tick(base + timedelta(minutes=4)) is None


def test_cron_ticks_after_the_activation_in_utc() -> None:
    schedule = Schedule(KEY, ACTIVATED, "", cron="*/15 * * * *")
    assert schedule.next_tick(ACTIVATED) == datetime(2024, 3, 1, 10, 15, tzinfo=UTC)
    hourly = Schedule(KEY, ACTIVATED, "", cron="@hourly")
    assert hourly.next_tick(ACTIVATED) == datetime(2024, 3, 1, 11, 0, tzinfo=UTC)
    at_11 = datetime(2024, 3, 1, 11, 0, tzinfo=UTC)
    assert hourly.previous_tick(at_11) == at_11
    assert hourly.previous_tick(at_11 - timedelta(seconds=1)) is None


def test_due_ticks_are_the_ones_since_the_cursor_up_to_now() -> None:
    schedule = Schedule(KEY, ACTIVATED, "", cron="*/15 * * * *")
    now = datetime(2024, 3, 1, 11, 0, 5, tzinfo=UTC)
    due = due_ticks(schedule, datetime(2024, 3, 1, 10, 15, tzinfo=UTC), now, bound=10)
    assert [t.minute for t in due.ticks] == [30, 45, 0]
    assert due.missed == 0


def test_the_catch_up_bound_keeps_the_latest_ticks_and_counts_the_rest() -> None:
    schedule = Schedule(KEY, ACTIVATED, "", every=timedelta(minutes=1))
    now = ACTIVATED + timedelta(minutes=100, seconds=30)
    due = due_ticks(schedule, ACTIVATED, now, bound=3)
    base = ACTIVATED.replace(microsecond=0)
    assert due.ticks == [base + timedelta(minutes=m) for m in (98, 99, 100)]
    assert due.missed == 97
    cron = Schedule(KEY, ACTIVATED, "", cron="* * * * *")
    due = due_ticks(cron, ACTIVATED, datetime(2024, 3, 1, 10, 30, 30, tzinfo=UTC), bound=5)
    assert [t.minute for t in due.ticks] == [26, 27, 28, 29, 30]
    assert due.missed == 25  # 10:01 .. 10:25


def test_schedules_are_read_from_launch_plans() -> None:
    rate = schedule_pb2.Schedule(
        rate=schedule_pb2.FixedRate(value=2, unit=schedule_pb2.HOUR), kickoff_time_input_arg="at"
    )
    assert schedule_of(_launch_plan(rate)) == Schedule(
        KEY, ACTIVATED, "at", every=timedelta(hours=2)
    )
    cron = schedule_pb2.Schedule(cron_schedule=schedule_pb2.CronSchedule(schedule="0  9 * * MON"))
    assert schedule_of(_launch_plan(cron)) == Schedule(KEY, ACTIVATED, "", cron="0 9 * * MON")
    legacy = schedule_pb2.Schedule(cron_expression="@Daily")
    assert schedule_of(_launch_plan(legacy)).cron == "@daily"  # type: ignore[union-attr]
    assert schedule_of(_launch_plan(schedule_pb2.Schedule())) is None


@pytest.mark.parametrize(
    "schedule",
    [
        schedule_pb2.Schedule(cron_schedule=schedule_pb2.CronSchedule(schedule="* * * * * *")),
        schedule_pb2.Schedule(cron_schedule=schedule_pb2.CronSchedule(schedule="H * * * *")),
        schedule_pb2.Schedule(cron_schedule=schedule_pb2.CronSchedule(schedule="0 0 30 2 *")),
        schedule_pb2.Schedule(rate=schedule_pb2.FixedRate(value=0, unit=schedule_pb2.MINUTE)),
    ],
)
def test_schedules_that_cannot_be_evaluated_are_refused(schedule: schedule_pb2.Schedule) -> None:
    with pytest.raises(InvalidSchedule):
        schedule_of(_launch_plan(schedule))


def test_execution_names_are_the_reference_schedulers() -> None:
    # Computed with the reference's own algorithm (Go's hash/fnv New64 and google/uuid).
    tick = datetime.fromtimestamp(1_700_000_000, UTC)
    assert execution_name(KEY, tick) == "fe52efffd29c0ab83000"
    assert execution_name(KEY, tick + timedelta(minutes=1)) != execution_name(KEY, tick)
    newer = LaunchPlanKey(KEY.project, KEY.domain, KEY.name, "v2")
    assert execution_name(newer, tick) != execution_name(KEY, tick)


def test_a_tick_becomes_a_scheduled_execution_with_the_kickoff_time() -> None:
    tick = datetime(2024, 3, 1, 10, 5, 17, tzinfo=UTC)
    schedule = Schedule(KEY, ACTIVATED, "kickoff", every=timedelta(minutes=5))
    request = launch_request(schedule, tick)
    assert (request.project, request.domain) == (KEY.project, KEY.domain)
    assert request.name == execution_name(KEY, tick)
    assert request.spec.launch_plan.version == "v1"
    assert request.spec.metadata.mode == execution_pb2.ExecutionMetadata.SCHEDULED
    assert request.spec.metadata.scheduled_at.ToDatetime(tzinfo=UTC) == tick
    kickoff = request.inputs.literals["kickoff"].scalar.primitive.datetime
    assert kickoff.ToDatetime(tzinfo=UTC) == tick
    assert not launch_request(Schedule(KEY, ACTIVATED, "", cron="@daily"), tick).inputs.literals
