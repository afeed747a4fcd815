"""The executor under faults: every replica SIGKILLed in the middle of a run, and one of two
replicas SIGKILLed while they share twenty runs. Runs still end SUCCEEDED, no task runs twice,
and no event the executors send is rejected."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flyteidl.admin import execution_pb2
from flyteidl.core import execution_pb2 as core

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

RUN_DEADLINE_SECONDS = 600
STEPS = 4
STEP_SECONDS = 4.0
RUNS = 20
TERMINAL = {
    core.WorkflowExecution.SUCCEEDED,
    core.WorkflowExecution.FAILED,
    core.WorkflowExecution.ABORTED,
    core.WorkflowExecution.TIMED_OUT,
}
SIDE_EFFECT_FILES = ["plan.log", *(f"step-{i}.log" for i in range(1, STEPS + 1))]


def _output(example_runs: Any, name: str) -> Any:
    data = example_runs.admin.GetExecutionData(
        execution_pb2.WorkflowExecutionGetDataRequest(id=example_runs.execution_id(name))
    )
    primitive = data.full_outputs.literals["o0"].scalar.primitive
    return getattr(primitive, str(primitive.WhichOneof("value")))


def _rejected(counts: dict[tuple[str, str], float]) -> float:
    return sum(value for (_, outcome), value in counts.items() if outcome == "rejected")


@pytest.mark.timeout(1500)
def test_sigkill_of_every_executor_mid_run_neither_repeats_nor_skips_a_task(
    example_runs: Any, executors: Any, tmp_path: Path, wait_for: Callable[..., Any]
) -> None:
    name = example_runs.launch(
        "side_effects", {"count": STEPS, "marker_dir": str(tmp_path), "seconds": STEP_SECONDS}
    )
    wait_for(
        lambda: (tmp_path / "step-2.log").exists(),
        RUN_DEADLINE_SECONDS,
        "the second task to start",
        0.1,
    )
    replicas = executors.replicas()
    assert replicas, "no executor is running"
    before = {replica.port: executors.events_sent(replica) for replica in replicas}
    assert sum(sum(counts.values()) for counts in before.values()) > 0, before
    assert all(_rejected(counts) == 0 for counts in before.values()), before

    executors.kill_all()
    assert example_runs.get(name).closure.phase == core.WorkflowExecution.RUNNING
    restarted = executors.start()

    execution = example_runs.wait_terminal(name, RUN_DEADLINE_SECONDS)
    assert execution.closure.phase == core.WorkflowExecution.SUCCEEDED, execution.closure.error
    assert _output(example_runs, name) == sum(range(1, STEPS + 1))
    ran = {path.name: path.read_text().splitlines() for path in tmp_path.glob("*.log")}
    assert sorted(ran) == SIDE_EFFECT_FILES
    assert {file: len(lines) for file, lines in ran.items()} == dict.fromkeys(ran, 1), ran
    after = executors.events_sent(restarted)
    assert sum(after.values()) > 0, "the restarted executor finished the run"
    assert _rejected(after) == 0, after


@pytest.mark.timeout(1500)
def test_two_replicas_finish_every_run_when_one_is_killed(
    example_runs: Any, executors: Any, wait_for: Callable[..., Any]
) -> None:
    survivor = executors.start_extra()
    first = example_runs.launch("quickstart", {"name": "warm-up"})
    launch_plan = example_runs.launch_plan_of(first)
    greeted = {first: "warm-up"}
    for i in range(RUNS):
        name = f"r{i:02d}{uuid.uuid4().hex[:8]}"
        greeted[name] = f"run-{i}"
        example_runs.remote.execute(
            launch_plan, inputs={"name": greeted[name]}, execution_name=name
        )

    def ended() -> dict[str, str]:
        """Each run's phase name once every run has ended, else nothing."""
        phases = {name: example_runs.get(name).closure.phase for name in greeted}
        if not all(phase in TERMINAL for phase in phases.values()):
            return {}
        return {name: core.WorkflowExecution.Phase.Name(phase) for name, phase in phases.items()}

    wait_for(
        lambda: any(example_runs.get(name).closure.phase in TERMINAL for name in greeted),
        RUN_DEADLINE_SECONDS,
        "a first run to end",
    )
    victim = executors.standard()
    assert victim is not None
    executors.kill(victim)

    final = wait_for(ended, RUN_DEADLINE_SECONDS, f"all {len(greeted)} runs to end", 1.0)
    assert final == dict.fromkeys(greeted, "SUCCEEDED")
    assert {name: _output(example_runs, name) for name in greeted} == {
        name: f"Hello, {who}!" for name, who in greeted.items()
    }
    assert _rejected(executors.events_sent(survivor)) == 0
