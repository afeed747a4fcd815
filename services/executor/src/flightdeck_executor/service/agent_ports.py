"""What agent task nodes need: the agents service (``clients/agents.py`` speaks gRPC to it).

Calls raise ``AgentsUnavailable`` when the agents cannot be reached (retried without failing
the task, within a budget) and ``AgentsRefused`` when they answer with a refusal."""

from __future__ import annotations

from typing import Protocol

from flyteidl.admin import agent_pb2

from flightdeck_platform import faults


class AgentsUnavailable(faults.Unavailable):
    pass


class AgentsRefused(Exception):
    pass


class Agents(Protocol):
    def serves(self, task_type: str, version: int) -> bool:
        """From the last ListAgents read (or the configured task types)."""

    def is_sync(self, task_type: str, version: int) -> bool: ...

    async def refresh_soon(self) -> None:
        """Reads ListAgents again unless it was read a moment ago."""

    async def create(self, request: agent_pb2.CreateTaskRequest) -> bytes:
        """The resource meta to poll with."""

    async def execute_sync(self, request: agent_pb2.CreateTaskRequest) -> agent_pb2.Resource: ...

    async def get(
        self, category: agent_pb2.TaskCategory, resource_meta: bytes, output_prefix: str
    ) -> agent_pb2.Resource: ...

    async def delete(self, category: agent_pb2.TaskCategory, resource_meta: bytes) -> None: ...
