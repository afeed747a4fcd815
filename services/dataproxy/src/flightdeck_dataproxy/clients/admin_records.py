"""The ExecutionDataLocator over admin's gRPC API: node and task-attempt data and decks come
from the records admin serves (GetNodeExecutionData, ListTaskExecutions, GetTaskExecutionData,
GetNodeExecution). Admin's NOT_FOUND becomes the data proxy's; a status that says admin cannot
answer now becomes Unavailable; anything else is an internal failure."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import grpc
from flyteidl.admin import node_execution_pb2, task_execution_pb2
from flyteidl.core import identifier_pb2
from flyteidl.service import admin_pb2_grpc
from opentelemetry import propagate

from flightdeck_dataproxy.domain.errors import AttemptNotFound, ExecutionNotFound
from flightdeck_dataproxy.domain.flyte_urls import NodeRef
from flightdeck_dataproxy.service.ports import IoData
from flightdeck_platform import faults

T = TypeVar("T")
_RETRYABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


def _node_id(node: NodeRef) -> identifier_pb2.NodeExecutionIdentifier:
    return identifier_pb2.NodeExecutionIdentifier(
        node_id=node.node_id,
        execution_id=identifier_pb2.WorkflowExecutionIdentifier(
            project=node.project, domain=node.domain, name=node.execution
        ),
    )


class AdminExecutionRecords:
    def __init__(self, channel: grpc.aio.Channel, timeout_seconds: float) -> None:
        self._admin = admin_pb2_grpc.AdminServiceStub(channel)
        self._timeout = timeout_seconds

    async def node_data(self, node: NodeRef) -> IoData:
        request = node_execution_pb2.NodeExecutionGetDataRequest(id=_node_id(node))
        data = await self._call(self._admin.GetNodeExecutionData, request)
        return IoData(data.full_inputs, data.full_outputs)

    async def attempt_data(self, node: NodeRef, attempt: int) -> IoData:
        """The attempt is found as the reference finds it: the node's task executions filtered
        by retry attempt. None listed: NOT_FOUND for an unknown node, else AttemptNotFound."""
        listed = await self._call(
            self._admin.ListTaskExecutions,
            task_execution_pb2.TaskExecutionListRequest(
                node_execution_id=_node_id(node), limit=1, filters=f"eq(retry_attempt,{attempt})"
            ),
        )
        if not listed.task_executions:
            await self.deck_uri(node)
            raise AttemptNotFound(f"node execution {node} has no task attempt {attempt}")
        request = task_execution_pb2.TaskExecutionGetDataRequest(id=listed.task_executions[0].id)
        data = await self._call(self._admin.GetTaskExecutionData, request)
        return IoData(data.full_inputs, data.full_outputs)

    async def deck_uri(self, node: NodeRef) -> str:
        request = node_execution_pb2.NodeExecutionGetRequest(id=_node_id(node))
        return str((await self._call(self._admin.GetNodeExecution, request)).closure.deck_uri)

    async def _call(self, method: Callable[..., Awaitable[T]], request: object) -> T:
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        try:
            return await method(request, timeout=self._timeout, metadata=tuple(carrier.items()))
        except grpc.aio.AioRpcError as e:
            raise _translated(e) from e


def _translated(error: grpc.aio.AioRpcError) -> faults.Fault:
    code, message = error.code(), error.details() or ""
    if code is grpc.StatusCode.NOT_FOUND:
        return ExecutionNotFound(message)
    if code in _RETRYABLE:
        return faults.Unavailable(f"admin did not answer: {message}")
    return faults.Internal(f"admin answered {code.name}: {message}")
