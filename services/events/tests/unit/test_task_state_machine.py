from __future__ import annotations

import pytest
from flyteidl.admin import task_execution_pb2
from flyteidl.core import execution_pb2 as core_execution_pb2
from flyteidl.core import identifier_pb2, literals_pb2
from flyteidl.event import event_pb2
from google.protobuf.duration_pb2 import Duration
from google.protobuf.struct_pb2 import Struct
from google.protobuf.timestamp_pb2 import Timestamp

from flightdeck_events.domain.task_events import MAX_REASONS, apply_task_event
from flightdeck_platform import faults
from flightdeck_records.task_executions import TaskRecord

Phase = core_execution_pb2.TaskExecution.Phase


def _reasons(record: TaskRecord) -> list[tuple[str, Timestamp]]:
    return [(r.message, r.occurred_at) for r in record.task.closure.reasons]


def test_the_first_event_creates_the_attempt(events) -> None:
    info = Struct()
    info.update({"k": "v"})
    record = apply_task_event(
        None,
        events.task(
            Phase.QUEUED,
            1,
            reported_at=events.at(2),
            input_uri="s3://b/in",
            task_type="python-task",
            phase_version=3,
            event_version=1,
            custom_info=info,
        ),
    )
    task = record.task
    assert task.id == identifier_pb2.TaskExecutionIdentifier(
        task_id=events.TASK, node_execution_id=events.NODE, retry_attempt=1
    )
    assert task.input_uri == "s3://b/in"
    closure = task.closure
    assert closure.phase == Phase.QUEUED
    assert (closure.created_at, closure.updated_at) == (events.at(1), events.at(2))
    assert closure.task_type == "python-task"
    assert closure.custom_info == info
    assert closure.event_version == 1
    assert (record.phase_version, record.event_version) == (3, 1)
    assert not closure.HasField("started_at")


def test_creation_keeps_the_logs_as_sent(events) -> None:
    logs = [core_execution_pb2.TaskLog(uri="u1", name="hidden-while-queued")]
    record = events.run_task(events.task(Phase.QUEUED, 1, logs=logs))
    assert list(record.task.closure.logs) == logs


def test_creation_sorts_the_external_resources(events) -> None:
    resources = [
        event_pb2.ExternalResourceInfo(index=2, retry_attempt=0),
        event_pb2.ExternalResourceInfo(index=1, retry_attempt=1),
        event_pb2.ExternalResourceInfo(index=1, retry_attempt=0),
    ]
    metadata = event_pb2.TaskExecutionMetadata(generated_name="gen", external_resources=resources)
    record = events.run_task(events.task(Phase.RUNNING, 1, metadata=metadata))
    stored = record.task.closure.metadata
    assert stored.generated_name == "gen"
    assert [(r.index, r.retry_attempt) for r in stored.external_resources] == [
        (1, 0),
        (1, 1),
        (2, 0),
    ]


def test_running_starts_once_and_a_terminal_phase_measures_the_duration(events) -> None:
    record = events.run_task(
        events.task(Phase.QUEUED, 0),
        events.task(Phase.RUNNING, 2),
        events.task(Phase.WAITING_FOR_RESOURCES, 3),
        events.task(Phase.RUNNING, 4),
        events.task(Phase.SUCCEEDED, 9, output_uri="s3://b/out"),
    )
    closure = record.task.closure
    assert closure.started_at == events.at(2)
    assert closure.duration == Duration(seconds=7)
    assert closure.output_uri == "s3://b/out"


def test_an_attempt_created_finished_has_its_result_but_no_duration(events) -> None:
    error = core_execution_pb2.ExecutionError(code="OOM", message="killed")
    record = events.run_task(events.task(Phase.FAILED, 3, error=error))
    assert record.task.closure.error == error
    assert not record.task.closure.HasField("duration")


def test_inline_outputs_are_kept_inline(events) -> None:
    data = literals_pb2.LiteralMap()
    data.literals["y"].scalar.primitive.string_value = "hi"
    record = events.run_task(
        events.task(Phase.RUNNING, 1), events.task(Phase.SUCCEEDED, 2, output_data=data)
    )
    assert record.task.closure.output_data == data


def test_a_late_event_does_not_rewind_updated_at(events) -> None:
    record = events.run_task(
        events.task(Phase.RUNNING, 5), events.task(Phase.SUCCEEDED, 3, reported_at=events.at(4))
    )
    assert record.task.closure.phase == Phase.SUCCEEDED
    assert record.task.closure.updated_at == events.at(5)


def test_inputs_are_set_once(events) -> None:
    record = events.run_task(
        events.task(Phase.QUEUED, 1),
        events.task(Phase.RUNNING, 2, input_uri="s3://b/in"),
        events.task(Phase.SUCCEEDED, 3, input_uri="s3://b/other"),
    )
    assert record.task.input_uri == "s3://b/in"


def test_task_type_is_the_first_one(events) -> None:
    record = events.run_task(
        events.task(Phase.QUEUED, 1, task_type="python-task"),
        events.task(Phase.RUNNING, 2, task_type="other"),
    )
    assert record.task.closure.task_type == "python-task"


@pytest.mark.parametrize("version", [0, 1])
def test_a_repeated_phase_without_a_newer_version_is_a_duplicate(events, version: int) -> None:
    stored = events.run_task(events.task(Phase.RUNNING, 1, phase_version=1))
    with pytest.raises(faults.AlreadyExists, match="RUNNING version 1"):
        apply_task_event(stored, events.task(Phase.RUNNING, 2, phase_version=version))


def test_a_newer_phase_version_is_applied(events) -> None:
    record = events.run_task(
        events.task(Phase.RUNNING, 1, phase_version=1),
        events.task(Phase.RUNNING, 2, phase_version=2, reason="pulling image"),
    )
    assert record.phase_version == 2
    assert record.task.closure.reason == "pulling image"
    assert record.task.closure.started_at == events.at(1)


def test_a_new_phase_overwrites_the_phase_version_even_when_lower(events) -> None:
    record = events.run_task(
        events.task(Phase.RUNNING, 1, phase_version=5), events.task(Phase.SUCCEEDED, 2)
    )
    assert record.phase_version == 0
    assert record.task.closure.phase == Phase.SUCCEEDED


def test_a_finished_attempt_refuses_a_newer_version_of_its_phase(events) -> None:
    stored = events.run_task(events.task(Phase.SUCCEEDED, 1))
    with pytest.raises(faults.FailedPrecondition) as raised:
        apply_task_event(stored, events.task(Phase.SUCCEEDED, 2, phase_version=1))
    assert raised.value.details[0].already_in_terminal_state.current_phase == "SUCCEEDED"


def test_reasons_accumulate(events) -> None:
    record = events.run_task(events.task(Phase.QUEUED, 1, reason="waiting"))
    assert _reasons(record) == [("waiting", events.at(1))]
    record = apply_task_event(
        record, events.task(Phase.QUEUED, 2, phase_version=1, reason="waiting")
    )
    assert _reasons(record) == [("waiting", events.at(1))]
    record = apply_task_event(record, events.task(Phase.RUNNING, 3, reason="started"))
    assert _reasons(record) == [("waiting", events.at(1)), ("started", events.at(3))]
    assert record.task.closure.reason == "started"
    batch = [
        event_pb2.EventReason(reason="a", occurred_at=events.at(4)),
        event_pb2.EventReason(reason="started", occurred_at=events.at(5)),
    ]
    record = apply_task_event(record, events.task(Phase.SUCCEEDED, 6, reasons=batch, reason="x"))
    assert _reasons(record)[2:] == [("a", events.at(4)), ("started", events.at(5))]
    assert record.task.closure.reason == "started"


def test_an_attempt_keeps_only_its_latest_reasons(events) -> None:
    record = events.run_task(events.task(Phase.RUNNING, 1, reason="r0"))
    for version in range(1, MAX_REASONS + 50):
        record = apply_task_event(
            record,
            events.task(Phase.RUNNING, 1 + version, phase_version=version, reason=f"r{version}"),
        )

    kept = [message for message, _ in _reasons(record)]
    assert len(kept) == MAX_REASONS
    assert kept[-1] == f"r{MAX_REASONS + 49}" and kept[0] == "r50"


def test_creation_takes_every_reason_of_the_batch(events) -> None:
    batch = [event_pb2.EventReason(reason=r, occurred_at=events.at(i)) for i, r in enumerate("ab")]
    record = events.run_task(events.task(Phase.QUEUED, 3, reasons=batch))
    assert _reasons(record) == [("a", events.at(0)), ("b", events.at(1))]
    assert record.task.closure.reason == "b"


def test_event_version_is_the_highest_seen(events) -> None:
    record = events.run_task(
        events.task(Phase.QUEUED, 1, event_version=2), events.task(Phase.RUNNING, 2)
    )
    assert record.event_version == 2
    assert record.task.closure.event_version == 2


def test_applying_leaves_the_stored_record_untouched(events) -> None:
    logs = [core_execution_pb2.TaskLog(uri="u1", name="n1")]
    stored = events.run_task(events.task(Phase.RUNNING, 1, logs=logs))
    before = task_execution_pb2.TaskExecution()
    before.CopyFrom(stored.task)
    apply_task_event(stored, events.task(Phase.SUCCEEDED, 2, logs=[], output_uri="s3://b/o"))
    assert stored.task == before
