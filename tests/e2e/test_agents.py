"""Agent tasks end to end: flytekit's own agent server (``pyflyte serve agent``) on the port the
local system's agents service fronts, a workflow of a FileSensor (async agent) and a webhook
(sync agent) run through the executor, and ListAgents through the edge."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from flyteidl.admin import agent_pb2, execution_pb2
from flyteidl.core import execution_pb2 as core
from flyteidl.service import agent_pb2_grpc

pytestmark = pytest.mark.e2e

SCRIPT = Path("examples") / "agents.py"
AGENT_SERVER_READY_SECONDS = 90.0
RUN_SECONDS = 240.0


def _lists_agents(target: str) -> agent_pb2.ListAgentsResponse | None:
    with grpc.insecure_channel(target) as channel:
        try:
            return agent_pb2_grpc.AgentMetadataServiceStub(channel).ListAgents(
                agent_pb2.ListAgentsRequest(), timeout=5
            )
        except grpc.RpcError:
            return None


@pytest.fixture(scope="module")
def agent_server(
    running_system: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
    wait_for: Callable[..., Any],
) -> Iterator[str]:
    """flytekit's agent server on FLIGHTDECK_AGENT_SERVER_PORT (reused when one answers)."""
    target = f"127.0.0.1:{running_system['FLIGHTDECK_AGENT_SERVER_PORT']}"
    if _lists_agents(target) is not None:
        yield target
        return
    log = open(tmp_path_factory.mktemp("agent-server") / "pyflyte.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "pyflyte"), "serve", "agent",
         "--port", running_system["FLIGHTDECK_AGENT_SERVER_PORT"], "--prometheus_port", "0"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(lambda: _lists_agents(target), AGENT_SERVER_READY_SECONDS, "the agent server")
        yield target
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def test_list_agents_through_the_edge_names_the_agent_server_s_agents(
    agent_server: str, edge_grpc_target: str, wait_for: Callable[..., Any]
) -> None:
    listed = wait_for(lambda: _lists_agents(edge_grpc_target), 60, "ListAgents through the edge")
    by_name = {agent.name: agent for agent in listed.agents}
    assert [c.name for c in by_name["Sensor"].supported_task_categories] == ["sensor"]
    assert by_name["Webhook Connector"].is_sync
    assert list(by_name["Webhook Connector"].supported_task_types) == ["webhook"]


def test_a_workflow_of_agent_tasks_completes_through_the_executor(
    agent_server: str,
    example_runs: Any,
    edge_http_url: str,
    tmp_path: Path,
    wait_for: Callable[..., Any],
) -> None:
    marker = tmp_path / f"ready-{uuid.uuid4().hex[:6]}"
    inputs = {"path": marker, "url": f"{edge_http_url}/healthcheck"}
    name = example_runs.launch("sensed", inputs, script=SCRIPT)
    sensor = wait_for(
        lambda: example_runs.node_in(name, "n0", core.NodeExecution.RUNNING),
        RUN_SECONDS,
        "the sensor to run",
    )

    def running_attempts() -> list[Any]:
        found = example_runs.task_executions(sensor.id)
        return [t for t in found if t.closure.phase == core.TaskExecution.RUNNING]

    attempts = wait_for(running_attempts, RUN_SECONDS, "the sensor's attempt to run")
    marker.write_text("here")
    execution = example_runs.wait_terminal(name, RUN_SECONDS)
    assert execution.closure.phase == core.WorkflowExecution.SUCCEEDED, execution.closure.error
    data = example_runs.admin.GetExecutionData(
        execution_pb2.WorkflowExecutionGetDataRequest(id=example_runs.execution_id(name))
    )
    answer = data.full_outputs.literals["o0"].scalar.primitive.string_value
    assert answer == f"{marker} found; webhook answered 200"
    assert attempts[0].closure.metadata.plugin_identifier == "agent-service"
    webhook = example_runs.task_executions(example_runs.node(name, "n1").id)
    assert [t.closure.phase for t in webhook] == [core.TaskExecution.SUCCEEDED]
    assert webhook[0].closure.output_uri.endswith("outputs.pb")


def test_terminating_a_run_aborts_the_sensor_s_attempt(
    agent_server: str,
    example_runs: Any,
    edge_http_url: str,
    tmp_path: Path,
    wait_for: Callable[..., Any],
) -> None:
    inputs = {"path": tmp_path / "never", "url": f"{edge_http_url}/healthcheck"}
    name = example_runs.launch("sensed", inputs, script=SCRIPT)
    sensor = wait_for(
        lambda: example_runs.node_in(name, "n0", core.NodeExecution.RUNNING),
        RUN_SECONDS,
        "the sensor to run",
    )
    example_runs.remote.terminate(example_runs.remote.fetch_execution(name=name), "enough")
    execution = example_runs.wait_terminal(name, RUN_SECONDS)
    attempts = example_runs.task_executions(sensor.id)
    assert execution.closure.phase == core.WorkflowExecution.ABORTED
    assert attempts[-1].closure.phase == core.TaskExecution.ABORTED
    assert attempts[-1].closure.metadata.plugin_identifier == "agent-service"
