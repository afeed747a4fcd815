from __future__ import annotations

import pytest
from flyteidl.admin import event_pb2 as admin_event_pb2
from flyteidl.admin import node_execution_pb2
from flyteidl.core import catalog_pb2, identifier_pb2, literals_pb2
from flyteidl.core import execution_pb2 as core_execution_pb2
from flyteidl.event import event_pb2
from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from flightdeck_events.domain.node_events import (
    NodeReferences,
    apply_node_event,
    node_references,
)
from flightdeck_platform import faults
from flightdeck_records.node_executions import DynamicWorkflowRef, NodeRecord

Phase = core_execution_pb2.NodeExecution.Phase
EXECUTION = identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="d", name="n")
CHILD = identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="d", name="child")
NODE = identifier_pb2.NodeExecutionIdentifier(execution_id=EXECUTION, node_id="n1")
TASK = identifier_pb2.Identifier(
    resource_type=identifier_pb2.TASK, project="p", domain="d", name="t", version="v"
)
T0 = 1_700_000_000


def _at(seconds: int) -> Timestamp:
    return Timestamp(seconds=T0 + seconds)


def _event(phase: int, at: int, **fields: object) -> admin_event_pb2.NodeExecutionEventRequest:
    return admin_event_pb2.NodeExecutionEventRequest(
        event=event_pb2.NodeExecutionEvent(
            id=NODE,
            phase=phase,  # type: ignore[arg-type]
            occurred_at=_at(at),
            **fields,  # type: ignore[arg-type]
        )
    )


def _run(*events: admin_event_pb2.NodeExecutionEventRequest) -> NodeRecord:
    record = None
    for event in events:
        record = apply_node_event(record, event)
    assert record is not None
    return record


def _dynamic(name: str) -> DynamicWorkflowRef:
    workflow = identifier_pb2.Identifier(
        resource_type=identifier_pb2.WORKFLOW, project="p", domain="d", name=name, version="v"
    )
    return DynamicWorkflowRef(workflow_id=workflow, compiled_workflow_uri=f"s3://b/{name}")


def test_the_first_event_creates_the_node() -> None:
    record = apply_node_event(
        None,
        _event(
            Phase.QUEUED,
            1,
            input_uri="s3://b/in",
            retry_group="0",
            spec_node_id="n1-spec",
            is_parent=True,
            is_array=True,
            event_version=2,
        ),
    )
    node = record.node
    assert node.id == NODE
    assert node.input_uri == "s3://b/in"
    assert node.closure.phase == Phase.QUEUED
    assert node.closure.created_at == _at(1)
    assert node.closure.updated_at == _at(1)
    assert node.metadata == node_execution_pb2.NodeExecutionMetaData(
        retry_group="0", spec_node_id="n1-spec", is_parent_node=True, is_array=True
    )
    assert record.event_version == 2
    assert (record.parent_id, record.parent_task_execution_id) == ("", "")
    assert record.dynamic_workflow is None


def test_updated_at_prefers_the_reported_time() -> None:
    record = _run(_event(Phase.QUEUED, 1, reported_at=_at(4)))
    assert record.node.closure.created_at == _at(1)
    assert record.node.closure.updated_at == _at(4)
    record = apply_node_event(record, _event(Phase.RUNNING, 5, reported_at=_at(9)))
    assert record.node.closure.updated_at == _at(9)


def test_a_late_event_does_not_rewind_updated_at() -> None:
    record = _run(_event(Phase.RUNNING, 5), _event(Phase.SUCCEEDED, 3))
    assert record.node.closure.phase == Phase.SUCCEEDED
    assert record.node.closure.updated_at == _at(5)


def test_running_starts_and_a_terminal_phase_measures_the_duration() -> None:
    record = _run(
        _event(Phase.QUEUED, 0),
        _event(Phase.RUNNING, 2, deck_uri="s3://b/deck-running"),
        _event(Phase.SUCCEEDED, 7, output_uri="s3://b/out", deck_uri="s3://b/deck"),
    )
    closure = record.node.closure
    assert closure.started_at == _at(2)
    assert closure.duration == Duration(seconds=5)
    assert closure.output_uri == "s3://b/out"
    assert closure.deck_uri == "s3://b/deck"


def test_running_records_the_deck() -> None:
    record = _run(_event(Phase.RUNNING, 2, deck_uri="s3://b/deck"))
    assert record.node.closure.deck_uri == "s3://b/deck"
    assert record.node.closure.started_at == _at(2)


def test_started_at_is_written_once() -> None:
    record = _run(_event(Phase.RUNNING, 2), _event(Phase.QUEUED, 3), _event(Phase.RUNNING, 4))
    assert record.node.closure.started_at == _at(2)


def test_a_node_created_finished_has_its_result_but_no_duration() -> None:
    error = core_execution_pb2.ExecutionError(code="E", message="boom")
    record = _run(_event(Phase.FAILED, 3, error=error, deck_uri="s3://b/deck"))
    closure = record.node.closure
    assert closure.error == error
    assert closure.deck_uri == "s3://b/deck"
    assert not closure.HasField("duration")


def test_results_are_recorded_only_on_terminal_phases() -> None:
    record = _run(_event(Phase.RUNNING, 1, output_uri="s3://b/early"))
    assert record.node.closure.WhichOneof("output_result") is None
    data = literals_pb2.LiteralMap()
    data.literals["x"].scalar.primitive.integer = 1
    record = apply_node_event(record, _event(Phase.SUCCEEDED, 2, output_data=data))
    assert record.node.closure.output_data == data


def test_inputs_are_set_once() -> None:
    record = _run(_event(Phase.QUEUED, 1), _event(Phase.RUNNING, 2, input_uri="s3://b/in"))
    assert record.node.input_uri == "s3://b/in"
    record = apply_node_event(record, _event(Phase.SUCCEEDED, 3, input_uri="s3://b/other"))
    assert record.node.input_uri == "s3://b/in"


def test_inline_inputs_must_be_offloaded_before() -> None:
    with pytest.raises(faults.Internal):
        _run(_event(Phase.QUEUED, 1, input_data=literals_pb2.LiteralMap()))


def test_the_parents_are_recorded_at_creation() -> None:
    parent_task = identifier_pb2.TaskExecutionIdentifier(
        task_id=TASK,
        node_execution_id=identifier_pb2.NodeExecutionIdentifier(
            execution_id=EXECUTION, node_id="dyn"
        ),
        retry_attempt=1,
    )
    request = _event(
        Phase.QUEUED,
        1,
        parent_task_metadata=event_pb2.ParentTaskExecutionMetadata(id=parent_task),
        parent_node_metadata=event_pb2.ParentNodeExecutionMetadata(node_id="dyn"),
    )
    record = apply_node_event(None, request)
    assert record.parent_task_execution_id == "p/d/n/dyn/p/d/t/v/1"
    assert record.parent_id == "dyn"
    assert node_references(request) == NodeReferences(
        parent_task_key="p/d/n/dyn/p/d/t/v/1", parent_node_id="dyn", child_execution=None
    )


def test_the_child_execution_is_a_reference() -> None:
    request = _event(
        Phase.RUNNING, 1, workflow_node_metadata=event_pb2.WorkflowNodeMetadata(execution_id=CHILD)
    )
    assert node_references(request) == NodeReferences("", "", CHILD)
    assert node_references(_event(Phase.RUNNING, 1)) == NodeReferences("", "", None)


def test_the_child_execution_is_recorded_by_updates_only_and_once() -> None:
    launched = event_pb2.WorkflowNodeMetadata(execution_id=CHILD)
    record = _run(_event(Phase.RUNNING, 1, workflow_node_metadata=launched))
    assert record.node.closure.WhichOneof("target_metadata") is None
    record = apply_node_event(record, _event(Phase.FAILING, 2, workflow_node_metadata=launched))
    assert record.node.closure.workflow_node_metadata.executionId == CHILD
    other = event_pb2.WorkflowNodeMetadata(execution_id=EXECUTION)
    record = apply_node_event(record, _event(Phase.FAILED, 3, workflow_node_metadata=other))
    assert record.node.closure.workflow_node_metadata.executionId == CHILD


def test_creation_keeps_the_cache_outcome_only_with_its_catalog_key() -> None:
    plain = event_pb2.TaskNodeMetadata(
        cache_status=catalog_pb2.CACHE_MISS, checkpoint_uri="s3://b/ckpt"
    )
    record = _run(_event(Phase.QUEUED, 1, task_node_metadata=plain))
    assert record.node.closure.task_node_metadata == node_execution_pb2.TaskNodeMetadata(
        checkpoint_uri="s3://b/ckpt"
    )
    key = catalog_pb2.CatalogMetadata(dataset_id=TASK)
    keyed = event_pb2.TaskNodeMetadata(cache_status=catalog_pb2.CACHE_HIT, catalog_key=key)
    record = _run(_event(Phase.QUEUED, 1, task_node_metadata=keyed))
    assert record.node.closure.task_node_metadata == node_execution_pb2.TaskNodeMetadata(
        cache_status=catalog_pb2.CACHE_HIT, catalog_key=key
    )


def test_updates_replace_the_task_node_metadata() -> None:
    first = event_pb2.TaskNodeMetadata(
        cache_status=catalog_pb2.CACHE_MISS,
        catalog_key=catalog_pb2.CatalogMetadata(dataset_id=TASK),
        checkpoint_uri="s3://b/ckpt",
    )
    later = event_pb2.TaskNodeMetadata(cache_status=catalog_pb2.CACHE_POPULATED)
    record = _run(
        _event(Phase.RUNNING, 1, task_node_metadata=first),
        _event(Phase.SUCCEEDED, 2, task_node_metadata=later),
    )
    assert record.node.closure.task_node_metadata == node_execution_pb2.TaskNodeMetadata(
        cache_status=catalog_pb2.CACHE_POPULATED
    )


def test_the_dynamic_workflow_is_kept_once_set() -> None:
    dynamic = event_pb2.TaskNodeMetadata(
        dynamic_workflow=event_pb2.DynamicWorkflowNodeMetadata(
            dynamic_job_spec_uri="s3://b/futures.pb"
        )
    )
    record = apply_node_event(
        None, _event(Phase.QUEUED, 1, task_node_metadata=dynamic), _dynamic("a")
    )
    assert record.dynamic_workflow == _dynamic("a")
    assert record.dynamic_job_spec_uri == ""
    assert record.node.closure.dynamic_job_spec_uri == ""
    record = apply_node_event(record, _event(Phase.RUNNING, 2))
    assert record.dynamic_workflow == _dynamic("a")
    record = apply_node_event(
        record, _event(Phase.DYNAMIC_RUNNING, 3, task_node_metadata=dynamic), _dynamic("b")
    )
    assert record.dynamic_workflow == _dynamic("b")
    assert record.dynamic_job_spec_uri == "s3://b/futures.pb"
    assert record.node.closure.dynamic_job_spec_uri == "s3://b/futures.pb"
    record = apply_node_event(record, _event(Phase.SUCCEEDED, 4))
    assert record.dynamic_workflow == _dynamic("b")
    assert record.dynamic_job_spec_uri == "s3://b/futures.pb"


def test_flags_are_only_ever_set() -> None:
    record = _run(
        _event(Phase.QUEUED, 1, is_dynamic=True),
        _event(Phase.RUNNING, 2, is_parent=True),
        _event(Phase.DYNAMIC_RUNNING, 3, is_array=True),
        _event(Phase.SUCCEEDED, 4),
    )
    metadata = record.node.metadata
    assert (metadata.is_parent_node, metadata.is_dynamic, metadata.is_array) == (True, True, True)


def test_updates_keep_the_creation_metadata_and_parents() -> None:
    record = _run(
        _event(
            Phase.QUEUED,
            1,
            retry_group="2",
            parent_node_metadata=event_pb2.ParentNodeExecutionMetadata(node_id="up"),
            event_version=1,
        ),
        _event(Phase.RUNNING, 2, retry_group="3", event_version=3),
    )
    assert record.node.metadata.retry_group == "2"
    assert record.parent_id == "up"
    assert record.event_version == 1


def test_a_node_may_go_back_to_queued() -> None:
    record = _run(_event(Phase.RUNNING, 1), _event(Phase.QUEUED, 2))
    assert record.node.closure.phase == Phase.QUEUED


def test_applying_leaves_the_stored_record_untouched() -> None:
    stored = _run(_event(Phase.RUNNING, 1))
    before = node_execution_pb2.NodeExecution()
    before.CopyFrom(stored.node)
    apply_node_event(stored, _event(Phase.SUCCEEDED, 2, output_uri="s3://b/out", is_parent=True))
    assert stored.node == before


def test_a_duplicate_names_the_phase_and_node() -> None:
    with pytest.raises(faults.AlreadyExists, match=r"RUNNING.*p/d/n/n1"):
        _run(_event(Phase.RUNNING, 1), _event(Phase.RUNNING, 2))
