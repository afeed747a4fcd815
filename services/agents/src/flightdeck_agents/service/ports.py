"""What the agents service needs from an agent server; ``clients/agent_servers.py`` speaks
gRPC to a real one. Every method raises ``flightdeck_platform.faults`` kinds: Unavailable when
the server cannot be reached, the server's own refusal otherwise."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from typing import Protocol

from flyteidl.admin import agent_pb2


class AgentServer(Protocol):
    @property
    def name(self) -> str: ...

    async def list_agents(self) -> list[agent_pb2.Agent]: ...

    async def create_task(
        self, request: agent_pb2.CreateTaskRequest
    ) -> agent_pb2.CreateTaskResponse: ...

    async def get_task(self, request: agent_pb2.GetTaskRequest) -> agent_pb2.GetTaskResponse: ...

    async def delete_task(
        self, request: agent_pb2.DeleteTaskRequest
    ) -> agent_pb2.DeleteTaskResponse: ...

    async def get_task_metrics(
        self, request: agent_pb2.GetTaskMetricsRequest
    ) -> agent_pb2.GetTaskMetricsResponse: ...

    def get_task_logs(
        self, request: agent_pb2.GetTaskLogsRequest
    ) -> AsyncIterator[agent_pb2.GetTaskLogsResponse]: ...

    def execute_task_sync(
        self, requests: AsyncIterable[agent_pb2.ExecuteTaskSyncRequest]
    ) -> AsyncIterator[agent_pb2.ExecuteTaskSyncResponse]: ...
