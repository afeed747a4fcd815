"""Whole runs through RunDriver with real local processes: the event stream each one sends
(spec/executor.md §5.2), what it leaves in the object store, and how it survives an abort, a
restart of the executor and an unhelpful control plane."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from flyteidl.core import execution_pb2

from flightdeck_executor.processes.attempt_files import STARTED, read_json
from flightdeck_executor.service.ports import Delivery

USER = execution_pb2.ExecutionError.USER


async def test_a_chain_sends_the_simple_trace_and_writes_the_outputs(
    harness: Any, flow: Any, traces: Any, sink_class: Any
) -> None:
    closure = flow.chain(flow.succeeding("t_first", o=42), flow.succeeding("t_second", o=43))
    run = await harness.submit(closure, x=7)
    sink = sink_class()
    driver = harness.driver(run, sink)

    await harness.drive(driver)

    assert sink.steps == traces.chain("n0", "n1")
    assert [s.outcome for s in sink.sent] == [Delivery.ACCEPTED] * len(sink.sent)
    assert driver.run.state.phase == "SUCCEEDED"
    start = sink.find(("node", "start-node", "SUCCEEDED")).request.event
    assert start.output_uri == harness.url("start-node", "data", "0", "outputs.pb")
    assert not start.input_uri
    task = sink.find(("task", "n0", 0, "SUCCEEDED", 0)).request.event
    assert task.output_uri == harness.url("n0", "data", "0", "outputs.pb")
    assert task.input_uri == harness.url("n0", "data", "inputs.pb")
    assert task.logs[0].uri.startswith("http://edge/flightdeck/executor/logs/p-d-r1/")
    node = sink.find(("node", "n0", "SUCCEEDED")).request.event
    assert node.output_uri == task.output_uri
    assert node.task_node_metadata.checkpoint_uri.endswith("/_flytecheckpoints")
    finished = sink.find(("workflow", "SUCCEEDED")).request.event
    assert finished.output_uri == harness.url("end-node", "data", "0", "outputs.pb")
    assert {s.request.event.producer_id for s in sink.sent} == {"propeller"}
    assert await harness.integer(finished.output_uri, "y") == 43
    assert await harness.integer(harness.url("n1", "data", "inputs.pb"), "a") == 42
    assert await harness.integer(harness.url("n0", "data", "inputs.pb"), "a") == 7
    assert await harness.store.unfinished([0]) == []


async def test_a_recoverable_user_error_is_retried_without_a_node_failure(
    harness: Any, flow: Any, traces: Any, sink_class: Any
) -> None:
    closure = flow.chain(flow.failing_first_attempt("t_flaky", o=5, message="try again"))
    run = await harness.submit(closure)
    sink = sink_class()

    await harness.drive(harness.driver(run, sink))

    assert sink.steps == [
        ("workflow", "RUNNING"),
        ("node", "start-node", "SUCCEEDED"),
        *traces.task_node("n0", attempts=("FAILED", "SUCCEEDED")),
        ("node", "end-node", "QUEUED"),
        ("node", "end-node", "SUCCEEDED"),
        ("workflow", "SUCCEEDING"),
        ("workflow", "SUCCEEDED"),
    ]
    failed = sink.find(("task", "n0", 0, "FAILED", 0)).request.event
    assert (failed.error.code, failed.error.message, failed.error.kind) == (
        "USER:Recoverable",
        "try again",
        USER,
    )
    retried = sink.find(("task", "n0", 1, "SUCCEEDED", 0)).request.event
    assert retried.output_uri == harness.url("n0", "data", "1", "outputs.pb")
    node = sink.find(("node", "n0", "SUCCEEDED")).request.event
    assert node.output_uri == retried.output_uri
    assert await harness.integer(harness.url("end-node", "data", "0", "outputs.pb"), "y") == 5


async def test_a_task_exiting_non_zero_fails_the_node_and_the_workflow(
    harness: Any, flow: Any, traces: Any, sink_class: Any
) -> None:
    run = await harness.submit(flow.chain(flow.exiting("t_broken", 3)))
    sink = sink_class()
    driver = harness.driver(run, sink)

    await harness.drive(driver)

    assert sink.steps == [
        ("workflow", "RUNNING"),
        ("node", "start-node", "SUCCEEDED"),
        *traces.task_node("n0", attempts=("FAILED",)),
        ("workflow", "FAILING"),
        ("workflow", "FAILED"),
    ]
    task_error = sink.find(("task", "n0", 0, "FAILED", 0)).request.event.error
    assert (task_error.code, task_error.kind) == ("Error", USER)
    assert "exit code (3)" in task_error.message
    assert "giving up" in task_error.message
    node_error = sink.find(("node", "n0", "FAILED")).request.event.error
    assert node_error.kind == USER
    assert node_error.code == "RetriesExhausted|Error"
    assert "[1/1] currentAttempt done" in node_error.message
    for phase in ("FAILING", "FAILED"):
        assert sink.find(("workflow", phase)).request.event.error == node_error
    assert driver.run.state.phase == "FAILED"


async def test_an_abort_kills_the_process_and_reports_task_node_and_workflow_aborted(
    harness: Any, flow: Any, traces: Any, sink_class: Any
) -> None:
    run = await harness.submit(flow.chain(flow.sleeping("t_sleepy", 60)))
    sink = sink_class()
    driver = harness.driver(run, sink)
    driving = harness.start(driver)
    await sink.wait_for(("task", "n0", 0, "RUNNING", 0))
    (attempt_dir,) = harness.attempt_dirs()
    started = read_json(attempt_dir / STARTED)
    assert started is not None and traces.alive(started["pid"])

    driver.request_abort("stop")
    await asyncio.wait_for(driving, 30)

    assert not traces.alive(started["pid"]), "killed before the run ends"
    # The supervisor records the exit first and leaves a moment later.
    await traces.until(lambda: not traces.alive(started["shim_pid"]))
    assert sink.steps == [
        ("workflow", "RUNNING"),
        ("node", "start-node", "SUCCEEDED"),
        *traces.task_node("n0")[:-2],
        ("task", "n0", 0, "ABORTED", 0),
        ("node", "n0", "ABORTED"),
        ("workflow", "ABORTED"),
    ]
    aborted = sink.find(("task", "n0", 0, "ABORTED", 0)).request.event
    assert (aborted.error.code, aborted.error.message) == ("Task Aborted", "Workflow aborted.")
    node = sink.find(("node", "n0", "ABORTED")).request.event
    assert (node.error.code, node.error.message) == ("NodeAborted", "Workflow aborted.")
    assert driver.run.state.phase == "ABORTED"
    assert await harness.store.unfinished([0]) == []


async def test_a_restarted_executor_resumes_without_skipping_or_repeating(
    harness: Any, flow: Any, traces: Any, sink_class: Any, tmp_path: Path
) -> None:
    ran = tmp_path / "n0-ran"
    closure = flow.chain(
        flow.succeeding("t_slow", o=10, marker=ran, pause=1.0), flow.succeeding("t_next", o=11)
    )
    run = await harness.submit(closure)
    first_sink = sink_class()
    first = harness.start(harness.driver(run, first_sink))
    await first_sink.wait_for(("task", "n0", 0, "RUNNING", 0))
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first

    stored = await harness.store.load(run.key)
    assert stored is not None
    second_sink = sink_class()
    resumed = harness.driver(stored, second_sink, harness.engine())
    await harness.drive(resumed)

    assert resumed.run.state.phase == "SUCCEEDED"
    assert ran.read_text() == "0\n", "n0's process ran exactly once"
    sent_first = {s.step: s.payload for s in first_sink.accepted}
    merged = [s.step for s in first_sink.accepted]
    for sent in second_sink.accepted:
        if sent.step in sent_first:
            assert sent.payload == sent_first[sent.step], f"{sent.step} re-sent differently"
        else:
            merged.append(sent.step)
    assert merged == traces.chain("n0", "n1")
    new_steps = [s.step for s in second_sink.accepted if s.step not in sent_first]
    assert len(new_steps) == len(set(new_steps)), "no transition sent twice after the restart"
    assert await harness.integer(harness.url("end-node", "data", "0", "outputs.pb"), "y") == 11


async def test_events_the_control_plane_cannot_take_yet_are_resent_in_order(
    harness: Any, flow: Any, traces: Any, sink_class: Any
) -> None:
    def answer(sends: int, kind: str, request: object) -> Delivery:
        return Delivery.RETRY if sends < 3 else Delivery.ACCEPTED

    run = await harness.submit(flow.chain(flow.succeeding("t_first", o=1)))
    sink = sink_class(answer, message="unavailable")
    driver = harness.driver(run, sink)

    await harness.drive(driver)

    assert [s.outcome for s in sink.sent[:4]] == [Delivery.RETRY] * 3 + [Delivery.ACCEPTED]
    assert {s.payload for s in sink.sent[:4]} == {sink.sent[0].payload}, "the same event again"
    assert sink.steps == traces.chain("n0")
    assert driver.run.state.phase == "SUCCEEDED"
    assert driver.run.outbox == []


async def test_a_control_plane_that_stops_the_run_stops_the_driver(
    harness: Any, flow: Any, sink_class: Any
) -> None:
    def answer(sends: int, kind: str, request: object) -> Delivery:
        return Delivery.STOP

    run = await harness.submit(flow.chain(flow.succeeding("t_first", o=1)))
    sink = sink_class(answer, message="execution already terminal")
    driver = harness.driver(run, sink)

    await harness.drive(driver)

    assert [(s.step, s.outcome) for s in sink.sent] == [(("workflow", "RUNNING"), Delivery.STOP)]
    assert driver.run.state.stopped_reason == "execution already terminal"
    stored = await harness.store.load(run.key)
    assert stored is not None
    assert stored.state.stopped_reason == "execution already terminal"
    assert stored.outbox == []
    assert await harness.store.unfinished([0]) == []
    assert harness.attempt_dirs() == [], "nothing launched for a stopped run"
