"""Event builders shared by the state machine tests as the ``events`` fixture (test modules
cannot import each other under ``--import-mode=importlib``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest
from flyteidl.admin import event_pb2 as admin_event_pb2
from flyteidl.core import identifier_pb2
from flyteidl.event import event_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from flightdeck_events.domain.node_events import apply_node_event
from flightdeck_events.domain.task_events import apply_task_event
from flightdeck_events.domain.workflow_events import ExecutionProgress, apply_workflow_event
from flightdeck_records.node_executions import NodeRecord
from flightdeck_records.task_executions import TaskRecord

WorkflowRequest = admin_event_pb2.WorkflowExecutionEventRequest
NodeRequest = admin_event_pb2.NodeExecutionEventRequest
TaskRequest = admin_event_pb2.TaskExecutionEventRequest


class Events:
    EXECUTION = identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="d", name="n")
    NODE = identifier_pb2.NodeExecutionIdentifier(execution_id=EXECUTION, node_id="n1")
    TASK = identifier_pb2.Identifier(
        resource_type=identifier_pb2.TASK, project="p", domain="d", name="t", version="v"
    )
    START = 1_700_000_000

    @classmethod
    def at(cls, seconds: float) -> Timestamp:
        """``seconds`` after a fixed start."""
        return Timestamp(seconds=cls.START + int(seconds), nanos=round(seconds % 1 * 1e9))

    @classmethod
    def workflow(cls, phase: int, at: float, **fields: Any) -> WorkflowRequest:
        return WorkflowRequest(
            event=event_pb2.WorkflowExecutionEvent(
                execution_id=cls.EXECUTION, phase=phase, occurred_at=cls.at(at), **fields
            )
        )

    @classmethod
    def node(cls, phase: int, at: float, **fields: Any) -> NodeRequest:
        return NodeRequest(
            event=event_pb2.NodeExecutionEvent(
                id=cls.NODE, phase=phase, occurred_at=cls.at(at), **fields
            )
        )

    @classmethod
    def task(cls, phase: int, at: float, **fields: Any) -> TaskRequest:
        """An event of the attempt ``retry_attempt`` 1 unless told otherwise."""
        fields.setdefault("retry_attempt", 1)
        return TaskRequest(
            event=event_pb2.TaskExecutionEvent(
                task_id=cls.TASK,
                parent_node_execution_id=cls.NODE,
                phase=phase,
                occurred_at=cls.at(at),
                **fields,
            )
        )

    @staticmethod
    def run_workflow(*requests: WorkflowRequest, cluster: str = "east") -> ExecutionProgress:
        """The execution's progress after ``requests``, from a freshly created execution."""
        return _fold(apply_workflow_event, ExecutionProgress(phase=0, cluster=cluster), requests)

    @staticmethod
    def run_node(*requests: NodeRequest) -> NodeRecord:
        return _fold(apply_node_event, None, requests)

    @staticmethod
    def run_task(*requests: TaskRequest) -> TaskRecord:
        return _fold(apply_task_event, None, requests)


def _fold(apply: Callable[[Any, Any], Any], state: Any, requests: Iterable[Any]) -> Any:
    for request in requests:
        state = apply(state, request)
    assert state is not None
    return state


@pytest.fixture
def events() -> type[Events]:
    return Events
