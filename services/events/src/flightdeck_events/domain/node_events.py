"""CreateNodeEvent's rules (admin.md §4.3 steps 4-5): the first event of a node creates it, in
any phase; later ones update it.

The caller's order, as the reference's: validate the request; find the execution (NotFound) and
``check_cluster`` against it; upload a dynamic workflow closure if the event carries one; read
the node; ``check_node_event``; prove the ``node_references`` exist (the parents on creation, the
child execution on update: the reference ignores it on creation); ``apply_node_event``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from flyteidl.admin import node_execution_pb2
from flyteidl.core import identifier_pb2
from flyteidl.event import event_pb2

from flightdeck_events.domain import closures
from flightdeck_events.domain.phases import NODE_TERMINAL, NodePhase, node_phase_name
from flightdeck_events.domain.rejections import AlreadyInTerminalState, DuplicateEvent
from flightdeck_events.domain.requests import NodeEventRequest
from flightdeck_records.node_executions import DynamicWorkflowRef, NodeRecord, node_key
from flightdeck_records.task_executions import task_key


@dataclass(frozen=True)
class NodeReferences:
    """What must exist before the event is applied."""

    parent_task_key: str
    """``task_key`` of the task attempt that launched this node, ``""`` for none (creation)."""
    parent_node_id: str
    """The parent node in the same execution, ``""`` for none (creation)."""
    child_execution: identifier_pb2.WorkflowExecutionIdentifier | None
    """The execution a launch-plan node started (update)."""


def node_references(request: NodeEventRequest) -> NodeReferences:
    return _references(request.event)


def _references(event: event_pb2.NodeExecutionEvent) -> NodeReferences:
    child = None
    if event.HasField("workflow_node_metadata"):
        child = identifier_pb2.WorkflowExecutionIdentifier()
        child.CopyFrom(event.workflow_node_metadata.execution_id)
    return NodeReferences(
        parent_task_key=task_key(event.parent_task_metadata.id)
        if event.HasField("parent_task_metadata")
        else "",
        parent_node_id=event.parent_node_metadata.node_id,
        child_execution=child,
    )


def check_node_event(stored: NodeRecord | None, request: NodeEventRequest) -> None:
    """Only duplicates and terminal nodes are refused: any other move (even RUNNING→QUEUED) is
    accepted. The terminal refusal names the *event's* phase as ``current_phase``, a reference
    quirk propeller may read."""
    if stored is None:
        return
    event = request.event
    current = stored.node.closure.phase
    if event.phase == current:
        raise DuplicateEvent(
            f"phase {node_phase_name(current)} was already recorded for node execution "
            f"{node_key(event.id)}"
        )
    if current in NODE_TERMINAL:
        raise AlreadyInTerminalState(
            f"invalid phase change from {node_phase_name(current)} to "
            f"{node_phase_name(event.phase)} for node execution {node_key(event.id)}",
            current_phase=node_phase_name(event.phase),
        )


def apply_node_event(
    stored: NodeRecord | None,
    request: NodeEventRequest,
    dynamic_workflow: DynamicWorkflowRef | None = None,
) -> NodeRecord:
    check_node_event(stored, request)
    if stored is None:
        return _create(request.event, dynamic_workflow)
    return _update(stored, request.event, dynamic_workflow)


def _create(
    event: event_pb2.NodeExecutionEvent, dynamic_workflow: DynamicWorkflowRef | None
) -> NodeRecord:
    """The reference keeps neither ``workflow_node_metadata`` nor ``dynamic_job_spec_uri`` from a
    creating event (a quirk kept: later events fill them)."""
    node = node_execution_pb2.NodeExecution(
        id=event.id,
        input_uri=closures.input_uri_of(event),
        metadata=node_execution_pb2.NodeExecutionMetaData(
            retry_group=event.retry_group,
            spec_node_id=event.spec_node_id,
            is_parent_node=event.is_parent,
            is_dynamic=event.is_dynamic,
            is_array=event.is_array,
        ),
    )
    closure = node.closure
    closure.phase = event.phase
    closure.created_at.CopyFrom(event.occurred_at)
    closure.updated_at.CopyFrom(closures.reported_time(event))
    _enter_phase(closure, event)
    if event.HasField("task_node_metadata"):
        _record_first_task_metadata(closure, event.task_node_metadata)
    references = _references(event)
    return NodeRecord(
        node=node,
        parent_id=references.parent_node_id,
        parent_task_execution_id=references.parent_task_key,
        dynamic_workflow=dynamic_workflow,
        event_version=event.event_version,
    )


def _update(
    stored: NodeRecord,
    event: event_pb2.NodeExecutionEvent,
    dynamic_workflow: DynamicWorkflowRef | None,
) -> NodeRecord:
    node = node_execution_pb2.NodeExecution()
    node.CopyFrom(stored.node)
    if not node.input_uri:
        node.input_uri = closures.input_uri_of(event)
    closure = node.closure
    closure.phase = event.phase
    closures.advance(closure.updated_at, closures.reported_time(event))
    _enter_phase(closure, event)
    _record_target(closure, event)
    _merge_flags(node.metadata, event)
    job_spec_uri = event.task_node_metadata.dynamic_workflow.dynamic_job_spec_uri
    if job_spec_uri:
        closure.dynamic_job_spec_uri = job_spec_uri
    return replace(
        stored,
        node=node,
        dynamic_workflow=dynamic_workflow or stored.dynamic_workflow,
        dynamic_job_spec_uri=job_spec_uri or stored.dynamic_job_spec_uri,
    )


def _enter_phase(
    closure: node_execution_pb2.NodeExecutionClosure, event: event_pb2.NodeExecutionEvent
) -> None:
    if event.phase == NodePhase.RUNNING:
        closures.start_once(closure.started_at, event.occurred_at)
        closure.deck_uri = event.deck_uri
    elif event.phase in NODE_TERMINAL:
        closures.finish(closure, event.occurred_at)
        closures.record_result(closure, event)
        closure.deck_uri = event.deck_uri


def _record_first_task_metadata(
    closure: node_execution_pb2.NodeExecutionClosure, metadata: event_pb2.TaskNodeMetadata
) -> None:
    """On creation the cache outcome is kept only with its catalog key."""
    target = closure.task_node_metadata
    target.SetInParent()
    target.checkpoint_uri = metadata.checkpoint_uri
    if metadata.HasField("catalog_key"):
        target.cache_status = metadata.cache_status
        target.catalog_key.CopyFrom(metadata.catalog_key)


def _record_target(
    closure: node_execution_pb2.NodeExecutionClosure, event: event_pb2.NodeExecutionEvent
) -> None:
    """The child execution is recorded once; task node metadata replaces whatever was there."""
    target = event.WhichOneof("target_metadata")
    if target == "workflow_node_metadata":
        if closure.WhichOneof("target_metadata") != "workflow_node_metadata":
            closure.workflow_node_metadata.executionId.CopyFrom(
                event.workflow_node_metadata.execution_id
            )
    elif target == "task_node_metadata":
        metadata = event.task_node_metadata
        replacement = node_execution_pb2.TaskNodeMetadata(
            cache_status=metadata.cache_status, checkpoint_uri=metadata.checkpoint_uri
        )
        if metadata.HasField("catalog_key"):
            replacement.catalog_key.CopyFrom(metadata.catalog_key)
        closure.task_node_metadata.CopyFrom(replacement)


def _merge_flags(
    metadata: node_execution_pb2.NodeExecutionMetaData, event: event_pb2.NodeExecutionEvent
) -> None:
    """Not every event repeats these bits, so they are only ever set, never cleared."""
    metadata.is_parent_node = metadata.is_parent_node or event.is_parent
    metadata.is_dynamic = metadata.is_dynamic or event.is_dynamic
    metadata.is_array = metadata.is_array or event.is_array
