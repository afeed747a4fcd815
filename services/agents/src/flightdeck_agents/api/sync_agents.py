"""SyncAgentService: one bidirectional stream per task, routed by its header."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
from flyteidl.admin import agent_pb2

from flightdeck_agents.api import validate
from flightdeck_agents.service.tasks import AgentTasks


class SyncAgentApi:
    def __init__(self, tasks: AgentTasks) -> None:
        self._tasks = tasks

    async def ExecuteTaskSync(
        self,
        requests: AsyncIterator[agent_pb2.ExecuteTaskSyncRequest],
        context: grpc.aio.ServicerContext,
    ) -> AsyncIterator[agent_pb2.ExecuteTaskSyncResponse]:
        header = validate.sync_header(await anext(requests, None))
        async for response in self._tasks.execute_sync(header, requests):
            yield response
