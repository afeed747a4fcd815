"""AdminService task execution reads."""

from __future__ import annotations

import grpc
from flyteidl.admin import task_execution_pb2 as te

from flightdeck_admin.service.execution_data import ExecutionData
from flightdeck_admin.service.task_executions import TaskExecutions


class TaskExecutionsApi:
    def __init__(self, tasks: TaskExecutions, data: ExecutionData) -> None:
        self._tasks = tasks
        self._data = data

    async def GetTaskExecution(
        self, request: te.TaskExecutionGetRequest, context: grpc.aio.ServicerContext
    ) -> te.TaskExecution:
        return await self._tasks.get(request)

    async def ListTaskExecutions(
        self, request: te.TaskExecutionListRequest, context: grpc.aio.ServicerContext
    ) -> te.TaskExecutionList:
        return await self._tasks.list_attempts(request)

    async def GetTaskExecutionData(
        self, request: te.TaskExecutionGetDataRequest, context: grpc.aio.ServicerContext
    ) -> te.TaskExecutionGetDataResponse:
        return await self._data.of_task(request)
