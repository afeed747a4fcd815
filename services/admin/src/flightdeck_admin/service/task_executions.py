"""GetTaskExecution and ListTaskExecutions (admin.md §4.4, §5.5): each attempt with
``is_parent`` set when it launched node executions (a dynamic task's children)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

from flyteidl.admin import task_execution_pb2

from flightdeck_admin.domain import node_executions as node_rules
from flightdeck_admin.domain.task_executions import require_task_execution_id
from flightdeck_admin.service.record_ports import NodeExecutionStore, TaskExecutionStore
from flightdeck_records.task_executions import TaskRecord, task_key

TaskExecution: TypeAlias = task_execution_pb2.TaskExecution


class TaskExecutions:
    def __init__(self, tasks: TaskExecutionStore, nodes: NodeExecutionStore) -> None:
        self._tasks = tasks
        self._nodes = nodes

    async def get(self, request: task_execution_pb2.TaskExecutionGetRequest) -> TaskExecution:
        require_task_execution_id(request.id, present=request.HasField("id"))
        return (await self._flagged([await self._tasks.get(request.id)]))[0]

    async def list_attempts(
        self, request: task_execution_pb2.TaskExecutionListRequest
    ) -> task_execution_pb2.TaskExecutionList:
        node_id = request.node_execution_id
        node_rules.require_node_execution_id(node_id, present=request.HasField("node_execution_id"))
        node_rules.require_limit(request.limit)
        records, token = await self._tasks.list_page(node_id, request)
        return task_execution_pb2.TaskExecutionList(
            task_executions=await self._flagged(records), token=token
        )

    async def _flagged(self, records: Sequence[TaskRecord]) -> list[TaskExecution]:
        keys = [task_key(r.task.id) for r in records]
        launchers = await self._nodes.launchers_among(keys)
        for record, key in zip(records, keys, strict=True):
            record.task.is_parent = record.task.is_parent or key in launchers
        return [r.task for r in records]
