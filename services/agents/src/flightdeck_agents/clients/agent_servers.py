"""An agent server over gRPC: flyteidl's agent stubs on one channel, the server's statuses
turned into fault kinds here and nowhere else.

A server out of reach (UNAVAILABLE, or no answer before the deadline) is ``Unavailable``, so
callers may retry. A server's own UNKNOWN or UNAUTHENTICATED never goes back to a client as
such: flytekit reads both as "log in again" (flytekit's agent server answers UNKNOWN for an
exception it did not expect, such as GetAgent of a name it does not know).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import grpc
from flyteidl.admin import agent_pb2
from flyteidl.service import agent_pb2_grpc

from flightdeck_platform import faults

Reply = TypeVar("Reply")

_FAULTS: dict[grpc.StatusCode, type[faults.Fault]] = {
    grpc.StatusCode.UNAVAILABLE: faults.Unavailable,
    grpc.StatusCode.DEADLINE_EXCEEDED: faults.Unavailable,
    grpc.StatusCode.INVALID_ARGUMENT: faults.InvalidArgument,
    grpc.StatusCode.NOT_FOUND: faults.NotFound,
    grpc.StatusCode.ALREADY_EXISTS: faults.AlreadyExists,
    grpc.StatusCode.FAILED_PRECONDITION: faults.FailedPrecondition,
    grpc.StatusCode.OUT_OF_RANGE: faults.InvalidArgument,
    grpc.StatusCode.RESOURCE_EXHAUSTED: faults.ResourceExhausted,
    grpc.StatusCode.ABORTED: faults.Aborted,
    grpc.StatusCode.PERMISSION_DENIED: faults.PermissionDenied,
    grpc.StatusCode.UNIMPLEMENTED: faults.Unimplemented,
}


def fault_of(server: str, error: grpc.aio.AioRpcError) -> faults.Fault:
    kind = _FAULTS.get(error.code(), faults.Internal)
    return kind(f"agent server {server}: {error.code().name}: {error.details() or ''}".rstrip())


def channel(target: str, insecure: bool, max_message_bytes: int) -> grpc.aio.Channel:
    options = [
        ("grpc.max_receive_message_length", max_message_bytes),
        ("grpc.max_send_message_length", max_message_bytes),
    ]
    if insecure:
        return grpc.aio.insecure_channel(target, options=options)
    return grpc.aio.secure_channel(target, grpc.ssl_channel_credentials(), options=options)


class GrpcAgentServer:
    def __init__(
        self,
        name: str,
        channel: grpc.aio.Channel,
        call_timeout_seconds: float,
        stream_timeout_seconds: float,
    ) -> None:
        self._name = name
        self._timeout = call_timeout_seconds
        self._stream_timeout = stream_timeout_seconds
        self._metadata = agent_pb2_grpc.AgentMetadataServiceStub(channel)
        self._async = agent_pb2_grpc.AsyncAgentServiceStub(channel)
        self._sync = agent_pb2_grpc.SyncAgentServiceStub(channel)

    @property
    def name(self) -> str:
        return self._name

    async def _unary(self, call: Callable[..., Awaitable[Reply]], request: Any) -> Reply:
        try:
            return await call(request, timeout=self._timeout)
        except grpc.aio.AioRpcError as error:
            raise fault_of(self._name, error) from error

    async def list_agents(self) -> list[agent_pb2.Agent]:
        listed = await self._unary(self._metadata.ListAgents, agent_pb2.ListAgentsRequest())
        return list(listed.agents)

    async def create_task(
        self, request: agent_pb2.CreateTaskRequest
    ) -> agent_pb2.CreateTaskResponse:
        return await self._unary(self._async.CreateTask, request)

    async def get_task(self, request: agent_pb2.GetTaskRequest) -> agent_pb2.GetTaskResponse:
        return await self._unary(self._async.GetTask, request)

    async def delete_task(
        self, request: agent_pb2.DeleteTaskRequest
    ) -> agent_pb2.DeleteTaskResponse:
        return await self._unary(self._async.DeleteTask, request)

    async def get_task_metrics(
        self, request: agent_pb2.GetTaskMetricsRequest
    ) -> agent_pb2.GetTaskMetricsResponse:
        return await self._unary(self._async.GetTaskMetrics, request)

    async def get_task_logs(
        self, request: agent_pb2.GetTaskLogsRequest
    ) -> AsyncIterator[agent_pb2.GetTaskLogsResponse]:
        async for response in self._streamed(
            self._async.GetTaskLogs(request, timeout=self._stream_timeout)
        ):
            yield response

    async def execute_task_sync(
        self, requests: AsyncIterable[agent_pb2.ExecuteTaskSyncRequest]
    ) -> AsyncIterator[agent_pb2.ExecuteTaskSyncResponse]:
        call = self._sync.ExecuteTaskSync(requests, timeout=self._stream_timeout)  # type: ignore[arg-type]
        async for response in self._streamed(call):
            yield response

    async def _streamed(self, call: Any) -> AsyncIterator[Any]:
        """Cancels the server's call when the caller stops reading (its client went away)."""
        try:
            async for response in call:
                yield response
        except grpc.aio.AioRpcError as error:
            raise fault_of(self._name, error) from error
        finally:
            call.cancel()
