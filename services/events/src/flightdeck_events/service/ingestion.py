"""The gateway's use case: validate an event, answer what the reference answers synchronously
against the current projection, and append it to the event log; OK only once the broker has it.

The projection may lag the log by the events still in flight, so the gateway refuses only what
the projection already proves wrong (unknown execution, duplicates, terminal records, a foreign
cluster). References the projector resolves in order (a task's node, a node's parent) are
checked there; an event failing them goes to the dead-letter topic."""

from __future__ import annotations

import uuid
from typing import Protocol, TypeAlias

from flyteidl.admin import event_pb2 as admin_event_pb2
from flyteidl.core import identifier_pb2

from flightdeck_events.domain import cluster, node_events, requests, task_events, workflow_events
from flightdeck_events.domain.workflow_events import ExecutionProgress
from flightdeck_events.service import metrics
from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2
from flightdeck_records.node_executions import NodeRecord
from flightdeck_records.task_executions import TaskRecord

ExecutionId: TypeAlias = identifier_pb2.WorkflowExecutionIdentifier


class ProjectionView(Protocol):
    async def execution(self, execution_id: ExecutionId, not_found: str) -> ExecutionProgress:
        """Raises faults.NotFound(not_found) when the execution does not exist."""

    async def node(self, node_id: identifier_pb2.NodeExecutionIdentifier) -> NodeRecord | None: ...

    async def task(self, task_id: identifier_pb2.TaskExecutionIdentifier) -> TaskRecord | None: ...


class EventLog(Protocol):
    async def append(self, execution_id: ExecutionId, envelope: events_pb2.EventEnvelope) -> None:
        """Returns once the broker acknowledged the record (acks=all)."""


class EventIngestion:
    def __init__(self, view: ProjectionView, log: EventLog, max_output_bytes: int) -> None:
        self._view = view
        self._log = log
        self._max_output_bytes = max_output_bytes

    async def workflow_event(self, request: admin_event_pb2.WorkflowExecutionEventRequest) -> None:
        requests.validate_workflow_event(request, self._max_output_bytes)
        execution_id = request.event.execution_id
        stored = await self._view.execution(execution_id, _missing(execution_id))
        workflow_events.check_workflow_event(stored, request)
        await self._append(execution_id, events_pb2.EventEnvelope(workflow=request), "workflow")

    async def node_event(self, request: admin_event_pb2.NodeExecutionEventRequest) -> None:
        requests.validate_node_event(request, self._max_output_bytes)
        execution_id = request.event.id.execution_id
        stored = await self._view.execution(
            execution_id, f"Failed to get existing execution id: [{_describe(execution_id)}]"
        )
        cluster.check_cluster(stored.cluster, request.event.producer_id)
        node_events.check_node_event(await self._view.node(request.event.id), request)
        await self._append(execution_id, events_pb2.EventEnvelope(node=request), "node")

    async def task_event(self, request: admin_event_pb2.TaskExecutionEventRequest) -> None:
        requests.validate_task_event(request, self._max_output_bytes)
        event = request.event
        execution_id = event.parent_node_execution_id.execution_id
        stored = await self._view.execution(execution_id, _missing(execution_id))
        cluster.check_cluster(stored.cluster, event.producer_id)
        attempt = identifier_pb2.TaskExecutionIdentifier(
            task_id=event.task_id,
            node_execution_id=event.parent_node_execution_id,
            retry_attempt=event.retry_attempt,
        )
        task_events.check_task_event(await self._view.task(attempt), request)
        await self._append(execution_id, events_pb2.EventEnvelope(task=request), "task")

    async def _append(
        self, execution_id: ExecutionId, envelope: events_pb2.EventEnvelope, kind: str
    ) -> None:
        envelope.event_id = uuid.uuid4().hex
        envelope.accepted_at.GetCurrentTime()
        await self._log.append(execution_id, envelope)
        metrics.EVENTS_ACCEPTED.labels(kind).inc()


def _describe(execution_id: ExecutionId) -> str:
    return f"project:{execution_id.project} domain:{execution_id.domain} name:{execution_id.name}"


def _missing(execution_id: ExecutionId) -> str:
    return f"execution [{_describe(execution_id)}] does not exist"
