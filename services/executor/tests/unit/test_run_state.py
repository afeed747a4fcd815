"""The run state as it is persisted between rounds: a lossless JSON round trip, and when a run
counts as finished."""

from __future__ import annotations

import json

import pytest

from flightdeck_executor.domain.run_state import (
    WORKFLOW_TERMINAL,
    Attempts,
    Element,
    NodeState,
    RunState,
)


def _state() -> RunState:
    task = NodeState(
        kind="task",
        spec_id="n0",
        name="flyte.t_add",
        depth=0,
        task_id="0a0170",
        phase="RUNNING",
        attempts=Attempts(
            attempt=2,
            system_failures=1,
            task_phase="RUNNING",
            task_version=1,
            attempt_started_at=1700000000.25,
            launched_at=1699999999.5,
        ),
        queued_at=1699999990.0,
        started_at=1699999991.0,
        data_dir="metadata/propeller/p-d-r/n0/data",
        error="CgJlMQ==",
        is_dynamic=True,
        dynamic="pending",
    )
    array = NodeState(
        kind="array",
        spec_id="n1",
        name="map",
        depth=1,
        parent_uid="n2",
        retry_group="0",
        in_dynamic=True,
        phase="QUEUED",
        elements=[
            Element(),
            Element(phase="SUCCEEDED", attempts=Attempts(attempt=1, task_phase="SUCCEEDED")),
            Element(phase="FAILED", attempts=Attempts(task_phase="FAILED"), error="ZXJy"),
        ],
        array_phase="RUNNING",
        array_version=3,
    )
    return RunState(
        phase="FAILING",
        nodes={"n0": task, "n2-0-n1": array},
        error="Cg==",
        abort_cause="stop",
        failure_node_started=True,
    )


def test_a_state_with_nodes_attempts_and_elements_survives_json() -> None:
    state = _state()

    restored = RunState.from_json(state.to_json())

    assert restored == state
    assert isinstance(restored.nodes["n0"].attempts, Attempts)
    assert all(isinstance(e, Element) for e in restored.nodes["n2-0-n1"].elements)
    assert restored.to_json() == state.to_json()


def test_the_json_is_compact_and_keyed_by_unique_node_id() -> None:
    text = _state().to_json()

    assert ": " not in text and ", " not in text
    assert list(json.loads(text)["nodes"]) == ["n0", "n2-0-n1"]


def test_an_empty_state_survives_json_as_not_started() -> None:
    restored = RunState.from_json(RunState().to_json())

    assert restored == RunState()
    assert restored.phase == "UNDEFINED"
    assert not restored.finished


@pytest.mark.parametrize("phase", sorted(WORKFLOW_TERMINAL))
def test_a_terminal_workflow_phase_is_finished(phase: str) -> None:
    assert RunState(phase=phase).finished


@pytest.mark.parametrize("phase", ["UNDEFINED", "RUNNING", "SUCCEEDING", "FAILING"])
def test_a_phase_still_in_progress_is_not_finished(phase: str) -> None:
    assert not RunState(phase=phase).finished


def test_a_run_the_control_plane_stopped_is_finished_whatever_its_phase() -> None:
    assert RunState(phase="RUNNING", stopped_reason="already terminal").finished


def test_the_terminal_phases_are_those_propeller_ends_a_workflow_in() -> None:
    assert frozenset({"SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT"}) == WORKFLOW_TERMINAL
