"""AdminService execution RPCs."""

from __future__ import annotations

import grpc
from flyteidl.admin import common_pb2, execution_pb2

from flightdeck_admin.service.executions import Executions
from flightdeck_admin.service.executions_lifecycle import ExecutionLifecycle
from flightdeck_platform.auth import principal


class ExecutionsApi:
    def __init__(self, executions: Executions, lifecycle: ExecutionLifecycle) -> None:
        self._executions = executions
        self._lifecycle = lifecycle

    async def CreateExecution(
        self, request: execution_pb2.ExecutionCreateRequest, context: grpc.aio.ServicerContext
    ) -> execution_pb2.ExecutionCreateResponse:
        created = await self._executions.create(request, principal=principal.current_name())
        return execution_pb2.ExecutionCreateResponse(id=created)

    async def RelaunchExecution(
        self, request: execution_pb2.ExecutionRelaunchRequest, context: grpc.aio.ServicerContext
    ) -> execution_pb2.ExecutionCreateResponse:
        return execution_pb2.ExecutionCreateResponse(
            id=await self._lifecycle.relaunch(request, principal.current_name())
        )

    async def RecoverExecution(
        self, request: execution_pb2.ExecutionRecoverRequest, context: grpc.aio.ServicerContext
    ) -> execution_pb2.ExecutionCreateResponse:
        return execution_pb2.ExecutionCreateResponse(
            id=await self._lifecycle.recover(request, principal.current_name())
        )

    async def GetExecution(
        self,
        request: execution_pb2.WorkflowExecutionGetRequest,
        context: grpc.aio.ServicerContext,
    ) -> execution_pb2.Execution:
        return await self._executions.get(request.id)

    async def UpdateExecution(
        self, request: execution_pb2.ExecutionUpdateRequest, context: grpc.aio.ServicerContext
    ) -> execution_pb2.ExecutionUpdateResponse:
        await self._lifecycle.update(request, principal.current_name())
        return execution_pb2.ExecutionUpdateResponse()

    async def TerminateExecution(
        self, request: execution_pb2.ExecutionTerminateRequest, context: grpc.aio.ServicerContext
    ) -> execution_pb2.ExecutionTerminateResponse:
        await self._lifecycle.terminate(request.id, request.cause, principal.current_name())
        return execution_pb2.ExecutionTerminateResponse()

    async def ListExecutions(
        self, request: common_pb2.ResourceListRequest, context: grpc.aio.ServicerContext
    ) -> execution_pb2.ExecutionList:
        return await self._lifecycle.list(request)
