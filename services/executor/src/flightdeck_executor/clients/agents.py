"""The agents service over gRPC: which task types it serves (its ListAgents, read in the
background) and the create / poll / delete calls of agent tasks. Statuses become the port's
two errors here: out of reach or overloaded is ``AgentsUnavailable``, anything else a
refusal."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta

import grpc
from flyteidl.admin import agent_pb2
from flyteidl.service import agent_pb2_grpc

from flightdeck_executor.service.agent_ports import AgentsRefused, AgentsUnavailable

_log = logging.getLogger("flightdeck.executor.agents")
FRESH_SECONDS = 2.0
"""A task no agent was known for reads ListAgents again, at most this often."""
_TRANSIENT = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.ABORTED,
    }
)


def _translated(error: grpc.aio.AioRpcError) -> Exception:
    message = f"{error.code().name}: {error.details() or ''}"
    if error.code() in _TRANSIENT:
        return AgentsUnavailable(message)
    return AgentsRefused(message)


class GrpcAgents:
    def __init__(
        self, channel: grpc.aio.Channel, timeout_seconds: float, task_types: Sequence[str] = ()
    ) -> None:
        self._metadata = agent_pb2_grpc.AgentMetadataServiceStub(channel)
        self._async = agent_pb2_grpc.AsyncAgentServiceStub(channel)
        self._sync = agent_pb2_grpc.SyncAgentServiceStub(channel)
        self._timeout = timeout_seconds
        self._configured = {(name, 0) for name in task_types}
        self._served: dict[tuple[str, int], bool] = {}
        self._read_at = 0.0

    def serves(self, task_type: str, version: int) -> bool:
        return (task_type, version) in self._served or (task_type, version) in self._configured

    def is_sync(self, task_type: str, version: int) -> bool:
        return self._served.get((task_type, version), False)

    async def refresh(self) -> None:
        try:
            listed = await self._metadata.ListAgents(
                agent_pb2.ListAgentsRequest(), timeout=self._timeout
            )
        except grpc.aio.AioRpcError as error:
            raise _translated(error) from error
        served: dict[tuple[str, int], bool] = {}
        for agent in listed.agents:
            for category in agent.supported_task_categories:
                served[(category.name, category.version)] = agent.is_sync
            for name in agent.supported_task_types:
                served.setdefault((name, 0), agent.is_sync)
        self._served = served
        self._read_at = time.monotonic()

    async def refresh_soon(self) -> None:
        if time.monotonic() - self._read_at >= FRESH_SECONDS:
            await self.refresh()

    async def run(self, interval: timedelta) -> None:
        """Reads the agents forever; a failing read keeps the last answer and is logged."""
        while True:
            try:
                await self.refresh()
            except Exception as error:
                _log.warning("agents unanswered", extra={"error": str(error)})
            await asyncio.sleep(interval.total_seconds())

    async def create(self, request: agent_pb2.CreateTaskRequest) -> bytes:
        try:
            created = await self._async.CreateTask(request, timeout=self._timeout)
        except grpc.aio.AioRpcError as error:
            raise _translated(error) from error
        return bytes(created.resource_meta)

    async def execute_sync(self, request: agent_pb2.CreateTaskRequest) -> agent_pb2.Resource:
        header = agent_pb2.CreateRequestHeader(
            template=request.template,
            output_prefix=request.output_prefix,
            task_execution_metadata=request.task_execution_metadata,
        )

        async def requests() -> AsyncIterator[agent_pb2.ExecuteTaskSyncRequest]:
            yield agent_pb2.ExecuteTaskSyncRequest(header=header)
            yield agent_pb2.ExecuteTaskSyncRequest(inputs=request.inputs)

        call = self._sync.ExecuteTaskSync(requests(), timeout=self._timeout)  # type: ignore[arg-type]
        resource = agent_pb2.Resource()
        try:
            async for response in call:
                if response.HasField("header"):
                    resource.MergeFrom(response.header.resource)
                elif response.HasField("outputs"):
                    resource.outputs.MergeFrom(response.outputs)
        except grpc.aio.AioRpcError as error:
            raise _translated(error) from error
        return resource

    async def get(
        self, category: agent_pb2.TaskCategory, resource_meta: bytes, output_prefix: str
    ) -> agent_pb2.Resource:
        request = agent_pb2.GetTaskRequest(
            task_type=category.name,
            task_category=category,
            resource_meta=resource_meta,
            output_prefix=output_prefix,
        )
        try:
            found = await self._async.GetTask(request, timeout=self._timeout)
        except grpc.aio.AioRpcError as error:
            raise _translated(error) from error
        return found.resource

    async def delete(self, category: agent_pb2.TaskCategory, resource_meta: bytes) -> None:
        request = agent_pb2.DeleteTaskRequest(
            task_type=category.name, task_category=category, resource_meta=resource_meta
        )
        try:
            await self._async.DeleteTask(request, timeout=self._timeout)
        except grpc.aio.AioRpcError as error:
            raise _translated(error) from error
