"""Folds one batch of events into the records it touches, in Kafka order, with the reference
state machine. Pure: the loaded records come in, the changed records and what to announce come
out; the caller does the reading and writing.

Idempotence: every record remembers the Kafka position of the last event folded into it, so an
event redelivered after a crash (at or before that position) changes nothing, except that the
phase changes it caused are announced again: the record keeps them until they are surely
published (see ``working_set.Announcement``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from flyteidl.admin import event_pb2 as admin_event_pb2
from flyteidl.core import identifier_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from flightdeck_events.domain import cluster, node_events, phases, task_events, workflow_events
from flightdeck_events.projection.working_set import (
    Announcement,
    ExecutionEntry,
    NodeEntry,
    TaskEntry,
    Wanted,
    WorkingSet,
    execution_key,
)
from flightdeck_platform import faults
from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2
from flightdeck_records.documents import EventPosition
from flightdeck_records.node_executions import DynamicWorkflowRef, node_key
from flightdeck_records.task_executions import task_key

PhaseChanged = events_pb2.ExecutionPhaseChanged


@dataclass(frozen=True)
class PreparedEvent:
    """An accepted event whose inline data the caller already moved to the object store."""

    position: EventPosition
    envelope: events_pb2.EventEnvelope
    dynamic_workflow: DynamicWorkflowRef | None = None


@dataclass(frozen=True)
class Rejection:
    position: EventPosition
    reason: str
    category: str
    """A bounded label for metrics: ``missing_reference`` or the refusal's status name."""


@dataclass
class FoldResult:
    executions: dict[str, ExecutionEntry] = field(default_factory=dict)
    nodes: dict[str, NodeEntry] = field(default_factory=dict)
    tasks: dict[str, TaskEntry] = field(default_factory=dict)
    phase_changes: list[PhaseChanged] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    duplicates: int = 0
    redelivered: int = 0
    applied: int = 0


class _Rejected(Exception):
    pass


def task_execution_id(
    event: events_pb2.EventEnvelope,
) -> identifier_pb2.TaskExecutionIdentifier:
    task = event.task.event
    return identifier_pb2.TaskExecutionIdentifier(
        task_id=task.task_id,
        node_execution_id=task.parent_node_execution_id,
        retry_attempt=task.retry_attempt,
    )


def wanted(envelopes: Sequence[events_pb2.EventEnvelope]) -> Wanted:
    """Every record the batch reads: its targets, their executions and their references."""
    executions: set[tuple[str, str, str]] = set()
    nodes: set[str] = set()
    tasks: set[str] = set()

    def execution(execution_id: identifier_pb2.WorkflowExecutionIdentifier) -> None:
        executions.add((execution_id.project, execution_id.domain, execution_id.name))

    for envelope in envelopes:
        kind = envelope.WhichOneof("event")
        if kind == "workflow":
            execution(envelope.workflow.event.execution_id)
        elif kind == "node":
            node_id = envelope.node.event.id
            execution(node_id.execution_id)
            nodes.add(node_key(node_id))
            references = node_events.node_references(envelope.node)
            if references.parent_task_key:
                tasks.add(references.parent_task_key)
            if references.parent_node_id:
                nodes.add(_sibling(node_id.execution_id, references.parent_node_id))
            if references.child_execution is not None:
                execution(references.child_execution)
        elif kind == "task":
            task_id = task_execution_id(envelope)
            execution(task_id.node_execution_id.execution_id)
            nodes.add(node_key(task_id.node_execution_id))
            tasks.add(task_key(task_id))
    return Wanted(frozenset(executions), frozenset(nodes), frozenset(tasks))


def fold(working: WorkingSet, events: Sequence[PreparedEvent]) -> FoldResult:
    result = FoldResult()
    _forget_published(working, _first_offsets(events))
    for event in events:
        kind = event.envelope.WhichOneof("event")
        apply: Callable[[WorkingSet, PreparedEvent, FoldResult], None] = _APPLY[kind or ""]
        try:
            apply(working, event, result)
        except faults.AlreadyExists:
            result.duplicates += 1
        except _Rejected as missing:
            result.rejections.append(Rejection(event.position, str(missing), "missing_reference"))
        except faults.Fault as refusal:
            result.rejections.append(Rejection(event.position, str(refusal), _category(refusal)))
    return result


def _first_offsets(events: Sequence[PreparedEvent]) -> dict[int, int]:
    """Where the batch starts on each partition: every offset before is committed."""
    first: dict[int, int] = {}
    for event in events:
        partition, offset = event.position.partition, event.position.offset
        first[partition] = min(offset, first.get(partition, offset))
    return first


def _forget_published(working: WorkingSet, first_offsets: dict[int, int]) -> None:
    """Drops the announcements of committed events: they were published before the commit."""

    def owed(announcing: tuple[Announcement, ...]) -> tuple[Announcement, ...]:
        return tuple(
            owing
            for owing in announcing
            if owing.position.offset >= first_offsets.get(owing.position.partition, 1 << 62)
        )

    for execution in working.executions.values():
        execution.announcing = owed(execution.announcing)
    for node in working.nodes.values():
        node.announcing = owed(node.announcing)
    for task in working.tasks.values():
        task.announcing = owed(task.announcing)


def _announce_again(
    result: FoldResult, event: PreparedEvent, announcing: tuple[Announcement, ...]
) -> None:
    result.redelivered += 1
    result.phase_changes += [o.change for o in announcing if o.position == event.position]


def _workflow(working: WorkingSet, event: PreparedEvent, result: FoldResult) -> None:
    request = event.envelope.workflow
    key = execution_key(request.event.execution_id)
    entry = _execution(working, request.event.execution_id)
    if event.position.already_applied(entry.applied):
        _announce_again(result, event, entry.announcing)
        return
    before = entry.progress.phase
    entry.progress = workflow_events.apply_workflow_event(entry.progress, request)
    entry.applied = event.position
    result.executions[key] = entry
    result.applied += 1
    entry.announcing += _announce(
        result,
        event,
        PhaseChanged.WORKFLOW,
        request.event.execution_id,
        (before, entry.progress.phase),
        occurred_at=request.event.occurred_at,
    )


def _node(working: WorkingSet, event: PreparedEvent, result: FoldResult) -> None:
    request = event.envelope.node
    node_id = request.event.id
    execution = _execution(working, node_id.execution_id)
    cluster.check_cluster(execution.progress.cluster, request.event.producer_id)
    key = node_key(node_id)
    entry = working.nodes.get(key)
    if entry is not None and event.position.already_applied(entry.applied):
        _announce_again(result, event, entry.announcing)
        return
    missing = _missing_reference(working, request, creating=entry is None)
    if missing:
        raise _Rejected(f"{missing} not found")
    before = entry.record.node.closure.phase if entry else None
    record = node_events.apply_node_event(
        entry.record if entry else None, request, event.dynamic_workflow
    )
    updated = NodeEntry(
        record,
        event.position,
        entry.loaded if entry else None,
        entry.announcing if entry else (),
    )
    working.nodes[key] = result.nodes[key] = updated
    result.applied += 1
    updated.announcing += _announce(
        result,
        event,
        PhaseChanged.NODE,
        node_id.execution_id,
        (before, record.node.closure.phase),
        occurred_at=request.event.occurred_at,
        node_id=node_id.node_id,
    )


def _task(working: WorkingSet, event: PreparedEvent, result: FoldResult) -> None:
    request = event.envelope.task
    task_id = task_execution_id(event.envelope)
    node_id = task_id.node_execution_id
    execution = _execution(working, node_id.execution_id)
    cluster.check_cluster(execution.progress.cluster, request.event.producer_id)
    key = task_key(task_id)
    entry = working.tasks.get(key)
    if entry is not None and event.position.already_applied(entry.applied):
        _announce_again(result, event, entry.announcing)
        return
    if entry is None and node_key(node_id) not in working.nodes:
        raise _Rejected(f"node execution {node_key(node_id)} not found")
    before = entry.record.task.closure.phase if entry else None
    record = task_events.apply_task_event(entry.record if entry else None, request)
    updated = TaskEntry(
        record,
        event.position,
        entry.loaded if entry else None,
        entry.announcing if entry else (),
    )
    working.tasks[key] = result.tasks[key] = updated
    result.applied += 1
    updated.announcing += _announce(
        result,
        event,
        PhaseChanged.TASK,
        node_id.execution_id,
        (before, record.task.closure.phase),
        occurred_at=request.event.occurred_at,
        node_id=node_id.node_id,
        task_id=task_id,
    )


def _missing_reference(
    working: WorkingSet, request: admin_event_pb2.NodeExecutionEventRequest, creating: bool
) -> str | None:
    """The first record a node event refers to that the projection lacks. Parents count only
    when the node is created, as the reference checks them then."""
    references = node_events.node_references(request)
    execution_id = request.event.id.execution_id
    if creating and references.parent_task_key not in ("", *working.tasks):
        return f"parent task execution {references.parent_task_key}"
    parent = references.parent_node_id
    if creating and parent and _sibling(execution_id, parent) not in working.nodes:
        return f"parent node execution {parent}"
    child = references.child_execution
    if child is not None and execution_key(child) not in working.executions:
        return f"child execution {execution_key(child)}"
    return None


def _category(refusal: faults.Fault) -> str:
    for kind in type(refusal).__mro__:
        if kind.__module__ == faults.__name__ and kind is not faults.Fault:
            return re.sub(r"(?<!^)(?=[A-Z])", "_", kind.__name__).lower()
    return "rejected"


def _unknown(working: WorkingSet, event: PreparedEvent, result: FoldResult) -> None:
    raise _Rejected("the envelope carries no event")


def _execution(
    working: WorkingSet, execution_id: identifier_pb2.WorkflowExecutionIdentifier
) -> ExecutionEntry:
    entry = working.executions.get(execution_key(execution_id))
    if entry is None:
        raise _Rejected(f"execution {execution_key(execution_id)} not found")
    return entry


def _sibling(execution_id: identifier_pb2.WorkflowExecutionIdentifier, node: str) -> str:
    return node_key(identifier_pb2.NodeExecutionIdentifier(execution_id=execution_id, node_id=node))


_PHASES: dict[int, tuple[Callable[[int], str], frozenset[int]]] = {
    PhaseChanged.WORKFLOW: (phases.workflow_phase_name, phases.WORKFLOW_TERMINAL),
    PhaseChanged.NODE: (phases.node_phase_name, phases.NODE_TERMINAL),
    PhaseChanged.TASK: (phases.task_phase_name, phases.TASK_TERMINAL),
}


def _announce(
    result: FoldResult,
    event: PreparedEvent,
    entity: int,
    execution_id: identifier_pb2.WorkflowExecutionIdentifier,
    transition: tuple[int | None, int],
    *,
    occurred_at: Timestamp,
    node_id: str = "",
    task_id: identifier_pb2.TaskExecutionIdentifier | None = None,
) -> tuple[Announcement, ...]:
    """A phase change for the feed, when the event changed the phase (``None``: no record);
    returned too, for the changed record to keep until it is published."""
    before, after = transition
    if after == before:
        return ()
    name_of, terminal = _PHASES[entity]
    change = PhaseChanged(
        event_id=event.envelope.event_id,
        entity=entity,  # type: ignore[arg-type]
        execution_id=execution_id,
        node_id=node_id,
        task_execution_id=task_id,
        phase=name_of(after),
        previous_phase="" if before is None else name_of(before),
        occurred_at=occurred_at,
        terminal=after in terminal,
    )
    result.phase_changes.append(change)
    return (Announcement(event.position, change),)


_APPLY: dict[str, Callable[[WorkingSet, PreparedEvent, FoldResult], None]] = {
    "workflow": _workflow,
    "node": _node,
    "task": _task,
    "": _unknown,
}
