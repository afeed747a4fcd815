# ruff: noqa: E501  (the phase tables are wider than a line: one row per stored phase)
"""Every (stored phase, event phase) pair of the three entities and its exact outcome.

Cells: ``ok`` applied; ``AE`` AlreadyExists (duplicate); ``T`` FailedPrecondition carrying
``already_in_terminal_state`` (workflows name the stored phase, nodes and tasks the event's, as
the reference does); ``FP`` FailedPrecondition without details.
"""

from __future__ import annotations

import pytest
from flyteidl.admin import event_pb2 as admin_event_pb2
from flyteidl.admin import node_execution_pb2, task_execution_pb2
from flyteidl.core import execution_pb2 as core_execution_pb2
from flyteidl.core import identifier_pb2

from flightdeck_events.domain.node_events import apply_node_event
from flightdeck_events.domain.task_events import apply_task_event
from flightdeck_events.domain.workflow_events import ExecutionProgress, apply_workflow_event
from flightdeck_platform import faults
from flightdeck_records.node_executions import NodeRecord
from flightdeck_records.task_executions import TaskRecord

WorkflowPhase = core_execution_pb2.WorkflowExecution.Phase
NodePhase = core_execution_pb2.NodeExecution.Phase
TaskPhase = core_execution_pb2.TaskExecution.Phase

WORKFLOW_TABLE = """
stored/event UNDEFINED QUEUED RUNNING SUCCEEDING SUCCEEDED FAILING FAILED ABORTED TIMED_OUT ABORTING
UNDEFINED    AE        ok     ok      ok         ok        ok      ok     ok      ok        ok
QUEUED       ok        ok     ok      ok         ok        ok      ok     ok      ok        ok
RUNNING      ok        FP     AE      ok         ok        ok      ok     ok      ok        ok
SUCCEEDING   ok        ok     ok      AE         ok        ok      ok     ok      ok        ok
SUCCEEDED    T         T      T       T          AE        T       T      T       T         T
FAILING      ok        ok     ok      ok         ok        AE      ok     ok      ok        ok
FAILED       T         T      T       T          T         T       AE     T       T         T
ABORTED      T         T      T       T          T         T       T      AE      T         T
TIMED_OUT    T         T      T       T          T         T       T      T       AE        T
ABORTING     FP        FP     FP      FP         ok        FP      ok     ok      ok        AE
"""

NODE_TABLE = """
stored/event    UNDEFINED QUEUED RUNNING SUCCEEDED FAILING FAILED ABORTED SKIPPED TIMED_OUT DYNAMIC_RUNNING RECOVERED
none            ok        ok     ok      ok        ok      ok     ok      ok      ok        ok              ok
UNDEFINED       AE        ok     ok      ok        ok      ok     ok      ok      ok        ok              ok
QUEUED          ok        AE     ok      ok        ok      ok     ok      ok      ok        ok              ok
RUNNING         ok        ok     AE      ok        ok      ok     ok      ok      ok        ok              ok
SUCCEEDED       T         T      T       AE        T       T      T       T       T         T               T
FAILING         ok        ok     ok      ok        AE      ok     ok      ok      ok        ok              ok
FAILED          T         T      T       T         T       AE     T       T       T         T               T
ABORTED         T         T      T       T         T       T      AE      T       T         T               T
SKIPPED         T         T      T       T         T       T      T       AE      T         T               T
TIMED_OUT       T         T      T       T         T       T      T       T       AE        T               T
DYNAMIC_RUNNING ok        ok     ok      ok        ok      ok     ok      ok      ok        AE              ok
RECOVERED       T         T      T       T         T       T      T       T       T         T               AE
"""

TASK_TABLE = """
stored/event          UNDEFINED QUEUED RUNNING SUCCEEDED ABORTED FAILED INITIALIZING WAITING_FOR_RESOURCES RETRYABLE_FAILED
none                  ok        ok     ok      ok        ok      ok     ok           ok                    ok
UNDEFINED             AE        ok     ok      ok        ok      ok     ok           ok                    ok
QUEUED                ok        AE     ok      ok        ok      ok     ok           ok                    ok
RUNNING               ok        ok     AE      ok        ok      ok     ok           ok                    ok
SUCCEEDED             T         T      T       AE        T       T      T            T                     T
ABORTED               T         T      T       T         AE      T      T            T                     T
FAILED                T         T      T       T         T       AE     T            T                     T
INITIALIZING          ok        ok     ok      ok        ok      ok     AE           ok                    ok
WAITING_FOR_RESOURCES ok        ok     ok      ok        ok      ok     ok           AE                    ok
RETRYABLE_FAILED      ok        ok     ok      ok        ok      ok     ok           ok                    AE
"""


def _cells(table: str) -> list[tuple[str, str, str]]:
    header, *rows = table.strip().splitlines()
    events = header.split()[1:]
    cells = []
    for row in rows:
        stored, *outcomes = row.split()
        assert len(outcomes) == len(events), row
        cells.extend(zip([stored] * len(events), events, outcomes, strict=True))
    return cells


def _check_outcome(apply, outcome: str, terminal_phase: str) -> None:  # type: ignore[no-untyped-def]
    if outcome == "ok":
        apply()
        return
    expected = {
        "AE": faults.AlreadyExists,
        "T": faults.FailedPrecondition,
        "FP": faults.FailedPrecondition,
    }
    with pytest.raises(expected[outcome]) as raised:
        apply()
    details = raised.value.details
    if outcome == "T":
        assert details == (
            admin_event_pb2.EventFailureReason(
                already_in_terminal_state=admin_event_pb2.EventErrorAlreadyInTerminalState(
                    current_phase=terminal_phase
                )
            ),
        )
    else:
        assert details == ()


def test_the_tables_cover_every_pair() -> None:
    workflow_phases = WorkflowPhase.keys()
    assert {(s, e) for s, e, _ in _cells(WORKFLOW_TABLE)} == {
        (s, e) for s in workflow_phases for e in workflow_phases
    }
    for table, enum in ((NODE_TABLE, NodePhase), (TASK_TABLE, TaskPhase)):
        phases = enum.keys()
        assert {(s, e) for s, e, _ in _cells(table)} == {
            (s, e) for s in ["none", *phases] for e in phases
        }


@pytest.mark.parametrize(("stored", "incoming", "outcome"), _cells(WORKFLOW_TABLE))
def test_workflow_phase_pairs(events, stored: str, incoming: str, outcome: str) -> None:
    progress = ExecutionProgress(phase=WorkflowPhase.Value(stored), cluster="east")
    request = events.workflow(WorkflowPhase.Value(incoming), 1, producer_id="east")
    _check_outcome(lambda: apply_workflow_event(progress, request), outcome, stored)
    if outcome == "ok":
        assert apply_workflow_event(progress, request).phase == WorkflowPhase.Value(incoming)


@pytest.mark.parametrize(("stored", "incoming", "outcome"), _cells(NODE_TABLE))
def test_node_phase_pairs(events, stored: str, incoming: str, outcome: str) -> None:
    record = None
    if stored != "none":
        closure = node_execution_pb2.NodeExecutionClosure(phase=NodePhase.Value(stored))
        record = NodeRecord(node=node_execution_pb2.NodeExecution(id=events.NODE, closure=closure))
    request = events.node(NodePhase.Value(incoming), 1)
    _check_outcome(lambda: apply_node_event(record, request), outcome, incoming)
    if outcome == "ok":
        assert apply_node_event(record, request).node.closure.phase == NodePhase.Value(incoming)


@pytest.mark.parametrize(("stored", "incoming", "outcome"), _cells(TASK_TABLE))
def test_task_phase_pairs(events, stored: str, incoming: str, outcome: str) -> None:
    """Stored and incoming phase versions are equal: repeating a phase is a duplicate."""
    request = events.task(TaskPhase.Value(incoming), 1, phase_version=2)
    record = None
    if stored != "none":
        closure = task_execution_pb2.TaskExecutionClosure(phase=TaskPhase.Value(stored))
        attempt = identifier_pb2.TaskExecutionIdentifier(
            task_id=events.TASK, node_execution_id=events.NODE, retry_attempt=1
        )
        record = TaskRecord(
            task=task_execution_pb2.TaskExecution(id=attempt, closure=closure), phase_version=2
        )
    _check_outcome(lambda: apply_task_event(record, request), outcome, incoming)
    if outcome == "ok":
        assert apply_task_event(record, request).task.closure.phase == TaskPhase.Value(incoming)
