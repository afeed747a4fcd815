"""AdminService execution reads beside the execution itself: its data and its metrics."""

from __future__ import annotations

import grpc
from flyteidl.admin import execution_pb2

from flightdeck_admin.service.execution_data import ExecutionData
from flightdeck_admin.service.execution_metrics import ExecutionMetrics


class ExecutionReadsApi:
    def __init__(self, data: ExecutionData, metrics: ExecutionMetrics) -> None:
        self._data = data
        self._metrics = metrics

    async def GetExecutionData(
        self,
        request: execution_pb2.WorkflowExecutionGetDataRequest,
        context: grpc.aio.ServicerContext,
    ) -> execution_pb2.WorkflowExecutionGetDataResponse:
        return await self._data.of_execution(request.id)

    async def GetExecutionMetrics(
        self,
        request: execution_pb2.WorkflowExecutionGetMetricsRequest,
        context: grpc.aio.ServicerContext,
    ) -> execution_pb2.WorkflowExecutionGetMetricsResponse:
        return await self._metrics.get(request)
