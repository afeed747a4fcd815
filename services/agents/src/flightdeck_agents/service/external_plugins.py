"""The deprecated ExternalPluginService, served through the agent calls of today's servers
(flytekit's agent server no longer serves the old service itself)."""

from __future__ import annotations

from flyteidl.admin import agent_pb2
from flyteidl.service import external_plugin_service_pb2 as legacy

from flightdeck_agents.domain import legacy as rules
from flightdeck_agents.service.tasks import AgentTasks


class ExternalPlugins:
    def __init__(self, tasks: AgentTasks) -> None:
        self._tasks = tasks

    async def create(self, request: legacy.TaskCreateRequest) -> legacy.TaskCreateResponse:
        created = await self._tasks.create(
            agent_pb2.CreateTaskRequest(
                inputs=request.inputs,
                template=request.template,
                output_prefix=request.output_prefix,
            )
        )
        return legacy.TaskCreateResponse(job_id=rules.job_id(created.resource_meta))

    async def get(self, request: legacy.TaskGetRequest) -> legacy.TaskGetResponse:
        found = await self._tasks.get(
            agent_pb2.GetTaskRequest(
                task_category=agent_pb2.TaskCategory(name=request.task_type),
                resource_meta=rules.resource_meta(request.job_id),
            )
        )
        resource = found.resource
        return legacy.TaskGetResponse(state=rules.state_of(resource), outputs=resource.outputs)  # type: ignore[arg-type]

    async def delete(self, request: legacy.TaskDeleteRequest) -> legacy.TaskDeleteResponse:
        await self._tasks.delete(
            agent_pb2.DeleteTaskRequest(
                task_category=agent_pb2.TaskCategory(name=request.task_type),
                resource_meta=rules.resource_meta(request.job_id),
            )
        )
        return legacy.TaskDeleteResponse()
