"""AdminService task RPCs."""

from __future__ import annotations

import grpc
from flyteidl.admin import common_pb2, task_pb2

from flightdeck_admin.service.tasks import Tasks
from flightdeck_admin.service.versioned import VersionedListing


class TasksApi:
    def __init__(
        self,
        tasks: Tasks,
        listing: VersionedListing[task_pb2.Task, task_pb2.TaskList],
    ) -> None:
        self._listing = listing
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

    async def ListTasks(
        self, request: common_pb2.ResourceListRequest, context: grpc.aio.ServicerContext
    ) -> task_pb2.TaskList:
        return await self._listing.list(request)

    async def ListTaskIds(
        self,
        request: common_pb2.NamedEntityIdentifierListRequest,
        context: grpc.aio.ServicerContext,
    ) -> common_pb2.NamedEntityIdentifierList:
        return await self._listing.list_ids(request)
