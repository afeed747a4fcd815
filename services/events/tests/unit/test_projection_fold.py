"""Folding a batch: Kafka order, idempotence by position, references, announcements."""

from __future__ import annotations

from flyteidl.admin import execution_pb2
from flyteidl.core import execution_pb2 as core
from flyteidl.core import identifier_pb2

from flightdeck_events.domain.workflow_events import ExecutionProgress
from flightdeck_events.projection.fold import PreparedEvent, fold, wanted
from flightdeck_events.projection.working_set import (
    ExecutionEntry,
    Loaded,
    NodeEntry,
    TaskEntry,
    WorkingSet,
    execution_key,
)
from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2
from flightdeck_records.documents import EventPosition
from flightdeck_records.node_executions import node_key
from flightdeck_records.task_executions import task_key

WF, NODE, TASK = core.WorkflowExecution, core.NodeExecution, core.TaskExecution


def _working(events) -> WorkingSet:  # type: ignore[no-untyped-def]
    working = WorkingSet()
    working.executions[execution_key(events.EXECUTION)] = ExecutionEntry(
        events.EXECUTION, 0, ExecutionProgress(0, "", execution_pb2.ExecutionClosure()), None
    )
    return working


def _batch(*requests, start: int = 0) -> list[PreparedEvent]:  # type: ignore[no-untyped-def]
    prepared = []
    for offset, request in enumerate(requests, start=start):
        kind = {"WorkflowExecutionEventRequest": "workflow", "NodeExecutionEventRequest": "node"}
        envelope = events_pb2.EventEnvelope(event_id=f"e{offset}")
        getattr(envelope, kind.get(type(request).__name__, "task")).CopyFrom(request)
        prepared.append(PreparedEvent(EventPosition(0, offset), envelope))
    return prepared


def test_events_fold_in_order_and_announce_each_phase_change(events) -> None:  # type: ignore[no-untyped-def]
    working = _working(events)
    result = fold(
        working,
        _batch(
            events.workflow(WF.RUNNING, 1),
            events.node(NODE.RUNNING, 2),
            events.task(TASK.RUNNING, 3),
            events.task(TASK.SUCCEEDED, 4),
            events.node(NODE.SUCCEEDED, 5),
            events.workflow(WF.SUCCEEDED, 6),
        ),
    )

    assert (result.applied, result.rejections, result.duplicates) == (6, [], 0)
    assert working.executions[execution_key(events.EXECUTION)].progress.phase == WF.SUCCEEDED
    assert working.nodes[node_key(events.NODE)].record.node.closure.phase == NODE.SUCCEEDED
    changes = [(c.entity, c.phase, c.previous_phase, c.terminal) for c in result.phase_changes]
    entity = events_pb2.ExecutionPhaseChanged
    assert changes == [
        (entity.WORKFLOW, "RUNNING", "UNDEFINED", False),
        (entity.NODE, "RUNNING", "", False),
        (entity.TASK, "RUNNING", "", False),
        (entity.TASK, "SUCCEEDED", "RUNNING", True),
        (entity.NODE, "SUCCEEDED", "RUNNING", True),
        (entity.WORKFLOW, "SUCCEEDED", "RUNNING", True),
    ]
    assert result.executions[execution_key(events.EXECUTION)].applied == EventPosition(0, 5)


def test_a_redelivered_batch_changes_nothing_and_announces_its_changes_again(events) -> None:  # type: ignore[no-untyped-def]
    working = _working(events)
    batch = _batch(events.workflow(WF.RUNNING, 1), events.node(NODE.RUNNING, 2))
    first = fold(working, batch)

    again = fold(working, batch)

    assert (again.applied, again.redelivered) == (0, 2)
    assert again.executions == {} and again.nodes == {}
    # Uncommitted, so perhaps never published: the records kept them for the redelivery.
    assert again.phase_changes == first.phase_changes
    assert [c.event_id for c in again.phase_changes] == ["e0", "e1"]


def test_a_record_keeps_only_the_announcements_of_events_not_yet_committed(events) -> None:  # type: ignore[no-untyped-def]
    working = _working(events)
    fold(working, _batch(events.workflow(WF.RUNNING, 1), events.node(NODE.RUNNING, 2)))

    later = fold(working, _batch(events.node(NODE.SUCCEEDED, 3), start=2))

    # The batch starts at offset 2: offsets 0 and 1 were committed, so published.
    node = later.nodes[node_key(events.NODE)]
    assert [o.position for o in node.announcing] == [EventPosition(0, 2)]
    assert working.executions[execution_key(events.EXECUTION)].announcing == ()
    assert [c.event_id for c in later.phase_changes] == ["e2"]


def test_a_partly_redelivered_batch_keeps_owing_the_redelivered_announcements(events) -> None:  # type: ignore[no-untyped-def]
    working = _working(events)
    fold(working, _batch(events.node(NODE.RUNNING, 1)))

    longer = fold(working, _batch(events.node(NODE.RUNNING, 1), events.node(NODE.SUCCEEDED, 2)))

    node = longer.nodes[node_key(events.NODE)]
    assert [o.position.offset for o in node.announcing] == [0, 1]
    assert [c.event_id for c in longer.phase_changes] == ["e0", "e1"]


def test_entries_tell_the_records_the_batch_created_from_the_loaded_ones(events) -> None:  # type: ignore[no-untyped-def]
    working = _working(events)
    created = fold(
        working,
        _batch(
            events.node(NODE.RUNNING, 1),
            events.task(TASK.RUNNING, 2),
            events.task(TASK.RUNNING, 3, phase_version=1),  # still created by the batch
        ),
    )
    loaded = _working(events)
    node, (task_key_, task) = created.nodes[node_key(events.NODE)], *created.tasks.items()
    loaded.nodes[node_key(events.NODE)] = NodeEntry(node.record, node.applied, Loaded(node.applied))
    loaded.tasks[task_key_] = TaskEntry(task.record, task.applied, Loaded(task.applied))

    updated = fold(
        loaded,
        _batch(events.task(TASK.SUCCEEDED, 4), events.node(NODE.SUCCEEDED, 5), start=3),
    )

    assert created.applied == 3
    assert [e.stored for e in (*created.nodes.values(), *created.tasks.values())] == [False, False]
    assert updated.applied == 2
    assert [e.stored for e in (*updated.nodes.values(), *updated.tasks.values())] == [True, True]


def test_a_duplicate_is_dropped_not_dead_lettered(events) -> None:  # type: ignore[no-untyped-def]
    result = fold(
        _working(events), _batch(events.node(NODE.RUNNING, 1), events.node(NODE.RUNNING, 2))
    )

    assert (result.applied, result.duplicates, result.rejections) == (1, 1, [])


def test_events_it_cannot_apply_are_rejected_with_the_reason_and_the_batch_goes_on(events) -> None:  # type: ignore[no-untyped-def]
    stranger = identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="d", name="gone")
    orphan = events.workflow(WF.RUNNING, 1)
    orphan.event.execution_id.CopyFrom(stranger)
    working = _working(events)
    result = fold(
        working,
        _batch(
            orphan,
            events.task(TASK.RUNNING, 2),  # its node has no record yet
            events.workflow(WF.SUCCEEDED, 3),
            events.workflow(WF.RUNNING, 4),  # after a terminal phase
        ),
    )

    reasons = [(r.position.offset, r.reason) for r in result.rejections]
    assert reasons[0] == (0, "execution p/d/gone not found")
    assert reasons[1] == (1, f"node execution {node_key(events.NODE)} not found")
    assert reasons[2] == (
        3,
        "invalid phase change from SUCCEEDED to RUNNING for workflow execution p/d/n",
    )
    assert [r.category for r in result.rejections] == [
        "missing_reference",
        "missing_reference",
        "failed_precondition",
    ]
    assert result.applied == 1


def test_a_child_node_needs_its_parent_task_attempt(events) -> None:  # type: ignore[no-untyped-def]
    parent = identifier_pb2.TaskExecutionIdentifier(
        task_id=events.TASK, node_execution_id=events.NODE, retry_attempt=0
    )
    child = events.node(NODE.RUNNING, 5)
    child.event.id.node_id = "n1-0-dn0"
    child.event.parent_task_metadata.id.CopyFrom(parent)
    working = _working(events)

    missing = fold(working, _batch(child))
    fold(
        working,
        _batch(
            events.node(NODE.RUNNING, 1), events.task(TASK.RUNNING, 2, retry_attempt=0), start=1
        ),
    )
    present = fold(working, _batch(child, start=3))

    assert [r.reason for r in missing.rejections] == [
        f"parent task execution {task_key(parent)} not found"
    ]
    assert present.applied == 1
    stored = working.nodes[node_key(child.event.id)].record
    assert stored.parent_task_execution_id == task_key(parent)


def test_wanted_names_every_record_the_batch_reads(events) -> None:  # type: ignore[no-untyped-def]
    parent = identifier_pb2.TaskExecutionIdentifier(
        task_id=events.TASK, node_execution_id=events.NODE, retry_attempt=0
    )
    child = events.node(NODE.RUNNING, 5)
    child.event.id.node_id = "n1-0-dn0"
    child.event.parent_task_metadata.id.CopyFrom(parent)

    needed = wanted([p.envelope for p in _batch(child, events.task(TASK.RUNNING, 2))])

    assert needed.executions == {("p", "d", "n")}
    assert needed.nodes == {node_key(child.event.id), node_key(events.NODE)}
    assert needed.tasks == {task_key(parent), f"{node_key(events.NODE)}/p/d/t/v/1"}
