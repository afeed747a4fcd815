"""Which phase feed changes end an execution's signals' life, and retention following them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flyteidl.admin import signal_pb2
from flyteidl.core import identifier_pb2, types_pb2

from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2
from flightdeck_signals.domain.phase_changes import (
    ExecutionEnded,
    ReceivedChange,
    executions_ended,
)
from flightdeck_signals.service.retention import Retention
from flightdeck_signals.service.signals import Signals
from flightdeck_signals.store.memory import InMemorySignalStore

Change = events_pb2.ExecutionPhaseChanged
OCCURRED = datetime(2024, 3, 1, 12, 0, 0, 250_000, tzinfo=UTC)
RECEIVED = OCCURRED + timedelta(seconds=2)
PERIOD = timedelta(hours=1)


def _execution(
    name: str = "abc", project: str = "flytesnacks"
) -> identifier_pb2.WorkflowExecutionIdentifier:
    return identifier_pb2.WorkflowExecutionIdentifier(
        project=project, domain="development", name=name
    )


def _change(
    entity: events_pb2.ExecutionPhaseChanged.Entity.ValueType = Change.WORKFLOW,
    phase: str = "SUCCEEDED",
    terminal: bool = True,
    execution: identifier_pb2.WorkflowExecutionIdentifier | None = None,
    occurred_at: datetime | None = OCCURRED,
) -> ReceivedChange:
    change = Change(
        entity=entity, execution_id=execution or _execution(), phase=phase, terminal=terminal
    )
    if occurred_at is not None:
        change.occurred_at.FromDatetime(occurred_at)
    return ReceivedChange(change, RECEIVED)


@pytest.mark.parametrize("phase", ["SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT"])
def test_a_terminal_workflow_change_ends_the_execution_when_it_occurred(phase: str) -> None:
    assert executions_ended([_change(phase=phase)]) == [ExecutionEnded(_execution(), OCCURRED)]


@pytest.mark.parametrize(
    "ignored",
    [
        _change(phase="RUNNING", terminal=False),
        _change(phase="FAILING", terminal=False),
        _change(entity=Change.NODE),
        _change(entity=Change.TASK, phase="FAILED"),
        _change(execution=_execution(name="")),
        _change(execution=_execution(project="")),
    ],
    ids=["running", "failing", "node", "task", "no-name", "no-project"],
)
def test_everything_else_is_ignored(ignored: ReceivedChange) -> None:
    assert executions_ended([ignored]) == []


def test_without_occurred_at_the_delivery_time_stands_in() -> None:
    assert executions_ended([_change(occurred_at=None)]) == [ExecutionEnded(_execution(), RECEIVED)]


def test_ended_executions_keep_the_feed_order() -> None:
    changes = [
        _change(execution=_execution("b")),
        _change(entity=Change.NODE, execution=_execution("x")),
        _change(execution=_execution("a")),
    ]
    assert [e.execution.name for e in executions_ended(changes)] == ["b", "a"]


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def _signal_count(use_cases: Signals, name: str) -> int:
    listed = await use_cases.list(
        signal_pb2.SignalListRequest(workflow_execution_id=_execution(name), limit=5)
    )
    return len(listed.signals)


async def test_retention_sweeps_a_followed_execution_one_period_after_it_occurred() -> None:
    store = InMemorySignalStore()
    use_cases = Signals(store)
    for name in ["abc", "running"]:
        await use_cases.get_or_create(
            signal_pb2.SignalGetOrCreateRequest(
                id=identifier_pb2.SignalIdentifier(signal_id="s", execution_id=_execution(name)),
                type=types_pb2.LiteralType(simple=types_pb2.BOOLEAN),
            )
        )
    clock = _Clock(OCCURRED + PERIOD - timedelta(milliseconds=1))
    retention = Retention(store, PERIOD, clock=clock)
    feed = [
        _change(phase="RUNNING", terminal=False),
        _change(execution=_execution("running"), entity=Change.NODE),
        _change(),
    ]
    assert await retention.follow_phase_changes(feed) == 1
    assert await retention.follow_phase_changes(feed) == 1  # a redelivered batch
    assert await retention.sweep() == 0
    clock.now = OCCURRED + PERIOD
    assert await retention.sweep() == 1
    assert await _signal_count(use_cases, "abc") == 0
    assert await _signal_count(use_cases, "running") == 1
    assert await retention.sweep() == 0
