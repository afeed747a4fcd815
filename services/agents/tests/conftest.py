"""Fixtures of the agents tests: flytekit's own agent server (``pyflyte serve agent``) as a
subprocess on free ports, and the agents service in front of it on ports 0."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from flyteidl.admin import agent_pb2
from flyteidl.service import agent_pb2_grpc

from flightdeck_agents.server import wired
from flightdeck_agents.settings import AgentServerSettings, AgentsSettings
from flightdeck_platform.host import ServiceHost
from flightdeck_platform.settings import ServerSettings

AGENT_SERVER_READY_SECONDS = 90.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class AgentServerProcess:
    target: str
    process: subprocess.Popen[bytes]


def _answers(target: str) -> bool:
    with grpc.insecure_channel(target) as channel:
        try:
            agent_pb2_grpc.AgentMetadataServiceStub(channel).ListAgents(
                agent_pb2.ListAgentsRequest(), timeout=2
            )
        except grpc.RpcError:
            return False
    return True


def start_agent_server(log: Path) -> AgentServerProcess:
    """``pyflyte serve agent`` as a user runs it: flytekit's built-in agents (its sensor, the
    webhook connector), the gRPC and Prometheus ports free ones."""
    port = free_port()
    pyflyte = Path(sys.executable).parent / "pyflyte"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [str(pyflyte), "serve", "agent", "--port", str(port),
             "--prometheus_port", str(free_port()), "--worker", "4"],
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    target = f"127.0.0.1:{port}"
    deadline = time.monotonic() + AGENT_SERVER_READY_SECONDS
    while not _answers(target):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_agent_server(AgentServerProcess(target, process))
            raise AssertionError(f"pyflyte serve agent did not come up:\n{log.read_text()}")
        time.sleep(0.3)
    return AgentServerProcess(target, process)


def stop_agent_server(server: AgentServerProcess) -> None:
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait()


@pytest.fixture(scope="session")
def flytekit_agent_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The gRPC target of a real flytekit agent server, for the whole session."""
    server = start_agent_server(tmp_path_factory.mktemp("agent-server") / "pyflyte.log")
    try:
        yield server.target
    finally:
        stop_agent_server(server)


def agents_settings(*servers: tuple[str, str], **extra: object) -> AgentsSettings:
    return AgentsSettings(
        server=ServerSettings(grpc_port=0, http_port=0),
        servers=[AgentServerSettings(name=name, target=target) for name, target in servers],
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
async def agents_service(flytekit_agent_server: str) -> AsyncIterator[ServiceHost]:
    """The agents service in front of the flytekit agent server, named ``flytekit``."""
    async with wired(agents_settings(("flytekit", flytekit_agent_server))) as host:
        await host.start()
        try:
            yield host
        finally:
            await host.stop()
