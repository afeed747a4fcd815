"""Horizontal scale on one machine: a second events gateway behind the edge, a second projector
and a second executor in their consumer groups, as `FLIGHTDECK_REPLICAS=2 make run` starts them.
One of each is SIGKILLed while they share runs; every run still ends SUCCEEDED with its outputs,
every node and task was recorded once, and no event the executors sent was rejected."""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import testkit
from flyteidl.admin import execution_pb2
from flyteidl.core import execution_pb2 as core

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

REPO = Path(__file__).resolve().parents[2]
RUN_DEADLINE_SECONDS = 600
RUNS = 12
TERMINAL = {
    core.WorkflowExecution.SUCCEEDED,
    core.WorkflowExecution.FAILED,
    core.WorkflowExecution.ABORTED,
    core.WorkflowExecution.TIMED_OUT,
}


def _edge(replicas: int) -> None:
    """`deploy/local/up edge`: a graceful reload when the rendered upstreams change."""
    env = {**os.environ, "FLIGHTDECK_REPLICAS": str(replicas)}
    done = subprocess.run(
        [str(REPO / "deploy" / "local" / "up"), "edge"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def edge_with_replicas(running_system: dict[str, str]) -> Iterator[None]:
    _edge(2)
    try:
        yield
    finally:
        _edge(int(os.environ.get("FLIGHTDECK_REPLICAS", "1")))


@pytest.fixture
def second_replicas(
    edge_with_replicas: None, local_launcher: ModuleType
) -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    """The second gateway and projector (replica 1: the ports the edge now balances to)."""
    wanted = [
        s for s in local_launcher.SERVICES if s.name in ("events-gateway", "events-projector")
    ]
    second = tuple(replace(service, replica=1) for service in wanted)
    log_dir = REPO / "var" / "log"
    processes: dict[str, subprocess.Popen[bytes]] = {}
    logs = []
    try:
        for service in second:
            log = open(log_dir / f"test-{service.label}.log", "ab")  # noqa: SIM115
            logs.append(log)
            processes[service.label] = local_launcher.start(service, "json", log.fileno())
        local_launcher.wait_ready(second, processes)
        yield processes
    finally:
        for process in processes.values():
            testkit.stop(process, grace_seconds=20)
        for log in logs:
            log.close()


def _sigkill(process: subprocess.Popen[bytes]) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def _output(example_runs: Any, name: str) -> Any:
    data = example_runs.admin.GetExecutionData(
        execution_pb2.WorkflowExecutionGetDataRequest(id=example_runs.execution_id(name))
    )
    return data.full_outputs.literals["o0"].scalar.primitive.string_value


def _rejected(counts: dict[tuple[str, str], float]) -> float:
    return sum(value for (_, outcome), value in counts.items() if outcome == "rejected")


def _recorded_once(example_runs: Any, name: str) -> list[str]:
    """What was recorded more than once or did not end SUCCEEDED: a node execution per node,
    one task attempt per task node."""
    problems = []
    for node in example_runs.node_executions(name):
        if node.closure.phase != core.NodeExecution.SUCCEEDED:
            problems.append(f"{name}/{node.id.node_id}: {node.closure.phase}")
        attempts = example_runs.task_executions(node.id)
        if len(attempts) > 1:
            problems.append(f"{name}/{node.id.node_id}: {len(attempts)} task attempts")
    return problems


@pytest.mark.timeout(1500)
def test_one_of_two_gateways_projectors_and_executors_killed_loses_and_repeats_nothing(
    example_runs: Any,
    executors: Any,
    second_replicas: dict[str, subprocess.Popen[bytes]],
    local_launcher: ModuleType,
    wait_for: Callable[..., Any],
) -> None:
    executor = next(s for s in local_launcher.SERVICES if s.name == "executor")
    second_executor = executors.start(
        int(replace(executor, replica=1).port(executor.http_port_key))
    )
    first = example_runs.launch("quickstart", {"name": "warm-up"})
    launch_plan = example_runs.launch_plan_of(first)
    greeted = {first: "warm-up"}
    for i in range(RUNS):
        name = f"s{i:02d}{uuid.uuid4().hex[:8]}"
        greeted[name] = f"run-{i}"
        example_runs.remote.execute(
            launch_plan, inputs={"name": greeted[name]}, execution_name=name
        )

    def ended() -> dict[str, str]:
        phases = {name: example_runs.get(name).closure.phase for name in greeted}
        if not all(phase in TERMINAL for phase in phases.values()):
            return {}
        return {name: core.WorkflowExecution.Phase.Name(phase) for name, phase in phases.items()}

    wait_for(
        lambda: any(example_runs.get(name).closure.phase in TERMINAL for name in greeted),
        RUN_DEADLINE_SECONDS,
        "a first run to end",
    )
    _sigkill(second_replicas["events-gateway-2"])
    _sigkill(second_replicas["events-projector-2"])
    executors.kill(second_executor)

    final = wait_for(ended, RUN_DEADLINE_SECONDS, f"all {len(greeted)} runs to end", 1.0)
    assert final == dict.fromkeys(greeted, "SUCCEEDED")
    assert {name: _output(example_runs, name) for name in greeted} == {
        name: f"Hello, {who}!" for name, who in greeted.items()
    }
    assert [p for name in greeted for p in _recorded_once(example_runs, name)] == []
    survivor = executors.standard()
    assert survivor is not None
    assert _rejected(executors.events_sent(survivor)) == 0
