"""CreateTaskEvent's rules (admin.md §4.4 steps 4-5). Each retry attempt is its own record,
created by its first event (in any phase) and updated by the later ones.

The caller has validated the request, found the execution (NotFound) and run ``check_cluster``,
read the attempt and, when it is absent, proved its node execution exists (NotFound).
"""

from __future__ import annotations

from flyteidl.admin import task_execution_pb2
from flyteidl.core import identifier_pb2
from flyteidl.event import event_pb2

from flightdeck_events.domain import closures
from flightdeck_events.domain.phases import TASK_TERMINAL, TaskPhase, task_phase_name
from flightdeck_events.domain.rejections import AlreadyInTerminalState, DuplicateEvent
from flightdeck_events.domain.requests import TaskEventRequest
from flightdeck_events.domain.task_merges import (
    filter_logs,
    filter_resource_logs,
    merge_custom_info,
    merge_logs,
    merge_metadata,
    replace_all,
    sort_external_resources,
)
from flightdeck_records.task_executions import TaskRecord, task_key


def task_execution_id(
    event: event_pb2.TaskExecutionEvent,
) -> identifier_pb2.TaskExecutionIdentifier:
    return identifier_pb2.TaskExecutionIdentifier(
        task_id=event.task_id,
        node_execution_id=event.parent_node_execution_id,
        retry_attempt=event.retry_attempt,
    )


def check_task_event(stored: TaskRecord | None, request: TaskEventRequest) -> None:
    """A phase repeated without a newer phase version is a duplicate; a finished attempt takes
    nothing more, and the refusal names the *event's* phase as ``current_phase`` (a reference
    quirk). Any other move is accepted, a lower phase version in a new phase included."""
    if stored is None:
        return
    event = request.event
    current = stored.task.closure.phase
    if event.phase == current and stored.phase_version >= event.phase_version:
        raise DuplicateEvent(
            f"phase {task_phase_name(current)} version {stored.phase_version} was already "
            f"recorded for task execution {_name(event)}"
        )
    if current in TASK_TERMINAL:
        raise AlreadyInTerminalState(
            f"invalid phase change from {task_phase_name(current)} to "
            f"{task_phase_name(event.phase)} for task execution {_name(event)}",
            current_phase=task_phase_name(event.phase),
        )


def apply_task_event(stored: TaskRecord | None, request: TaskEventRequest) -> TaskRecord:
    check_task_event(stored, request)
    if stored is None:
        return _create(request.event)
    return _update(stored, request.event)


def _create(event: event_pb2.TaskExecutionEvent) -> TaskRecord:
    task = task_execution_pb2.TaskExecution(
        id=task_execution_id(event), input_uri=closures.input_uri_of(event)
    )
    closure = task.closure
    closure.phase = event.phase
    closure.created_at.CopyFrom(event.occurred_at)
    closure.updated_at.CopyFrom(closures.reported_time(event))
    closure.logs.extend(event.logs)
    closure.task_type = event.task_type
    closure.event_version = event.event_version
    if event.HasField("custom_info"):
        closure.custom_info.CopyFrom(event.custom_info)
    if event.HasField("metadata"):
        closure.metadata.CopyFrom(event.metadata)
        replace_all(
            closure.metadata.external_resources,
            sort_external_resources(event.metadata.external_resources),
        )
    _append_reasons(closure, event)
    _enter_phase(closure, event)
    return TaskRecord(
        task=task, phase_version=event.phase_version, event_version=event.event_version
    )


def _update(stored: TaskRecord, event: event_pb2.TaskExecutionEvent) -> TaskRecord:
    """The task type is the one the first event reported."""
    task = task_execution_pb2.TaskExecution()
    task.CopyFrom(stored.task)
    if not task.input_uri:
        task.input_uri = closures.input_uri_of(event)
    closure = task.closure
    phase_changed = closure.phase != event.phase
    closure.phase = event.phase
    closures.advance(closure.updated_at, closures.reported_time(event))
    replace_all(closure.logs, filter_logs(merge_logs(closure.logs, event.logs), event.phase))
    _append_reasons(closure, event)
    _enter_phase(closure, event)
    _merge_custom_info(closure, event)
    if event.HasField("metadata"):
        merge_metadata(closure.metadata, event.metadata)
    if phase_changed and closure.HasField("metadata"):
        filter_resource_logs(closure.metadata, event.phase)
    event_version = max(stored.event_version, event.event_version)
    closure.event_version = max(closure.event_version, event.event_version)
    return TaskRecord(task=task, phase_version=event.phase_version, event_version=event_version)


def _enter_phase(
    closure: task_execution_pb2.TaskExecutionClosure, event: event_pb2.TaskExecutionEvent
) -> None:
    if event.phase == TaskPhase.RUNNING:
        closures.start_once(closure.started_at, event.occurred_at)
    elif event.phase in TASK_TERMINAL:
        closures.finish(closure, event.occurred_at)
        closures.record_result(closure, event)


MAX_REASONS = 256
"""Reasons an attempt keeps, the latest ones: a producer reporting a new reason every few seconds
for days would otherwise grow the record without bound (the gateway bounds each reason)."""


def _append_reasons(
    closure: task_execution_pb2.TaskExecutionClosure, event: event_pb2.TaskExecutionEvent
) -> None:
    """Every reason of ``reasons[]``; a single ``reason`` only when it is news, stamped with the
    event's time. ``reason`` holds the latest."""
    _note_reasons(closure, event)
    if len(closure.reasons) > MAX_REASONS:
        del closure.reasons[: len(closure.reasons) - MAX_REASONS]


def _note_reasons(
    closure: task_execution_pb2.TaskExecutionClosure, event: event_pb2.TaskExecutionEvent
) -> None:
    if event.reasons:
        closure.reasons.extend(
            task_execution_pb2.Reason(occurred_at=r.occurred_at, message=r.reason)
            for r in event.reasons
        )
        closure.reason = event.reasons[-1].reason
    elif event.reason:
        if event.reason != closure.reason:
            closure.reasons.append(
                task_execution_pb2.Reason(occurred_at=event.occurred_at, message=event.reason)
            )
        closure.reason = event.reason


def _merge_custom_info(
    closure: task_execution_pb2.TaskExecutionClosure, event: event_pb2.TaskExecutionEvent
) -> None:
    if not event.HasField("custom_info"):
        return
    if closure.HasField("custom_info"):
        closure.custom_info.CopyFrom(merge_custom_info(closure.custom_info, event.custom_info))
    else:
        closure.custom_info.CopyFrom(event.custom_info)


def _name(event: event_pb2.TaskExecutionEvent) -> str:
    return task_key(task_execution_id(event))
