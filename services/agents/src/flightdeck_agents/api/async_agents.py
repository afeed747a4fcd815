"""AsyncAgentService: create, poll and delete agent tasks; their metrics and (streamed) logs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
from flyteidl.admin import agent_pb2

from flightdeck_agents.api import validate
from flightdeck_agents.service.tasks import AgentTasks


class AsyncAgentApi:
    def __init__(self, tasks: AgentTasks) -> None:
        self._tasks = tasks

    async def CreateTask(
        self, request: agent_pb2.CreateTaskRequest, context: grpc.aio.ServicerContext
    ) -> agent_pb2.CreateTaskResponse:
        validate.template_type(request.template.type)
        return await self._tasks.create(request)

    async def GetTask(
        self, request: agent_pb2.GetTaskRequest, context: grpc.aio.ServicerContext
    ) -> agent_pb2.GetTaskResponse:
        validate.task_reference(request.resource_meta, request.task_category, request.task_type)
        return await self._tasks.get(request)

    async def DeleteTask(
        self, request: agent_pb2.DeleteTaskRequest, context: grpc.aio.ServicerContext
    ) -> agent_pb2.DeleteTaskResponse:
        validate.task_reference(request.resource_meta, request.task_category, request.task_type)
        return await self._tasks.delete(request)

    async def GetTaskMetrics(
        self, request: agent_pb2.GetTaskMetricsRequest, context: grpc.aio.ServicerContext
    ) -> agent_pb2.GetTaskMetricsResponse:
        validate.task_reference(request.resource_meta, request.task_category, request.task_type)
        return await self._tasks.metrics(request)

    async def GetTaskLogs(
        self, request: agent_pb2.GetTaskLogsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[agent_pb2.GetTaskLogsResponse]:
        validate.task_reference(request.resource_meta, request.task_category, request.task_type)
        async for response in self._tasks.logs(request):
            yield response
