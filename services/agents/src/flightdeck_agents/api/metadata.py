"""AgentMetadataService: the agents of every configured agent server."""

from __future__ import annotations

import grpc
from flyteidl.admin import agent_pb2

from flightdeck_agents.service.directory import AgentDirectory
from flightdeck_platform import faults


class AgentMetadataApi:
    def __init__(self, directory: AgentDirectory) -> None:
        self._directory = directory

    async def ListAgents(
        self, request: agent_pb2.ListAgentsRequest, context: grpc.aio.ServicerContext
    ) -> agent_pb2.ListAgentsResponse:
        return agent_pb2.ListAgentsResponse(agents=await self._directory.list_agents())

    async def GetAgent(
        self, request: agent_pb2.GetAgentRequest, context: grpc.aio.ServicerContext
    ) -> agent_pb2.GetAgentResponse:
        if not request.name:
            raise faults.MissingField("name")
        return agent_pb2.GetAgentResponse(agent=await self._directory.get_agent(request.name))
