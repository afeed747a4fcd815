"""Task execution read rules (admin.md §4.4 last line, §5.5): request checks in the reference's
order and the not-found answer."""

from __future__ import annotations

from typing import TypeAlias

from flyteidl.core import identifier_pb2

from flightdeck_admin.domain import identifiers
from flightdeck_admin.domain.errors import EntityNotFound, MissingField
from flightdeck_admin.domain.node_executions import require_node_execution_id
from flightdeck_typecheck import compact_text

TaskExecutionId: TypeAlias = identifier_pb2.TaskExecutionIdentifier


def require_task_execution_id(task_id: TaskExecutionId, *, present: bool = True) -> None:
    if not present:
        raise MissingField("id")
    if not task_id.HasField("node_execution_id"):
        raise MissingField("node_execution_id")
    require_node_execution_id(task_id.node_execution_id)
    if not task_id.HasField("task_id"):
        raise MissingField("task_id")
    identifiers.require_complete(task_id.task_id, identifiers.TASK)


def task_execution_not_found(task_id: TaskExecutionId) -> EntityNotFound:
    return EntityNotFound(
        f"missing entity of type task execution with identifier {compact_text(task_id)}"
    )
