"""Fakes on the real ports: a local object store in a temporary directory and an in-memory
record of node executions' data."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from flightdeck_dataproxy.domain.errors import AttemptNotFound, ExecutionNotFound
from flightdeck_dataproxy.domain.flyte_urls import NodeRef
from flightdeck_dataproxy.service.ports import IoData
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
