"""AdminService node execution reads."""

from __future__ import annotations

import grpc
from flyteidl.admin import node_execution_pb2 as ne

from flightdeck_admin.service.execution_data import ExecutionData
from flightdeck_admin.service.node_executions import NodeExecutions


class NodeExecutionsApi:
    def __init__(self, nodes: NodeExecutions, data: ExecutionData) -> None:
        self._nodes = nodes
        self._data = data

    async def GetNodeExecution(
        self, request: ne.NodeExecutionGetRequest, context: grpc.aio.ServicerContext
    ) -> ne.NodeExecution:
        return await self._nodes.get(request)

    async def ListNodeExecutions(
        self, request: ne.NodeExecutionListRequest, context: grpc.aio.ServicerContext
    ) -> ne.NodeExecutionList:
        return await self._nodes.list_nodes(request)

    async def ListNodeExecutionsForTask(
        self, request: ne.NodeExecutionForTaskListRequest, context: grpc.aio.ServicerContext
    ) -> ne.NodeExecutionList:
        return await self._nodes.list_nodes_for_task(request)

    async def GetNodeExecutionData(
        self, request: ne.NodeExecutionGetDataRequest, context: grpc.aio.ServicerContext
    ) -> ne.NodeExecutionGetDataResponse:
        return await self._data.of_node(request)

    async def GetDynamicNodeWorkflow(
        self, request: ne.GetDynamicNodeWorkflowRequest, context: grpc.aio.ServicerContext
    ) -> ne.DynamicNodeWorkflowResponse:
        return await self._data.dynamic_workflow(request)
