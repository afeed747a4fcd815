"""Request shape checks of the three event RPCs (admin.md §4.2, §4.3, §4.4 step 1).

Errors name the full path of the field (``event.parent_node_execution_id.node_id``). Deliberate
differences from the reference: a missing ``occurred_at`` is refused here where the reference
fails later with INTERNAL, and a node event must name its execution, node and time (the reference
only logs its validation errors) because it is routed and keyed by its execution.
"""

from __future__ import annotations

from typing import TypeAlias

from flyteidl.admin import event_pb2 as admin_event_pb2
from flyteidl.core import identifier_pb2, literals_pb2

from flightdeck_platform import faults

WorkflowEventRequest: TypeAlias = admin_event_pb2.WorkflowExecutionEventRequest
NodeEventRequest: TypeAlias = admin_event_pb2.NodeExecutionEventRequest
TaskEventRequest: TypeAlias = admin_event_pb2.TaskExecutionEventRequest
EventRequest: TypeAlias = WorkflowEventRequest | NodeEventRequest | TaskEventRequest


def validate_workflow_event(request: WorkflowEventRequest, max_output_bytes: int) -> None:
    _require(request, "event", "")
    event = request.event
    _require(event, "execution_id", "event.")
    _require(event, "occurred_at", "event.")
    if event.HasField("output_data"):
        _check_output_size(event.output_data, max_output_bytes)


def validate_node_event(request: NodeEventRequest, max_output_bytes: int) -> None:
    """Only what routing needs: the reference accepts everything else, oversized inline outputs
    included (they are offloaded, not refused), so ``max_output_bytes`` is not applied."""
    del max_output_bytes
    _require(request, "event", "")
    event = request.event
    _require(event, "id", "event.")
    _require(event.id, "execution_id", "event.id.")
    if not event.id.node_id:
        raise faults.MissingField("event.id.node_id")
    _require(event, "occurred_at", "event.")


def validate_task_event(request: TaskEventRequest, max_output_bytes: int) -> None:
    _require(request, "event", "")
    event = request.event
    _require(event, "occurred_at", "event.")
    if event.HasField("output_data"):
        _check_output_size(event.output_data, max_output_bytes)
    _require(event, "parent_node_execution_id", "event.")
    _validate_node_execution_id(event.parent_node_execution_id, "event.parent_node_execution_id")
    _require(event, "task_id", "event.")
    _validate_task_id(event.task_id, "event.task_id")


def execution_of_event(request: EventRequest) -> identifier_pb2.WorkflowExecutionIdentifier:
    """The workflow execution the event belongs to: its Kafka key, so its events stay ordered."""
    if isinstance(request, admin_event_pb2.WorkflowExecutionEventRequest):
        return request.event.execution_id
    if isinstance(request, admin_event_pb2.NodeExecutionEventRequest):
        return request.event.id.execution_id
    return request.event.parent_node_execution_id.execution_id


def _require(message: object, field: str, path: str) -> None:
    if not message.HasField(field):  # type: ignore[attr-defined]
        raise faults.MissingField(path + field)


def _check_output_size(outputs: literals_pb2.LiteralMap, max_output_bytes: int) -> None:
    size = outputs.ByteSize()
    if size > max_output_bytes:
        raise faults.ResourceExhausted(
            f"output data size exceeds platform maximum ({size} bytes > {max_output_bytes} bytes)"
        )


def _validate_node_execution_id(node: identifier_pb2.NodeExecutionIdentifier, path: str) -> None:
    _require(node, "execution_id", f"{path}.")
    if not node.node_id:
        raise faults.MissingField(f"{path}.node_id")
    _require_strings(node.execution_id, ("project", "domain", "name"), f"{path}.execution_id")


def _validate_task_id(task: identifier_pb2.Identifier, path: str) -> None:
    if task.resource_type != identifier_pb2.TASK:
        kind = identifier_pb2.ResourceType.Name(task.resource_type).lower()
        raise faults.InvalidField(
            f"{path}.resource_type", f"unexpected resource type {kind}, expected task"
        )
    _require_strings(task, ("project", "domain", "name", "version"), path)


def _require_strings(message: object, fields: tuple[str, ...], path: str) -> None:
    for field in fields:
        if not getattr(message, field):
            raise faults.MissingField(f"{path}.{field}")
