"""The gateway's read of the projection, for the checks the reference answers synchronously."""

from __future__ import annotations

from flyteidl.core import identifier_pb2
from pymongo.asynchronous.database import AsyncDatabase

from flightdeck_events.domain.workflow_events import ExecutionProgress
from flightdeck_events.store.projection_records import execution_entry
from flightdeck_events.store.tracing import mongo_span
from flightdeck_platform import faults
from flightdeck_records import executions, node_executions, task_executions
from flightdeck_records.node_executions import NodeRecord
from flightdeck_records.task_executions import TaskRecord


class MongoProjectionView:
    def __init__(self, database: AsyncDatabase) -> None:
        self._executions = database[executions.COLLECTION]
        self._nodes = database[node_executions.COLLECTION]
        self._tasks = database[task_executions.COLLECTION]

    async def execution(
        self, execution_id: identifier_pb2.WorkflowExecutionIdentifier, not_found: str
    ) -> ExecutionProgress:
        with mongo_span("find", executions.COLLECTION):
            document = await self._executions.find_one(executions.by_key(execution_id))
        if document is None:
            raise faults.NotFound(not_found)
        return execution_entry(document).progress

    async def node(self, node_id: identifier_pb2.NodeExecutionIdentifier) -> NodeRecord | None:
        with mongo_span("find", node_executions.COLLECTION):
            document = await self._nodes.find_one({"_id": node_executions.node_key(node_id)})
        return None if document is None else node_executions.node_record_of(document)

    async def task(self, task_id: identifier_pb2.TaskExecutionIdentifier) -> TaskRecord | None:
        with mongo_span("find", task_executions.COLLECTION):
            document = await self._tasks.find_one({"_id": task_executions.task_key(task_id)})
        return None if document is None else task_executions.task_record_of(document)
