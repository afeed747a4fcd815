"""An in-memory agent server on the service's own port, for the unit and api tiers (the
integration tier runs flytekit's real one) and for trying the service without one."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator

from flyteidl.admin import agent_pb2

from flightdeck_platform import faults


class InMemoryAgentServer:
    def __init__(self, name: str, *agents: agent_pb2.Agent) -> None:
        self._name = name
        self.agents = list(agents)
        self.down = False
        self.received: list[object] = []

    @property
    def name(self) -> str:
        return self._name

    def _answer(self, request: object) -> None:
        if self.down:
            raise faults.Unavailable(f"agent server {self._name}: UNAVAILABLE")
        self.received.append(request)

    async def list_agents(self) -> list[agent_pb2.Agent]:
        self._answer(agent_pb2.ListAgentsRequest())
        return list(self.agents)

    async def create_task(
        self, request: agent_pb2.CreateTaskRequest
    ) -> agent_pb2.CreateTaskResponse:
        self._answer(request)
        return agent_pb2.CreateTaskResponse(resource_meta=self._name.encode())

    async def get_task(self, request: agent_pb2.GetTaskRequest) -> agent_pb2.GetTaskResponse:
        self._answer(request)
        return agent_pb2.GetTaskResponse(resource=agent_pb2.Resource(phase=3))

    async def delete_task(
        self, request: agent_pb2.DeleteTaskRequest
    ) -> agent_pb2.DeleteTaskResponse:
        self._answer(request)
        return agent_pb2.DeleteTaskResponse()

    async def get_task_metrics(
        self, request: agent_pb2.GetTaskMetricsRequest
    ) -> agent_pb2.GetTaskMetricsResponse:
        self._answer(request)
        return agent_pb2.GetTaskMetricsResponse()

    async def get_task_logs(
        self, request: agent_pb2.GetTaskLogsRequest
    ) -> AsyncIterator[agent_pb2.GetTaskLogsResponse]:
        self._answer(request)
        for line in ("one", "two"):
            yield agent_pb2.GetTaskLogsResponse(
                body=agent_pb2.GetTaskLogsResponseBody(results=[line])
            )

    async def execute_task_sync(
        self, requests: AsyncIterable[agent_pb2.ExecuteTaskSyncRequest]
    ) -> AsyncIterator[agent_pb2.ExecuteTaskSyncResponse]:
        received = [request async for request in requests]
        self._answer(received)
        resource = agent_pb2.Resource(phase=3, message=f"{len(received)} messages")
        yield agent_pb2.ExecuteTaskSyncResponse(
            header=agent_pb2.ExecuteTaskSyncResponseHeader(resource=resource)
        )


def agent(name: str, *types: str, sync: bool = False) -> agent_pb2.Agent:
    return agent_pb2.Agent(
        name=name,
        is_sync=sync,
        supported_task_types=list(types),
        supported_task_categories=[agent_pb2.TaskCategory(name=t) for t in types],
    )
