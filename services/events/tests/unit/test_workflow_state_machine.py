from __future__ import annotations

import pytest
from flyteidl.admin import event_pb2 as admin_event_pb2
from flyteidl.admin import execution_pb2
from flyteidl.core import execution_pb2 as core_execution_pb2
from flyteidl.core import literals_pb2
from google.protobuf.duration_pb2 import Duration

from flightdeck_events.domain.cluster import check_cluster
from flightdeck_events.domain.workflow_events import (
    apply_workflow_event,
    check_workflow_event,
)
from flightdeck_platform import faults

Phase = core_execution_pb2.WorkflowExecution.Phase


def _incompatible(cluster: str) -> tuple[admin_event_pb2.EventFailureReason]:
    return (
        admin_event_pb2.EventFailureReason(
            incompatible_cluster=admin_event_pb2.EventErrorIncompatibleCluster(cluster=cluster)
        ),
    )


def test_running_starts_and_success_measures_the_duration(events) -> None:
    progress = events.run_workflow(
        events.workflow(Phase.QUEUED, 0),
        events.workflow(Phase.RUNNING, 1),
        events.workflow(Phase.SUCCEEDED, 3.5),
    )
    assert progress.phase == Phase.SUCCEEDED
    assert progress.closure.started_at == events.at(1)
    assert progress.closure.updated_at == events.at(3.5)
    assert progress.closure.duration == Duration(seconds=2, nanos=500_000_000)


def test_a_run_that_never_started_has_no_duration(events) -> None:
    progress = events.run_workflow(
        events.workflow(Phase.QUEUED, 0), events.workflow(Phase.FAILED, 2)
    )
    assert not progress.closure.HasField("started_at")
    assert not progress.closure.HasField("duration")
    assert progress.closure.updated_at == events.at(2)


def test_started_at_is_written_once_and_the_duration_counts_from_it(events) -> None:
    progress = events.run_workflow(
        events.workflow(Phase.RUNNING, 1),
        events.workflow(Phase.FAILING, 2),
        events.workflow(Phase.RUNNING, 3),
        events.workflow(Phase.FAILED, 5),
    )
    assert progress.closure.started_at == events.at(1)
    assert progress.closure.duration == Duration(seconds=4)


def test_a_late_event_does_not_rewind_updated_at(events) -> None:
    progress = events.run_workflow(
        events.workflow(Phase.RUNNING, 5), events.workflow(Phase.SUCCEEDING, 3)
    )
    assert progress.phase == Phase.SUCCEEDING
    assert progress.closure.updated_at == events.at(5)


def test_results_are_recorded(events) -> None:
    uri = events.run_workflow(
        events.workflow(Phase.RUNNING, 1),
        events.workflow(Phase.SUCCEEDED, 2, output_uri="s3://b/out"),
    )
    assert uri.closure.outputs.uri == "s3://b/out"
    data = literals_pb2.LiteralMap()
    data.literals["x"].scalar.primitive.integer = 3
    inline = events.run_workflow(events.workflow(Phase.SUCCEEDED, 2, output_data=data))
    assert inline.closure.output_data == data
    error = core_execution_pb2.ExecutionError(code="E1", message="boom")
    failed = events.run_workflow(
        events.workflow(Phase.RUNNING, 1), events.workflow(Phase.FAILED, 2, error=error)
    )
    assert failed.closure.error == error
    assert failed.closure.WhichOneof("output_result") == "error"


def test_an_event_without_a_result_keeps_the_recorded_one(events) -> None:
    progress = events.run_workflow(
        events.workflow(Phase.SUCCEEDING, 1, output_uri="s3://b/out"),
        events.workflow(Phase.SUCCEEDED, 2),
    )
    assert progress.closure.outputs.uri == "s3://b/out"


def test_applying_leaves_the_stored_progress_untouched(events) -> None:
    stored = events.run_workflow(events.workflow(Phase.RUNNING, 1))
    before = execution_pb2.ExecutionClosure()
    before.CopyFrom(stored.closure)
    apply_workflow_event(stored, events.workflow(Phase.SUCCEEDED, 2, output_uri="s3://b/out"))
    assert stored.closure == before
    assert stored.phase == Phase.RUNNING


def test_a_duplicate_names_the_phase(events) -> None:
    with pytest.raises(faults.AlreadyExists, match=r"RUNNING.*p/d/n"):
        events.run_workflow(events.workflow(Phase.RUNNING, 1), events.workflow(Phase.RUNNING, 2))


def test_a_second_terminal_event_is_a_duplicate_before_it_is_terminal(events) -> None:
    with pytest.raises(faults.AlreadyExists):
        events.run_workflow(
            events.workflow(Phase.SUCCEEDED, 1), events.workflow(Phase.SUCCEEDED, 2)
        )


@pytest.mark.parametrize("producer", ["", "propeller"])
def test_anonymous_producers_pass_and_never_move_the_execution(events, producer: str) -> None:
    progress = events.run_workflow(
        events.workflow(Phase.QUEUED, 0, producer_id=producer),
        events.workflow(Phase.RUNNING, 1, producer_id=producer),
        cluster="east",
    )
    assert progress.cluster == "east"
    check_cluster("east", producer)


def test_queued_events_move_the_execution_to_their_cluster(events) -> None:
    progress = events.run_workflow(
        events.workflow(Phase.QUEUED, 0, producer_id="east"),
        events.workflow(Phase.QUEUED, 1, producer_id="west"),
    )
    assert progress.cluster == "west"
    running = events.run_workflow(
        events.workflow(Phase.QUEUED, 0, producer_id="west"),
        events.workflow(Phase.RUNNING, 1, producer_id="west"),
    )
    assert (running.phase, running.cluster) == (Phase.RUNNING, "west")


def test_other_phases_must_come_from_the_recorded_cluster(events) -> None:
    with pytest.raises(faults.FailedPrecondition) as raised:
        events.run_workflow(
            events.workflow(Phase.QUEUED, 0, producer_id="east"),
            events.workflow(Phase.RUNNING, 1, producer_id="west"),
        )
    assert raised.value.details == _incompatible("west")


def test_an_undefined_event_from_another_cluster_is_refused(events) -> None:
    stored = events.run_workflow(events.workflow(Phase.QUEUED, 0), cluster="east")
    with pytest.raises(faults.FailedPrecondition) as raised:
        check_workflow_event(stored, events.workflow(Phase.UNDEFINED, 1, producer_id="west"))
    assert raised.value.details == _incompatible("west")


def test_the_duplicate_check_comes_before_the_cluster_check(events) -> None:
    stored = events.run_workflow(events.workflow(Phase.RUNNING, 1), cluster="east")
    with pytest.raises(faults.AlreadyExists):
        check_workflow_event(stored, events.workflow(Phase.RUNNING, 2, producer_id="west"))


def test_the_cluster_check_comes_before_the_terminal_check(events) -> None:
    stored = events.run_workflow(events.workflow(Phase.SUCCEEDED, 1), cluster="east")
    with pytest.raises(faults.FailedPrecondition) as raised:
        check_workflow_event(stored, events.workflow(Phase.FAILED, 2, producer_id="west"))
    assert raised.value.details == _incompatible("west")


def test_a_requeue_from_another_cluster_cannot_reopen_a_finished_execution(events) -> None:
    stored = events.run_workflow(events.workflow(Phase.ABORTED, 1), cluster="east")
    with pytest.raises(faults.FailedPrecondition) as raised:
        apply_workflow_event(stored, events.workflow(Phase.QUEUED, 2, producer_id="west"))
    assert raised.value.details[0].already_in_terminal_state.current_phase == "ABORTED"


def test_check_cluster_requires_the_recorded_cluster() -> None:
    check_cluster("east", "east")
    with pytest.raises(faults.FailedPrecondition) as raised:
        check_cluster("", "west")
    assert raised.value.details == _incompatible("west")
