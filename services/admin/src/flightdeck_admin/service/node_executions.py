"""GetNodeExecution, ListNodeExecutions and ListNodeExecutionsForTask (admin.md §4.3 "Read
side", §5.5)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

from flyteidl.admin import node_execution_pb2

from flightdeck_admin.domain import node_executions as rules
from flightdeck_admin.domain.task_executions import require_task_execution_id
from flightdeck_admin.service.record_ports import (
    ExecutionId,
    NodeExecutionId,
    NodeExecutionStore,
    NodeParent,
    TaskExecutionStore,
)
from flightdeck_records.node_executions import NodeRecord
from flightdeck_records.task_executions import task_key

NodeExecution: TypeAlias = node_execution_pb2.NodeExecution


class NodeExecutions:
    def __init__(self, nodes: NodeExecutionStore, tasks: TaskExecutionStore) -> None:
        self._nodes = nodes
        self._tasks = tasks

    async def get(self, request: node_execution_pb2.NodeExecutionGetRequest) -> NodeExecution:
        """Children are consulted only for nodes first reported without an event version (their
        events could not carry ``is_parent``), as the reference does."""
        rules.require_node_execution_id(request.id, present=request.HasField("id"))
        record = await self._nodes.get(request.id)
        if record.event_version != 0:
            return record.node
        return (await self._flagged(request.id.execution_id, [record]))[0]

    async def list_nodes(
        self, request: node_execution_pb2.NodeExecutionListRequest
    ) -> node_execution_pb2.NodeExecutionList:
        rules.require_listed_execution(request)
        rules.require_limit(request.limit)
        execution_id = request.workflow_execution_id
        if request.unique_parent_id:
            await self._nodes.get(
                NodeExecutionId(execution_id=execution_id, node_id=request.unique_parent_id)
            )
        return await self._page(execution_id, NodeParent(node_id=request.unique_parent_id), request)

    async def list_nodes_for_task(
        self, request: node_execution_pb2.NodeExecutionForTaskListRequest
    ) -> node_execution_pb2.NodeExecutionList:
        task_id = request.task_execution_id
        require_task_execution_id(task_id, present=request.HasField("task_execution_id"))
        rules.require_limit(request.limit)
        await self._tasks.get(task_id)
        execution_id = task_id.node_execution_id.execution_id
        return await self._page(execution_id, NodeParent(task_key=task_key(task_id)), request)

    async def _page(
        self,
        execution_id: ExecutionId,
        parent: NodeParent,
        request: node_execution_pb2.NodeExecutionListRequest
        | node_execution_pb2.NodeExecutionForTaskListRequest,
    ) -> node_execution_pb2.NodeExecutionList:
        records, token = await self._nodes.list_page(execution_id, parent, request)
        nodes = await self._flagged(execution_id, records)
        return node_execution_pb2.NodeExecutionList(
            node_executions=[rules.trimmed_for_listing(node) for node in nodes], token=token
        )

    async def _flagged(
        self, execution_id: ExecutionId, records: Sequence[NodeRecord]
    ) -> list[NodeExecution]:
        unflagged = [r.node.id.node_id for r in records if not r.node.metadata.is_parent_node]
        parents = await self._nodes.parents_among(execution_id, unflagged)
        return [
            rules.with_derived_flags(
                r.node, r.node.id.node_id in parents, r.dynamic_workflow is not None
            )
            for r in records
        ]
