"""ExternalPluginService (deprecated in flyteidl, kept for old clients)."""

from __future__ import annotations

import grpc
from flyteidl.service import external_plugin_service_pb2 as legacy

from flightdeck_agents.api import validate
from flightdeck_agents.service.external_plugins import ExternalPlugins
from flightdeck_platform import faults


def _job(task_type: str, job_id: str) -> None:
    if not task_type:
        raise faults.MissingField("task_type")
    if not job_id:
        raise faults.MissingField("job_id")


class ExternalPluginApi:
    def __init__(self, plugins: ExternalPlugins) -> None:
        self._plugins = plugins

    async def CreateTask(
        self, request: legacy.TaskCreateRequest, context: grpc.aio.ServicerContext
    ) -> legacy.TaskCreateResponse:
        validate.template_type(request.template.type)
        return await self._plugins.create(request)

    async def GetTask(
        self, request: legacy.TaskGetRequest, context: grpc.aio.ServicerContext
    ) -> legacy.TaskGetResponse:
        _job(request.task_type, request.job_id)
        return await self._plugins.get(request)

    async def DeleteTask(
        self, request: legacy.TaskDeleteRequest, context: grpc.aio.ServicerContext
    ) -> legacy.TaskDeleteResponse:
        _job(request.task_type, request.job_id)
        return await self._plugins.delete(request)
