from datetime import UTC, datetime

from flyteidl.admin import execution_pb2, node_execution_pb2, task_execution_pb2
from flyteidl.core import execution_pb2 as core
from flyteidl.core import identifier_pb2

from flightdeck_records import executions, node_executions, task_executions
from flightdeck_records.documents import EventPosition

NOW = datetime(2026, 11, 27, tzinfo=UTC)
EXECUTION_ID = identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="d", name="e1")
NODE_ID = identifier_pb2.NodeExecutionIdentifier(execution_id=EXECUTION_ID, node_id="n0")
TASK_EXECUTION_ID = identifier_pb2.TaskExecutionIdentifier(
    task_id=identifier_pb2.Identifier(
        resource_type=identifier_pb2.TASK, project="p", domain="d", name="t", version="v"
    ),
    node_execution_id=NODE_ID,
    retry_attempt=2,
)


def test_an_event_time_with_zero_nanoseconds_replaces_the_accepted_updated_at():
    accepted = execution_pb2.Execution(id=EXECUTION_ID)
    accepted.closure.created_at.FromNanoseconds(100_552_018_000)
    accepted.closure.updated_at.FromNanoseconds(100_552_018_000)
    accepted.closure.abort_metadata.cause = "stale"
    progress = execution_pb2.ExecutionClosure()
    progress.updated_at.FromSeconds(111)
    progress.started_at.FromSeconds(111)
    document = {"blob": accepted.SerializeToString(), "abort": b""}
    document |= executions.progress_fields(
        core.WorkflowExecution.RUNNING, progress, "", EventPosition(0, 1), NOW
    )
    document["abort"] = execution_pb2.AbortMetadata(principal="me").SerializeToString()

    closure = executions.execution_of(document).closure

    assert (closure.updated_at.seconds, closure.updated_at.nanos) == (111, 0)
    assert (closure.started_at.seconds, closure.started_at.nanos) == (111, 0)
    assert (closure.created_at.seconds, closure.created_at.nanos) == (100, 552_018_000)
    assert (closure.abort_metadata.cause, closure.abort_metadata.principal) == ("", "me")


def test_abort_metadata_is_present_once_recorded_even_when_empty():
    accepted = execution_pb2.Execution(id=EXECUTION_ID)
    document = {"blob": accepted.SerializeToString()}
    assert not executions.execution_of(document).closure.HasField("abort_metadata")
    document["abort"] = execution_pb2.AbortMetadata().SerializeToString()
    assert executions.execution_of(document).closure.HasField("abort_metadata")


def test_an_execution_reads_back_with_the_projected_progress_over_the_accepted_record():
    accepted = execution_pb2.Execution(id=EXECUTION_ID)
    accepted.closure.created_at.FromSeconds(100)
    progress = execution_pb2.ExecutionClosure()
    progress.started_at.FromSeconds(110)
    progress.duration.FromSeconds(5)
    progress.outputs.uri = "s3://bucket/outputs.pb"
    document = {"blob": accepted.SerializeToString()}
    document |= executions.progress_fields(
        core.WorkflowExecution.SUCCEEDED, progress, "c2", EventPosition(0, 7), NOW
    )

    execution = executions.execution_of(document)

    assert execution.closure.phase == core.WorkflowExecution.SUCCEEDED
    assert execution.closure.created_at.seconds == 100
    assert execution.closure.started_at.seconds == 110
    assert execution.closure.outputs.uri == "s3://bucket/outputs.pb"
    assert execution.spec.metadata.system_metadata.execution_cluster == "c2"
    assert document[executions.PHASE] == "SUCCEEDED"
    assert document[executions.DURATION] == 5.0
    assert EventPosition.of(document) == EventPosition(0, 7)


def test_a_node_document_round_trips_and_is_top_level_without_parents():
    node = node_execution_pb2.NodeExecution(id=NODE_ID, input_uri="file:///in.pb")
    node.closure.phase = core.NodeExecution.RUNNING
    node.closure.created_at.FromSeconds(5)
    record = node_executions.NodeRecord(node, event_version=1)

    document = node_executions.node_document(record, EventPosition(1, 3), NOW)

    assert document["_id"] == "p/d/e1/n0"
    assert document[node_executions.TOP_LEVEL] is True
    assert document[node_executions.PHASE] == "RUNNING"
    assert node_executions.node_record_of(document) == record


def test_a_task_attempt_is_keyed_by_its_retry_attempt():
    task = task_execution_pb2.TaskExecution(id=TASK_EXECUTION_ID)
    task.closure.phase = core.TaskExecution.RUNNING
    record = task_executions.TaskRecord(task, phase_version=4)

    document = task_executions.task_document(record, EventPosition(0, 1), NOW)

    assert document["_id"].endswith("/p/d/t/v/2")
    assert document[task_executions.PHASE_VERSION] == 4
    assert task_executions.task_record_of(document) == record


def test_a_redelivered_position_counts_as_applied_only_on_the_same_partition():
    stored = EventPosition(0, 10)
    assert EventPosition(0, 10).already_applied(stored)
    assert EventPosition(0, 9).already_applied(stored)
    assert not EventPosition(0, 11).already_applied(stored)
    assert not EventPosition(1, 5).already_applied(stored)
    assert not EventPosition(0, 0).already_applied(None)
