"""The gateway's use case: validate an event, answer what the reference answers synchronously
against the acknowledged state, append it to the event log, and record it in that state; OK only
once the broker has it and the state does.

The acknowledged state holds every event the gateways accepted, whether or not the projector has
folded it yet, so the synchronous answers (unknown execution, duplicates, terminal records, a
foreign cluster) are those of a store written in the same transaction as the event. References
the projector resolves in order (a task's node, a node's parent) are checked there; an event
failing them goes to the dead-letter topic."""

from __future__ import annotations

import uuid
from typing import Protocol, TypeAlias

from flyteidl.admin import event_pb2 as admin_event_pb2
from flyteidl.core import identifier_pb2

from flightdeck_events.domain import (
    cluster,
    limits,
    node_events,
    requests,
    task_events,
    workflow_events,
)
from flightdeck_events.domain.limits import EventLimits
from flightdeck_events.domain.workflow_events import ExecutionProgress
from flightdeck_events.service import metrics
from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2
from flightdeck_records.node_executions import NodeRecord
from flightdeck_records.task_executions import TaskRecord

ExecutionId: TypeAlias = identifier_pb2.WorkflowExecutionIdentifier


class AcknowledgedState(Protocol):
    """The phases as of the last accepted event; reads raise faults.NotFound(not_found) for an
    execution that does not exist."""

    async def workflow(self, execution_id: ExecutionId, not_found: str) -> ExecutionProgress: ...

    async def node(
        self, node_id: identifier_pb2.NodeExecutionIdentifier, not_found: str
    ) -> tuple[ExecutionProgress, NodeRecord | None]: ...

    async def task(
        self, task_id: identifier_pb2.TaskExecutionIdentifier, not_found: str
    ) -> tuple[ExecutionProgress, TaskRecord | None]: ...

    async def acknowledge_workflow(
        self, execution_id: ExecutionId, progress: ExecutionProgress
    ) -> None: ...

    async def acknowledge_node(
        self, node_id: identifier_pb2.NodeExecutionIdentifier, phase: int
    ) -> None: ...

    async def acknowledge_task(
        self, task_id: identifier_pb2.TaskExecutionIdentifier, phase: int, phase_version: int
    ) -> None: ...


class EventLog(Protocol):
    async def append(self, execution_id: ExecutionId, envelope: events_pb2.EventEnvelope) -> None:
        """Returns once the broker acknowledged the record (acks=all)."""


class EventIngestion:
    """An event appended to the log but not recorded in the state (the state store failed in
    between) is answered UNAVAILABLE: the producer retries it, and the state then judges it
    against the older phase, as the lagging projection did before; the projector skips what it
    already folded."""

    def __init__(
        self,
        state: AcknowledgedState,
        log: EventLog,
        max_output_bytes: int,
        event_limits: EventLimits,
    ) -> None:
        self._state = state
        self._log = log
        self._max_output_bytes = max_output_bytes
        self._limits = event_limits

    async def workflow_event(self, request: admin_event_pb2.WorkflowExecutionEventRequest) -> None:
        requests.validate_workflow_event(request, self._max_output_bytes)
        _count_cut(limits.bound_workflow_event(request.event, self._limits))
        execution_id = request.event.execution_id
        stored = await self._state.workflow(execution_id, _missing(execution_id))
        workflow_events.check_workflow_event(stored, request)
        await self._append(execution_id, events_pb2.EventEnvelope(workflow=request), "workflow")
        await self._state.acknowledge_workflow(
            execution_id, workflow_events.acknowledged_progress(stored, request)
        )

    async def node_event(self, request: admin_event_pb2.NodeExecutionEventRequest) -> None:
        requests.validate_node_event(request, self._max_output_bytes)
        _count_cut(limits.bound_node_event(request.event, self._limits))
        event = request.event
        execution_id = event.id.execution_id
        stored, node = await self._state.node(
            event.id, f"Failed to get existing execution id: [{_describe(execution_id)}]"
        )
        cluster.check_cluster(stored.cluster, event.producer_id)
        node_events.check_node_event(node, request)
        await self._append(execution_id, events_pb2.EventEnvelope(node=request), "node")
        await self._state.acknowledge_node(event.id, event.phase)

    async def task_event(self, request: admin_event_pb2.TaskExecutionEventRequest) -> None:
        requests.validate_task_event(request, self._max_output_bytes)
        _count_cut(limits.bound_task_event(request.event, self._limits))
        event = request.event
        execution_id = event.parent_node_execution_id.execution_id
        attempt = identifier_pb2.TaskExecutionIdentifier(
            task_id=event.task_id,
            node_execution_id=event.parent_node_execution_id,
            retry_attempt=event.retry_attempt,
        )
        stored, task = await self._state.task(attempt, _missing(execution_id))
        cluster.check_cluster(stored.cluster, event.producer_id)
        task_events.check_task_event(task, request)
        await self._append(execution_id, events_pb2.EventEnvelope(task=request), "task")
        await self._state.acknowledge_task(attempt, event.phase, event.phase_version)

    async def _append(
        self, execution_id: ExecutionId, envelope: events_pb2.EventEnvelope, kind: str
    ) -> None:
        envelope.event_id = uuid.uuid4().hex
        envelope.accepted_at.GetCurrentTime()
        await self._log.append(execution_id, envelope)
        metrics.EVENTS_ACCEPTED.labels(kind).inc()


def _count_cut(fields: list[str]) -> None:
    for field in fields:
        metrics.EVENTS_CUT.labels(field).inc()


def _describe(execution_id: ExecutionId) -> str:
    return f"project:{execution_id.project} domain:{execution_id.domain} name:{execution_id.name}"


def _missing(execution_id: ExecutionId) -> str:
    return f"execution [{_describe(execution_id)}] does not exist"
