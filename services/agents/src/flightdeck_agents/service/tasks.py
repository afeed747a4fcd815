"""The agent task calls, each passed to the server that supports the task's category."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator

from flyteidl.admin import agent_pb2

from flightdeck_agents.domain.routing import Category
from flightdeck_agents.service.directory import AgentDirectory


def category_of(task_category: agent_pb2.TaskCategory, task_type: str) -> Category:
    """Requests name the category; older clients only the (deprecated) task type."""
    if task_category.name:
        return Category(task_category.name, task_category.version)
    return Category(task_type)


class AgentTasks:
    def __init__(self, directory: AgentDirectory) -> None:
        self._directory = directory

    async def create(self, request: agent_pb2.CreateTaskRequest) -> agent_pb2.CreateTaskResponse:
        template = request.template
        server = await self._directory.server_for(
            Category(template.type, template.task_type_version)
        )
        return await server.create_task(request)

    async def get(self, request: agent_pb2.GetTaskRequest) -> agent_pb2.GetTaskResponse:
        category = category_of(request.task_category, request.task_type)
        return await (await self._directory.server_for(category)).get_task(request)

    async def delete(self, request: agent_pb2.DeleteTaskRequest) -> agent_pb2.DeleteTaskResponse:
        category = category_of(request.task_category, request.task_type)
        return await (await self._directory.server_for(category)).delete_task(request)

    async def metrics(
        self, request: agent_pb2.GetTaskMetricsRequest
    ) -> agent_pb2.GetTaskMetricsResponse:
        category = category_of(request.task_category, request.task_type)
        return await (await self._directory.server_for(category)).get_task_metrics(request)

    async def logs(
        self, request: agent_pb2.GetTaskLogsRequest
    ) -> AsyncIterator[agent_pb2.GetTaskLogsResponse]:
        category = category_of(request.task_category, request.task_type)
        server = await self._directory.server_for(category)
        async for response in server.get_task_logs(request):
            yield response

    async def execute_sync(
        self,
        header: agent_pb2.ExecuteTaskSyncRequest,
        rest: AsyncIterable[agent_pb2.ExecuteTaskSyncRequest],
    ) -> AsyncIterator[agent_pb2.ExecuteTaskSyncResponse]:
        """``header`` is the stream's first message (already read, to route the stream); the
        server receives it, then the rest of the caller's stream as it comes."""
        template = header.header.template
        server = await self._directory.server_for(
            Category(template.type, template.task_type_version)
        )

        async def requests() -> AsyncIterator[agent_pb2.ExecuteTaskSyncRequest]:
            yield header
            async for request in rest:
                yield request

        async for response in server.execute_task_sync(requests()):
            yield response
