"""Fakes on the real ports: a local object store in a temporary directory and an in-memory
record of node executions' data."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
from flyteidl.admin import node_execution_pb2 as ne
from flyteidl.admin import task_execution_pb2 as te

from flightdeck_dataproxy.domain.errors import AttemptNotFound, ExecutionNotFound
from flightdeck_dataproxy.domain.flyte_urls import NodeRef
from flightdeck_dataproxy.service.ports import IoData
from flightdeck_platform import faults
from flightdeck_platform.rpc.interceptors import standard_chain
from flightdeck_platform.rpc.server import GrpcEndpoint
from flightdeck_platform.settings import ServerSettings
from flightdeck_proto import services
from flightdeck_storage import LocalObjectStore, SigningKey, UrlSigner


@dataclass
class RecordedNode:
    data: IoData
    attempts: dict[int, IoData] = field(default_factory=dict)
    deck_uri: str = ""


class InMemoryExecutions:
    """The ExecutionDataLocator port over a dict, for the use cases' tests."""

    def __init__(self) -> None:
        self.nodes: dict[NodeRef, RecordedNode] = {}

    def record(
        self,
        node: NodeRef,
        data: IoData,
        attempts: dict[int, IoData] | None = None,
        deck_uri: str = "",
    ) -> None:
        self.nodes[node] = RecordedNode(data, attempts or {}, deck_uri)

    def _node(self, node: NodeRef) -> RecordedNode:
        if node not in self.nodes:
            raise ExecutionNotFound(f"node execution {node} not found")
        return self.nodes[node]

    async def node_data(self, node: NodeRef) -> IoData:
        return self._node(node).data

    async def attempt_data(self, node: NodeRef, attempt: int) -> IoData:
        attempts = self._node(node).attempts
        if attempt not in attempts:
            raise AttemptNotFound(f"node {node} has no task attempt {attempt}")
        return attempts[attempt]

    async def deck_uri(self, node: NodeRef) -> str:
        return self._node(node).deck_uri


@pytest.fixture
def signer() -> UrlSigner:
    return UrlSigner(SigningKey(b"k" * 32))


@pytest.fixture
def store(tmp_path: Path, signer: UrlSigner) -> LocalObjectStore:
    return LocalObjectStore(tmp_path / "store", signer, "http://edge.test")


@pytest.fixture
def executions() -> InMemoryExecutions:
    return InMemoryExecutions()


@pytest.fixture
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FakeAdmin:
    """The four AdminService reads the data proxy makes, over ``InMemoryExecutions``."""

    def __init__(self, executions: InMemoryExecutions) -> None:
        self.executions = executions

    def _node(self, node_id: Any) -> RecordedNode:
        execution = node_id.execution_id
        ref = NodeRef(execution.project, execution.domain, execution.name, node_id.node_id)
        if ref not in self.executions.nodes:
            raise faults.NotFound(f"missing entity of type node execution {ref}")
        return self.executions.nodes[ref]

    async def GetNodeExecution(self, request: Any, context: Any) -> ne.NodeExecution:
        node = ne.NodeExecution(id=request.id)
        node.closure.deck_uri = self._node(request.id).deck_uri
        return node

    async def GetNodeExecutionData(self, request: Any, context: Any) -> Any:
        data = self._node(request.id).data
        return ne.NodeExecutionGetDataResponse(full_inputs=data.inputs, full_outputs=data.outputs)

    async def ListTaskExecutions(self, request: Any, context: Any) -> te.TaskExecutionList:
        attempts = self.executions.nodes.get(_ref(request.node_execution_id))
        wanted = int(request.filters.removeprefix("eq(retry_attempt,").rstrip(")"))
        found = te.TaskExecutionList()
        if attempts is not None and wanted in attempts.attempts:
            task = found.task_executions.add()
            task.id.node_execution_id.CopyFrom(request.node_execution_id)
            task.id.retry_attempt = wanted
        return found

    async def GetTaskExecutionData(self, request: Any, context: Any) -> Any:
        node = self._node(request.id.node_execution_id)
        data = node.attempts[request.id.retry_attempt]
        return te.TaskExecutionGetDataResponse(full_inputs=data.inputs, full_outputs=data.outputs)


def _ref(node_id: Any) -> NodeRef:
    execution = node_id.execution_id
    return NodeRef(execution.project, execution.domain, execution.name, node_id.node_id)


@pytest.fixture
async def admin_channel(executions: InMemoryExecutions) -> AsyncIterator[grpc.aio.Channel]:
    """A channel to a real gRPC AdminService answering from ``executions``."""
    endpoint = GrpcEndpoint(
        ServerSettings(grpc_port=0), standard_chain(), [(services.ADMIN, [FakeAdmin(executions)])]
    )
    port = await endpoint.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield channel
    await endpoint.stop(0)
