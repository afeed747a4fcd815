"""AdminService execution RPCs."""

from __future__ import annotations

import grpc
from flyteidl.admin import execution_pb2

from flightdeck_admin.service.executions import Executions


class ExecutionsApi:
    def __init__(self, executions: Executions) -> None:
        self._executions = executions

    async def CreateExecution(
        self, request: execution_pb2.ExecutionCreateRequest, context: grpc.aio.ServicerContext
    ) -> execution_pb2.ExecutionCreateResponse:
        return execution_pb2.ExecutionCreateResponse(id=await self._executions.create(request))

    async def GetExecution(
        self,
        request: execution_pb2.WorkflowExecutionGetRequest,
        context: grpc.aio.ServicerContext,
    ) -> execution_pb2.Execution:
        return await self._executions.get(request.id)
