"""Node/task execution reads, execution data and metrics over a real gRPC server with the
standard interceptor chain: the codes and messages clients see."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import Any

import grpc
import pytest
from flyteidl.admin import execution_pb2, node_execution_pb2, task_execution_pb2
from flyteidl.core import identifier_pb2
from flyteidl.service import admin_pb2_grpc

from flightdeck_admin.api.execution_reads import ExecutionReadsApi
from flightdeck_admin.api.node_executions import NodeExecutionsApi
from flightdeck_admin.api.task_executions import TaskExecutionsApi
from flightdeck_admin.service.execution_data import ExecutionData
from flightdeck_admin.service.execution_metrics import ExecutionMetrics
from flightdeck_admin.service.node_executions import NodeExecutions
from flightdeck_admin.service.task_executions import TaskExecutions
from flightdeck_admin.store import execution_records_memory as memory
from flightdeck_platform.rpc.interceptors import standard_chain
from flightdeck_platform.rpc.server import GrpcEndpoint
from flightdeck_platform.settings import ServerSettings
from flightdeck_proto import services
from flightdeck_storage import LocalObjectStore

IA = grpc.StatusCode.INVALID_ARGUMENT
NF = grpc.StatusCode.NOT_FOUND


class _NoWorkflows:
    async def get(self, workflow_id: identifier_pb2.Identifier) -> Any:
        raise AssertionError("not consulted at depth 0")


@pytest.fixture
async def admin(tmp_path: Path, records: Any) -> AsyncIterator[Any]:
    executions = memory.InMemoryExecutionReader()
    nodes = memory.InMemoryNodeExecutionStore()
    tasks = memory.InMemoryTaskExecutionStore()
    executions.put(records.execution())
    for node in ("n0", "n1", "n2"):
        nodes.put(records.node(node))
    tasks.put(records.task("n0"))
    data = ExecutionData(executions, nodes, tasks, LocalObjectStore(tmp_path))
    node_reads, task_reads = NodeExecutions(nodes, tasks), TaskExecutions(tasks, nodes)
    metrics = ExecutionMetrics(executions, _NoWorkflows(), node_reads, task_reads, data)
    apis = [
        NodeExecutionsApi(node_reads, data),
        TaskExecutionsApi(task_reads, data),
        ExecutionReadsApi(data, metrics),
    ]
    endpoint = GrpcEndpoint(ServerSettings(grpc_port=0), standard_chain(), [(services.ADMIN, apis)])
    port = await endpoint.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield admin_pb2_grpc.AdminServiceStub(channel)
    await endpoint.stop(0)


async def _failure(call: Awaitable[Any]) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return raised.value.code(), raised.value.details() or ""


async def test_reads_of_recorded_nodes_and_attempts(admin: Any, records: Any) -> None:
    node = await admin.GetNodeExecution(
        node_execution_pb2.NodeExecutionGetRequest(id=records.node_id("n1"))
    )
    assert node.id.node_id == "n1"
    first = await admin.ListNodeExecutions(
        node_execution_pb2.NodeExecutionListRequest(
            workflow_execution_id=records.execution_id, limit=2
        )
    )
    rest = await admin.ListNodeExecutions(
        node_execution_pb2.NodeExecutionListRequest(
            workflow_execution_id=records.execution_id, limit=2, token=first.token
        )
    )
    listed = [n.id.node_id for n in (*first.node_executions, *rest.node_executions)]
    assert listed == ["n0", "n1", "n2"] and rest.token == ""
    attempts = await admin.ListTaskExecutions(
        task_execution_pb2.TaskExecutionListRequest(
            node_execution_id=records.node_id("n0"), limit=5
        )
    )
    assert [t.id.retry_attempt for t in attempts.task_executions] == [0]
    span = await admin.GetExecutionMetrics(
        execution_pb2.WorkflowExecutionGetMetricsRequest(id=records.execution_id)
    )
    assert span.span.workflow_id == records.execution_id


async def test_failures_carry_the_reference_codes(admin: Any, records: Any) -> None:
    cases = {
        admin.GetNodeExecution(
            node_execution_pb2.NodeExecutionGetRequest(id=records.node_id("absent"))
        ): (NF, "missing entity of type node execution"),
        admin.GetNodeExecution(node_execution_pb2.NodeExecutionGetRequest()): (IA, "missing id"),
        admin.ListNodeExecutions(
            node_execution_pb2.NodeExecutionListRequest(
                workflow_execution_id=records.execution_id, limit=5, sort_by={"key": "color"}
            )
        ): (IA, "invalid sort key 'color'"),
        admin.ListNodeExecutions(
            node_execution_pb2.NodeExecutionListRequest(
                workflow_execution_id=records.execution_id, limit=5, filters="eq(project,p)"
            )
        ): (IA, "'ne.project' is invalid filter"),
        admin.ListNodeExecutions(
            node_execution_pb2.NodeExecutionListRequest(
                workflow_execution_id=records.execution_id, limit=5, token="not-a-token"
            )
        ): (IA, "invalid pagination token"),
        admin.GetTaskExecution(
            task_execution_pb2.TaskExecutionGetRequest(id=records.task_id("n0", 4))
        ): (NF, "missing entity of type task execution"),
        admin.GetTaskExecutionData(
            task_execution_pb2.TaskExecutionGetDataRequest(id=records.task_id("n0", 4))
        ): (NF, "task execution"),
        admin.GetDynamicNodeWorkflow(
            node_execution_pb2.GetDynamicNodeWorkflowRequest(id=records.node_id("n0"))
        ): (NF, "node does not contain dynamic workflow"),
        admin.GetExecutionData(execution_pb2.WorkflowExecutionGetDataRequest()): (
            NF,
            "missing entity of type execution",
        ),
        admin.GetExecutionMetrics(execution_pb2.WorkflowExecutionGetMetricsRequest()): (
            IA,
            "missing project",
        ),
    }
    for call, (code, message) in cases.items():
        got_code, got_message = await _failure(call)
        assert got_code == code, got_message
        assert message in got_message
