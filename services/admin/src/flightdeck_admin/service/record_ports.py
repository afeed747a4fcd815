"""The execution records admin reads but the events projector writes (flightdeck_records):
executions as GetExecution answers them, node executions and task executions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias

from flyteidl.admin import execution_pb2
from flyteidl.core import identifier_pb2

from flightdeck_records.node_executions import NodeRecord
from flightdeck_records.task_executions import TaskRecord

ExecutionId: TypeAlias = identifier_pb2.WorkflowExecutionIdentifier
NodeExecutionId: TypeAlias = identifier_pb2.NodeExecutionIdentifier
TaskExecutionId: TypeAlias = identifier_pb2.TaskExecutionIdentifier


@dataclass(frozen=True)
class RecordedExecution:
    execution: execution_pb2.Execution
    inputs_uri: str


@dataclass(frozen=True)
class NodeParent:
    """Which node executions of an execution a listing holds: the children of ``node_id``, the
    nodes ``task_key`` (flightdeck_records.task_executions.task_key) launched, or, with neither,
    the top-level nodes."""

    node_id: str = ""
    task_key: str = ""


class ExecutionReader(Protocol):
    async def get(self, execution_id: ExecutionId) -> RecordedExecution:
        """Raises EntityNotFound."""


class NodeExecutionStore(Protocol):
    async def get(self, node_id: NodeExecutionId) -> NodeRecord:
        """Raises EntityNotFound."""

    async def list_page(
        self, execution_id: ExecutionId, parent: NodeParent, request: Any
    ) -> tuple[list[NodeRecord], str]:
        """One page by the request's filters, sort_by, limit and token, and the next token."""

    async def parents_among(self, execution_id: ExecutionId, node_ids: Sequence[str]) -> set[str]:
        """The ids among ``node_ids`` that some node of the execution names as its parent."""

    async def launchers_among(self, task_keys: Sequence[str]) -> set[str]:
        """The task attempts among ``task_keys`` that launched node executions."""


class TaskExecutionStore(Protocol):
    async def get(self, task_id: TaskExecutionId) -> TaskRecord:
        """Raises EntityNotFound."""

    async def list_page(
        self, node_id: NodeExecutionId, request: Any
    ) -> tuple[list[TaskRecord], str]:
        """The node's attempts, one page, and the next token."""
