"""The gateway's read of the projection: what seeds an execution's acknowledged state."""

from __future__ import annotations

from dataclasses import dataclass

from flyteidl.core import identifier_pb2
from pymongo.asynchronous.database import AsyncDatabase

from flightdeck_events.domain.workflow_events import ExecutionProgress
from flightdeck_events.store.projection_records import execution_entry
from flightdeck_events.store.tracing import mongo_span
from flightdeck_platform import faults
from flightdeck_records import executions, node_executions, task_executions
from flightdeck_records.node_executions import NodeRecord
from flightdeck_records.task_executions import TaskRecord


@dataclass(frozen=True)
class ProjectionSnapshot:
    progress: ExecutionProgress
    nodes: list[NodeRecord]
    tasks: list[TaskRecord]


class MongoProjectionView:
    def __init__(self, database: AsyncDatabase) -> None:
        self._executions = database[executions.COLLECTION]
        self._nodes = database[node_executions.COLLECTION]
        self._tasks = database[task_executions.COLLECTION]

    async def snapshot(
        self, execution_id: identifier_pb2.WorkflowExecutionIdentifier, not_found: str
    ) -> ProjectionSnapshot:
        """The execution with every node and task attempt projected so far; raises
        faults.NotFound(not_found) when the execution does not exist."""
        with mongo_span("find", executions.COLLECTION):
            document = await self._executions.find_one(executions.by_key(execution_id))
        if document is None:
            raise faults.NotFound(not_found)
        scope = {
            node_executions.EXECUTION_PROJECT: execution_id.project,
            node_executions.EXECUTION_DOMAIN: execution_id.domain,
            node_executions.EXECUTION_NAME: execution_id.name,
        }
        with mongo_span("find", node_executions.COLLECTION):
            nodes = [node_executions.node_record_of(d) async for d in self._nodes.find(scope)]
        with mongo_span("find", task_executions.COLLECTION):
            tasks = [task_executions.task_record_of(d) async for d in self._tasks.find(scope)]
        return ProjectionSnapshot(execution_entry(document).progress, nodes, tasks)
