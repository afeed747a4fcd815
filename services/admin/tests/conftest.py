"""Execution records as the events projector writes them (flightdeck_records codecs), for every
test tier of admin's record reads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flyteidl.admin import execution_pb2, node_execution_pb2, task_execution_pb2
from flyteidl.core import execution_pb2 as core_execution_pb2
from flyteidl.core import identifier_pb2

from flightdeck_records import executions, node_executions, task_executions
from flightdeck_records.documents import EventPosition

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
EXECUTION = identifier_pb2.WorkflowExecutionIdentifier(
    project="p", domain="development", name="run1"
)
TASK = identifier_pb2.Identifier(
    resource_type=identifier_pb2.TASK, project="p", domain="development", name="t", version="v1"
)
Edit = Callable[[Any], None]


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def node_id(node: str, execution: identifier_pb2.WorkflowExecutionIdentifier = EXECUTION) -> Any:
    return identifier_pb2.NodeExecutionIdentifier(node_id=node, execution_id=execution)


def task_id(node: str, retry: int = 0, task: identifier_pb2.Identifier = TASK) -> Any:
    return identifier_pb2.TaskExecutionIdentifier(
        task_id=task, node_execution_id=node_id(node), retry_attempt=retry
    )


class Records:
    """Builds documents; ``created`` (seconds after T0) is both the event time and the row's
    insert time; ``edit`` adjusts the message before it is encoded."""

    execution_id = EXECUTION
    task_identifier = TASK
    at = staticmethod(at)
    node_id = staticmethod(node_id)
    task_id = staticmethod(task_id)
    offset = 0

    def _position(self) -> EventPosition:
        self.offset += 1
        return EventPosition(0, self.offset)

    def node(
        self,
        node: str,
        *,
        phase: str = "SUCCEEDED",
        created: float = 0,
        updated: float | None = None,
        parent_id: str = "",
        parent_task: str = "",
        event_version: int = 1,
        dynamic: node_executions.DynamicWorkflowRef | None = None,
        edit: Edit | None = None,
        execution: identifier_pb2.WorkflowExecutionIdentifier = EXECUTION,
    ) -> dict[str, Any]:
        message = node_execution_pb2.NodeExecution(id=node_id(node, execution))
        message.metadata.spec_node_id = node
        closure = message.closure
        closure.phase = core_execution_pb2.NodeExecution.Phase.Value(phase)
        closure.created_at.FromDatetime(at(created))
        closure.updated_at.FromDatetime(at(created + 1 if updated is None else updated))
        if edit:
            edit(message)
        record = node_executions.NodeRecord(
            message, parent_id, parent_task, dynamic, event_version=event_version
        )
        document = node_executions.node_document(record, self._position(), at(created))
        return {**document, "created_at": at(created)}

    def task(
        self,
        node: str,
        *,
        retry: int = 0,
        phase: str = "SUCCEEDED",
        created: float = 0,
        updated: float | None = None,
        task: identifier_pb2.Identifier = TASK,
        edit: Edit | None = None,
    ) -> dict[str, Any]:
        message = task_execution_pb2.TaskExecution(id=task_id(node, retry, task))
        closure = message.closure
        closure.phase = core_execution_pb2.TaskExecution.Phase.Value(phase)
        closure.created_at.FromDatetime(at(created))
        closure.updated_at.FromDatetime(at(created + 1 if updated is None else updated))
        if edit:
            edit(message)
        record = task_executions.TaskRecord(message)
        document = task_executions.task_document(record, self._position(), at(created))
        return {**document, "created_at": at(created)}

    def execution(
        self,
        execution_id: identifier_pb2.WorkflowExecutionIdentifier = EXECUTION,
        *,
        inputs_uri: str = "",
        workflow_id: identifier_pb2.Identifier | None = None,
        progress: execution_pb2.ExecutionClosure | None = None,
        phase: str = "RUNNING",
        created: float = 0,
    ) -> dict[str, Any]:
        """As admin inserts it (identity, blob, inputs) with the projector's progress."""
        accepted = execution_pb2.Execution(id=execution_id)
        accepted.closure.created_at.FromDatetime(at(created))
        accepted.closure.updated_at.FromDatetime(at(created))
        if workflow_id is not None:
            accepted.closure.workflow_id.CopyFrom(workflow_id)
        document = {
            **executions.identity(execution_id),
            executions.PHASE: "UNDEFINED",
            "blob": accepted.SerializeToString(),
            "inputs_uri": inputs_uri,
            "created_at": at(created),
        }
        if progress is not None:
            phase_value = core_execution_pb2.WorkflowExecution.Phase.Value(phase)
            fields = executions.progress_fields(
                phase_value, progress, "", self._position(), at(created)
            )
            document.update(fields)
        return document


@pytest.fixture
def records() -> Records:
    return Records()
