"""AdminService workflow RPCs."""

from __future__ import annotations

import grpc
from flyteidl.admin import common_pb2, workflow_pb2

from flightdeck_admin.service.workflows import Workflows


class WorkflowsApi:
    def __init__(self, workflows: Workflows) -> None:
        self._workflows = workflows

    async def CreateWorkflow(
        self, request: workflow_pb2.WorkflowCreateRequest, context: grpc.aio.ServicerContext
    ) -> workflow_pb2.WorkflowCreateResponse:
        await self._workflows.create(request)
        return workflow_pb2.WorkflowCreateResponse()

    async def GetWorkflow(
        self, request: common_pb2.ObjectGetRequest, context: grpc.aio.ServicerContext
    ) -> workflow_pb2.Workflow:
        return await self._workflows.get(request.id)
