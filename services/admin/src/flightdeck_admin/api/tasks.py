"""AdminService task RPCs."""

from __future__ import annotations

import grpc
from flyteidl.admin import common_pb2, task_pb2

from flightdeck_admin.service.tasks import Tasks


class TasksApi:
    def __init__(self, tasks: Tasks) -> None:
        self._tasks = tasks

    async def CreateTask(
        self, request: task_pb2.TaskCreateRequest, context: grpc.aio.ServicerContext
    ) -> task_pb2.TaskCreateResponse:
        await self._tasks.create(request)
        return task_pb2.TaskCreateResponse()

    async def GetTask(
        self, request: common_pb2.ObjectGetRequest, context: grpc.aio.ServicerContext
    ) -> task_pb2.Task:
        return await self._tasks.get(request.id)
