"""The event requests propeller sends, built from the run state (spec/executor.md §5): one
function per event family, pure, so the order and content of a stream can be unit tested."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flyteidl.admin import event_pb2 as admin_event_pb2
from flyteidl.core import catalog_pb2, execution_pb2, identifier_pb2
from flyteidl.event import event_pb2
from google.protobuf.timestamp_pb2 import Timestamp

EVENT_VERSION = 1
PLUGIN = "container"


@dataclass(frozen=True)
class NodeRef:
    """Who a node is, for its events."""

    execution_id: identifier_pb2.WorkflowExecutionIdentifier
    uid: str
    spec_id: str
    name: str
    parent_uid: str = ""
    retry_group: str = ""
    in_dynamic: bool = False
    task_id: identifier_pb2.Identifier | None = None

    @property
    def node_execution_id(self) -> identifier_pb2.NodeExecutionIdentifier:
        return identifier_pb2.NodeExecutionIdentifier(
            node_id=self.uid, execution_id=self.execution_id
        )


@dataclass(frozen=True)
class NodeDetails:
    input_uri: str = ""
    output_uri: str = ""
    error: execution_pb2.ExecutionError | None = None
    is_parent: bool = False
    is_dynamic: bool = False
    is_array: bool = False
    checkpoint_uri: str = ""
    dynamic_workflow: event_pb2.DynamicWorkflowNodeMetadata | None = None
    cache_status: int = catalog_pb2.CACHE_DISABLED
    deck_uri: str = ""
    catalog_key: catalog_pb2.CatalogMetadata | None = None
    reservation_status: int = catalog_pb2.CatalogReservation.RESERVATION_DISABLED


@dataclass(frozen=True)
class TaskDetails:
    task_type: str
    retry_attempt: int
    phase_version: int
    input_uri: str
    generated_name: str
    output_uri: str = ""
    error: execution_pb2.ExecutionError | None = None
    logs: tuple[execution_pb2.TaskLog, ...] = ()
    reason: str = ""
    plugin: str = PLUGIN
    external_resources: tuple[event_pb2.ExternalResourceInfo, ...] = field(default=())


def timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def workflow_event(
    execution_id: identifier_pb2.WorkflowExecutionIdentifier,
    producer_id: str,
    phase: str,
    at: datetime,
    output_uri: str = "",
    error: execution_pb2.ExecutionError | None = None,
) -> admin_event_pb2.WorkflowExecutionEventRequest:
    event = event_pb2.WorkflowExecutionEvent(
        execution_id=execution_id,
        producer_id=producer_id,
        phase=execution_pb2.WorkflowExecution.Phase.Value(phase),
        occurred_at=timestamp(at),
    )
    if output_uri:
        event.output_uri = output_uri
    elif error is not None:
        event.error.CopyFrom(error)
    return admin_event_pb2.WorkflowExecutionEventRequest(event=event)


def node_event(
    node: NodeRef, producer_id: str, phase: str, at: datetime, details: NodeDetails
) -> admin_event_pb2.NodeExecutionEventRequest:
    event = event_pb2.NodeExecutionEvent(
        id=node.node_execution_id,
        producer_id=producer_id,
        phase=execution_pb2.NodeExecution.Phase.Value(phase),
        occurred_at=timestamp(at),
        reported_at=timestamp(at),
        event_version=EVENT_VERSION,
        spec_node_id=node.spec_id,
        node_name=node.name,
        is_parent=details.is_parent,
        is_dynamic=details.is_dynamic,
        is_array=details.is_array,
        is_in_dynamic_chain=node.in_dynamic,
    )
    if details.input_uri:
        event.input_uri = details.input_uri
    if details.output_uri:
        event.output_uri = details.output_uri
    elif details.error is not None:
        event.error.CopyFrom(details.error)
    if details.deck_uri:
        event.deck_uri = details.deck_uri
    if node.parent_uid:
        event.parent_node_metadata.node_id = node.parent_uid
        event.retry_group = node.retry_group
    if node.task_id is not None:
        event.target_entity.CopyFrom(node.task_id)
        _task_node_metadata(event, phase, details)
    return admin_event_pb2.NodeExecutionEventRequest(event=event)


def _task_node_metadata(event: event_pb2.NodeExecutionEvent, phase: str, d: NodeDetails) -> None:
    metadata = event.task_node_metadata
    metadata.cache_status = d.cache_status  # type: ignore[assignment]
    metadata.reservation_status = d.reservation_status  # type: ignore[assignment]
    if d.catalog_key is not None:
        metadata.catalog_key.CopyFrom(d.catalog_key)
    if d.checkpoint_uri and phase in ("SUCCEEDED", "FAILED", "TIMED_OUT"):
        metadata.checkpoint_uri = d.checkpoint_uri
    if d.dynamic_workflow is not None:
        metadata.dynamic_workflow.CopyFrom(d.dynamic_workflow)


def aborted_node_event(
    node: NodeRef, producer_id: str, at: datetime, reason: str
) -> admin_event_pb2.NodeExecutionEventRequest:
    """Abort events carry no spec id, parent or retry group (as propeller sends them)."""
    event = event_pb2.NodeExecutionEvent(
        id=node.node_execution_id,
        producer_id=producer_id,
        phase=execution_pb2.NodeExecution.ABORTED,
        occurred_at=timestamp(at),
        reported_at=timestamp(at),
        event_version=EVENT_VERSION,
        is_in_dynamic_chain=node.in_dynamic,
        error=execution_pb2.ExecutionError(code="NodeAborted", message=reason),
    )
    if node.task_id is not None:
        event.target_entity.CopyFrom(node.task_id)
    return admin_event_pb2.NodeExecutionEventRequest(event=event)


def task_event(
    node: NodeRef, producer_id: str, phase: str, at: datetime, details: TaskDetails
) -> admin_event_pb2.TaskExecutionEventRequest:
    assert node.task_id is not None, "task events belong to task nodes"
    event = event_pb2.TaskExecutionEvent(
        task_id=node.task_id,
        parent_node_execution_id=node.node_execution_id,
        retry_attempt=details.retry_attempt,
        phase=execution_pb2.TaskExecution.Phase.Value(phase),
        phase_version=details.phase_version,
        producer_id=producer_id,
        occurred_at=timestamp(at),
        reported_at=timestamp(at),
        task_type=details.task_type,
        event_version=EVENT_VERSION,
        input_uri=details.input_uri,
        logs=list(details.logs),
    )
    if details.output_uri:
        event.output_uri = details.output_uri
    elif details.error is not None:
        event.error.CopyFrom(details.error)
    if details.reason:
        event.reason = details.reason
        event.reasons.append(
            event_pb2.EventReason(reason=details.reason, occurred_at=timestamp(at))
        )
    metadata = event.metadata
    metadata.generated_name = details.generated_name
    metadata.plugin_identifier = details.plugin
    metadata.external_resources.extend(details.external_resources)
    return admin_event_pb2.TaskExecutionEventRequest(event=event)
