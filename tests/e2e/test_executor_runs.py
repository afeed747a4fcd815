"""The executor runs examples/workflows.py launched as a user launches it (`pyflyte run
--remote`): exact outputs through FlyteRemote, admin and the data proxy; node and task
executions with phases, durations and log links that answer; a failure, a retry, a gate resumed
by its signal, and a termination that ends the task's process."""

from __future__ import annotations

import contextlib
import os
import signal
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from flyteidl.admin import execution_pb2, node_execution_pb2, signal_pb2, task_execution_pb2
from flyteidl.core import execution_pb2 as core
from flyteidl.core import literals_pb2, types_pb2
from flyteidl.service import dataproxy_pb2, dataproxy_pb2_grpc, signal_pb2_grpc
from flytekit.models.core.identifier import WorkflowExecutionIdentifier

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

DOMAIN = "development"
RUN_DEADLINE_SECONDS = 300
KILL_DEADLINE_SECONDS = 20
PROJECTION_DEADLINE_SECONDS = 30
TOUR_OUTPUTS = {"squares": [1, 4, 9], "total": 14, "verdict": "14 is big", "doubled": 72}
TOUR_TOP_NODES = {"start-node", "n0", "n1", "n2", "n3", "n4", "end-node"}
TOUR_TASK_RUNS = Counter(
    {
        "count_up": 1,
        "square": 1,  # the map task: one array task execution for its three elements
        "total": 1,
        "largest": 1,
        "describe": 1,  # only the branch taken
        "double_times": 1,
        "double": 3,  # the dynamic task's chain
    }
)
FAILURE_MESSAGE = "flightdeck example refuses x=7 on purpose"
RECOVERABLE_MESSAGE = "first attempts of flaky always fail"


def _value(literal: literals_pb2.Literal) -> Any:
    """A primitive or a collection of primitives as Python."""
    if literal.WhichOneof("value") == "collection":
        return [_value(item) for item in literal.collection.literals]
    primitive = literal.scalar.primitive
    kind = primitive.WhichOneof("value")
    assert kind is not None, f"not a primitive: {literal}"
    return getattr(primitive, kind)


def _values(literals: literals_pb2.LiteralMap) -> dict[str, Any]:
    return {name: _value(literal) for name, literal in literals.literals.items()}


def _seconds(duration: Any) -> float:
    return float(duration.seconds + duration.nanos / 1e9)


def _outputs(example_runs: Any, name: str) -> dict[str, Any]:
    data = example_runs.admin.GetExecutionData(
        execution_pb2.WorkflowExecutionGetDataRequest(id=example_runs.execution_id(name))
    )
    return _values(data.full_outputs)


def _short_name(task_name: str) -> str:
    """``workflows.double`` → ``double``; the map task's generated name → ``square``."""
    last = task_name.rpartition(".")[2]
    return "square" if "square" in last else last


def _node_tree(example_runs: Any, name: str, parent: str = "") -> list[Any]:
    """Every node execution of the run: the top level, then the children of each parent node
    (sub-workflow, branch, dynamic)."""
    found = []
    for node in example_runs.node_executions(name, parent):
        found.append(node)
        if node.metadata.is_parent_node:
            found += _node_tree(example_runs, name, node.id.node_id)
    return found


def _is_start_or_end(node: node_execution_pb2.NodeExecution) -> bool:
    return node.id.node_id.endswith(("start-node", "end-node"))


def _log_links(task: task_execution_pb2.TaskExecution) -> list[str]:
    """The task's own log links and those of its map-task elements."""
    links = [log.uri for log in task.closure.logs]
    for resource in task.closure.metadata.external_resources:
        links += [log.uri for log in resource.logs]
    return links


def _phase_name(enum: Any, phase: int) -> str:
    return str(enum.Phase.Name(phase))


@pytest.fixture(scope="module")
def tour(example_runs: Any) -> str:
    """``pyflyte run --remote --wait`` of tour(n=3): pyflyte exits 0 only once it SUCCEEDED."""
    return str(example_runs.launch("tour", {"n": 3}, wait=True))


@pytest.mark.timeout(900)
def test_tour_succeeds_with_exact_outputs_through_flyteremote(example_runs: Any, tour: str) -> None:
    remote = example_runs.remote
    execution = remote.wait(
        remote.fetch_execution(name=tour),
        timeout=timedelta(seconds=RUN_DEADLINE_SECONDS),
        poll_interval=timedelta(seconds=1),
    )
    assert execution.closure.phase == core.WorkflowExecution.SUCCEEDED
    assert {name: execution.outputs[name] for name in TOUR_OUTPUTS} == TOUR_OUTPUTS


@pytest.mark.timeout(900)
def test_tour_outputs_in_execution_data_and_from_the_data_proxy(
    example_runs: Any, tour: str, edge_grpc_target: str
) -> None:
    assert _outputs(example_runs, tour) == TOUR_OUTPUTS
    base = f"flyte://v1/{example_runs.project}/{DOMAIN}/{tour}"
    with grpc.insecure_channel(edge_grpc_target) as channel:
        proxy = dataproxy_pb2_grpc.DataProxyServiceStub(channel)

        def get(url: str) -> dataproxy_pb2.GetDataResponse:
            return proxy.GetData(dataproxy_pb2.GetDataRequest(flyte_url=url))

        # The end node's inputs are the workflow's outputs (it reports no output_uri itself).
        assert _values(get(f"{base}/end-node/i").literal_map) == TOUR_OUTPUTS
        assert _values(get(f"{base}/n0/o").literal_map) == {"o0": [1, 2, 3]}
        assert _value(get(f"{base}/n0/o/o0").literal) == [1, 2, 3]
        assert _values(get(f"{base}/n0/i").literal_map) == {"n": 3}


@pytest.mark.timeout(900)
def test_tour_nodes_and_tasks_succeeded_with_durations_and_log_links(
    example_runs: Any, tour: str
) -> None:
    assert {n.id.node_id for n in example_runs.node_executions(tour)} == TOUR_TOP_NODES
    nodes = _node_tree(example_runs, tour)
    phases = {n.id.node_id: _phase_name(core.NodeExecution, n.closure.phase) for n in nodes}
    assert set(phases.values()) == {"SUCCEEDED"}, phases
    worked = [n for n in nodes if not _is_start_or_end(n)]
    assert len(worked) > len(TOUR_TOP_NODES), "children of the sub-workflow, branch, dynamic"
    assert all(_seconds(n.closure.duration) > 0 for n in worked), [
        (n.id.node_id, n.closure.duration) for n in worked
    ]
    tasks = [task for node in worked for task in example_runs.task_executions(node.id)]
    assert Counter(_short_name(t.id.task_id.name) for t in tasks) == TOUR_TASK_RUNS
    logs: dict[str, list[str]] = {}
    for task in tasks:
        short = _short_name(task.id.task_id.name)
        assert task.closure.phase == core.TaskExecution.SUCCEEDED, short
        assert _seconds(task.closure.duration) > 0, short
        links = _log_links(task)
        assert links, f"{short} has no log link"
        for link in links:
            answer = httpx.get(link, timeout=10)
            assert answer.status_code == 200, (short, link, answer.status_code)
            logs.setdefault(short, []).append(answer.text)
    assert any("counting up to 3" in text for text in logs["count_up"])
    assert any("adding [1, 4, 9]" in text for text in logs["total"])
    for element in (1, 2, 3):
        assert any(f"squaring {element}" in text for text in logs["square"]), element


@pytest.mark.timeout(900)
def test_tour_syncs_node_by_node_with_flyteremote(example_runs: Any, tour: str) -> None:
    remote = example_runs.remote
    listed, _ = remote.client.list_node_executions(
        WorkflowExecutionIdentifier(example_runs.project, DOMAIN, tour)
    )
    assert {n.id.node_id for n in listed} == TOUR_TOP_NODES
    synced = remote.sync_execution(remote.fetch_execution(name=tour), sync_nodes=True)
    assert set(synced.node_executions) == TOUR_TOP_NODES
    assert {n.closure.phase for n in synced.node_executions.values()} == {
        core.NodeExecution.SUCCEEDED
    }
    counted = synced.node_executions["n0"]
    assert counted.outputs["o0"] == [1, 2, 3]
    assert [t.closure.phase for t in counted.task_executions] == [core.TaskExecution.SUCCEEDED]


def test_a_failing_task_fails_the_run_with_its_message(example_runs: Any) -> None:
    name = example_runs.launch("fails", {"x": 7})
    execution = example_runs.wait_terminal(name, RUN_DEADLINE_SECONDS)
    assert execution.closure.phase == core.WorkflowExecution.FAILED
    assert FAILURE_MESSAGE in execution.closure.error.message
    assert execution.closure.error.kind == core.ExecutionError.USER
    node = example_runs.node(name, "n0")
    assert node is not None and node.closure.phase == core.NodeExecution.FAILED
    tasks = example_runs.task_executions(node.id)
    assert [t.closure.phase for t in tasks] == [core.TaskExecution.FAILED]
    assert FAILURE_MESSAGE in tasks[0].closure.error.message


def test_a_recoverable_error_is_retried_once(example_runs: Any, tmp_path: Path) -> None:
    name = example_runs.launch("retries_once", {"marker_dir": str(tmp_path)})
    execution = example_runs.wait_terminal(name, RUN_DEADLINE_SECONDS)
    assert execution.closure.phase == core.WorkflowExecution.SUCCEEDED, execution.closure.error
    assert _outputs(example_runs, name) == {"o0": 1}
    node = example_runs.node(name, "n0")
    assert node is not None and node.closure.phase == core.NodeExecution.SUCCEEDED
    attempts = example_runs.task_executions(node.id)
    assert [(t.id.retry_attempt, t.closure.phase) for t in attempts] == [
        (0, core.TaskExecution.FAILED),
        (1, core.TaskExecution.SUCCEEDED),
    ]
    assert attempts[0].closure.error.code == "USER:Recoverable"
    assert RECOVERABLE_MESSAGE in attempts[0].closure.error.message
    ran = (tmp_path / "flaky.log").read_text().splitlines()
    assert [line.partition(" pid ")[0] for line in ran] == ["attempt 0", "attempt 1"]


def test_a_gate_waits_for_its_signal_then_the_run_resumes(
    example_runs: Any, edge_grpc_target: str, wait_for: Callable[..., Any]
) -> None:
    name = example_runs.launch("gated", {"x": 3})
    with grpc.insecure_channel(edge_grpc_target) as channel:
        signals = signal_pb2_grpc.SignalServiceStub(channel)

        def extra() -> list[signal_pb2.Signal]:
            listed = signals.ListSignals(
                signal_pb2.SignalListRequest(
                    workflow_execution_id=example_runs.execution_id(name), limit=10
                )
            )
            return [s for s in listed.signals if s.id.signal_id == "extra"]

        (waiting,) = wait_for(extra, RUN_DEADLINE_SECONDS, "the gate's signal")
        assert waiting.type.simple == types_pb2.INTEGER
        assert not waiting.HasField("value")
        wait_for(
            lambda: example_runs.node_in(name, "n0", core.NodeExecution.RUNNING),
            PROJECTION_DEADLINE_SECONDS,
            "the gate node to run",
        )
        assert example_runs.get(name).closure.phase == core.WorkflowExecution.RUNNING

        example_runs.remote.set_signal("extra", name, 5)

        execution = example_runs.wait_terminal(name, RUN_DEADLINE_SECONDS)
        assert execution.closure.phase == core.WorkflowExecution.SUCCEEDED, execution.closure.error
        assert _outputs(example_runs, name) == {"o0": 8}
        (given,) = extra()
        assert given.value.scalar.primitive.integer == 5


def _end_leftover(pid: int | None) -> None:
    """After a failed assertion: the sleeping task process must not outlive the test."""
    if pid is not None and "pyflyte" in _cmdline(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def test_terminate_ends_the_task_process_and_aborts_the_run(
    example_runs: Any,
    tmp_path: Path,
    wait_for: Callable[..., Any],
    pid_alive: Callable[[int], bool],
) -> None:
    name = example_runs.launch("sleeper", {"seconds": 600, "marker_dir": str(tmp_path)})
    pid = None
    try:
        marker = wait_for(lambda: next(tmp_path.iterdir(), None), RUN_DEADLINE_SECONDS, "nap")
        pid = int(marker.name)
        assert pid_alive(pid)

        example_runs.remote.terminate(example_runs.remote.fetch_execution(name=name), "stop")

        wait_for(lambda: not pid_alive(pid), KILL_DEADLINE_SECONDS, f"task process {pid} to end")
        execution = example_runs.wait_terminal(name, RUN_DEADLINE_SECONDS)
        assert execution.closure.phase == core.WorkflowExecution.ABORTED
        assert execution.closure.abort_metadata.cause == "stop"
        node = wait_for(
            lambda: example_runs.node_in(name, "n0", core.NodeExecution.ABORTED),
            PROJECTION_DEADLINE_SECONDS,
            "the node to be ABORTED",
        )
        tasks = example_runs.task_executions(node.id)
        assert [t.closure.phase for t in tasks] == [core.TaskExecution.ABORTED]
    finally:
        if pid is not None and pid_alive(pid):
            with contextlib.suppress(Exception):
                example_runs.remote.terminate(
                    example_runs.remote.fetch_execution(name=name), "test cleanup"
                )
            _end_leftover(pid)
