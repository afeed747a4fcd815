from __future__ import annotations

import pytest
from flyteidl.admin import node_execution_pb2
from flyteidl.core import catalog_pb2, identifier_pb2, literals_pb2
from flyteidl.core import execution_pb2 as core_execution_pb2
from flyteidl.event import event_pb2
from google.protobuf.duration_pb2 import Duration

from flightdeck_events.domain.node_events import (
    NodeReferences,
    apply_node_event,
    node_references,
)
from flightdeck_platform import faults
from flightdeck_records.node_executions import DynamicWorkflowRef

Phase = core_execution_pb2.NodeExecution.Phase
CHILD = identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="d", name="child")


def _dynamic(name: str) -> DynamicWorkflowRef:
    workflow = identifier_pb2.Identifier(
        resource_type=identifier_pb2.WORKFLOW, project="p", domain="d", name=name, version="v"
    )
    return DynamicWorkflowRef(workflow_id=workflow, compiled_workflow_uri=f"s3://b/{name}")


def test_the_first_event_creates_the_node(events) -> None:
    record = apply_node_event(
        None,
        events.node(
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
    assert node.id == events.NODE
    assert node.input_uri == "s3://b/in"
    assert node.closure.phase == Phase.QUEUED
    assert node.closure.created_at == events.at(1)
    assert node.closure.updated_at == events.at(1)
    assert node.metadata == node_execution_pb2.NodeExecutionMetaData(
        retry_group="0", spec_node_id="n1-spec", is_parent_node=True, is_array=True
    )
    assert record.event_version == 2
    assert (record.parent_id, record.parent_task_execution_id) == ("", "")
    assert record.dynamic_workflow is None


def test_updated_at_prefers_the_reported_time(events) -> None:
    record = events.run_node(events.node(Phase.QUEUED, 1, reported_at=events.at(4)))
    assert record.node.closure.created_at == events.at(1)
    assert record.node.closure.updated_at == events.at(4)
    record = apply_node_event(record, events.node(Phase.RUNNING, 5, reported_at=events.at(9)))
    assert record.node.closure.updated_at == events.at(9)


def test_a_late_event_does_not_rewind_updated_at(events) -> None:
    record = events.run_node(events.node(Phase.RUNNING, 5), events.node(Phase.SUCCEEDED, 3))
    assert record.node.closure.phase == Phase.SUCCEEDED
    assert record.node.closure.updated_at == events.at(5)


def test_running_starts_and_a_terminal_phase_measures_the_duration(events) -> None:
    record = events.run_node(
        events.node(Phase.QUEUED, 0),
        events.node(Phase.RUNNING, 2, deck_uri="s3://b/deck-running"),
        events.node(Phase.SUCCEEDED, 7, output_uri="s3://b/out", deck_uri="s3://b/deck"),
    )
    closure = record.node.closure
    assert closure.started_at == events.at(2)
    assert closure.duration == Duration(seconds=5)
    assert closure.output_uri == "s3://b/out"
    assert closure.deck_uri == "s3://b/deck"


def test_running_records_the_deck(events) -> None:
    record = events.run_node(events.node(Phase.RUNNING, 2, deck_uri="s3://b/deck"))
    assert record.node.closure.deck_uri == "s3://b/deck"
    assert record.node.closure.started_at == events.at(2)


def test_started_at_is_written_once(events) -> None:
    record = events.run_node(
        events.node(Phase.RUNNING, 2), events.node(Phase.QUEUED, 3), events.node(Phase.RUNNING, 4)
    )
    assert record.node.closure.started_at == events.at(2)


def test_a_node_created_finished_has_its_result_but_no_duration(events) -> None:
    error = core_execution_pb2.ExecutionError(code="E", message="boom")
    record = events.run_node(events.node(Phase.FAILED, 3, error=error, deck_uri="s3://b/deck"))
    closure = record.node.closure
    assert closure.error == error
    assert closure.deck_uri == "s3://b/deck"
    assert not closure.HasField("duration")


def test_results_are_recorded_only_on_terminal_phases(events) -> None:
    record = events.run_node(events.node(Phase.RUNNING, 1, output_uri="s3://b/early"))
    assert record.node.closure.WhichOneof("output_result") is None
    data = literals_pb2.LiteralMap()
    data.literals["x"].scalar.primitive.integer = 1
    record = apply_node_event(record, events.node(Phase.SUCCEEDED, 2, output_data=data))
    assert record.node.closure.output_data == data


def test_inputs_are_set_once(events) -> None:
    record = events.run_node(
        events.node(Phase.QUEUED, 1), events.node(Phase.RUNNING, 2, input_uri="s3://b/in")
    )
    assert record.node.input_uri == "s3://b/in"
    record = apply_node_event(record, events.node(Phase.SUCCEEDED, 3, input_uri="s3://b/other"))
    assert record.node.input_uri == "s3://b/in"


def test_inline_inputs_must_be_offloaded_before(events) -> None:
    with pytest.raises(faults.Internal):
        events.run_node(events.node(Phase.QUEUED, 1, input_data=literals_pb2.LiteralMap()))


def test_the_parents_are_recorded_at_creation(events) -> None:
    parent_task = identifier_pb2.TaskExecutionIdentifier(
        task_id=events.TASK,
        node_execution_id=identifier_pb2.NodeExecutionIdentifier(
            execution_id=events.EXECUTION, node_id="dyn"
        ),
        retry_attempt=1,
    )
    request = events.node(
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


def test_the_child_execution_is_a_reference(events) -> None:
    request = events.node(
        Phase.RUNNING, 1, workflow_node_metadata=event_pb2.WorkflowNodeMetadata(execution_id=CHILD)
    )
    assert node_references(request) == NodeReferences("", "", CHILD)
    assert node_references(events.node(Phase.RUNNING, 1)) == NodeReferences("", "", None)


def test_the_child_execution_is_recorded_by_updates_only_and_once(events) -> None:
    launched = event_pb2.WorkflowNodeMetadata(execution_id=CHILD)
    record = events.run_node(events.node(Phase.RUNNING, 1, workflow_node_metadata=launched))
    assert record.node.closure.WhichOneof("target_metadata") is None
    record = apply_node_event(
        record, events.node(Phase.FAILING, 2, workflow_node_metadata=launched)
    )
    assert record.node.closure.workflow_node_metadata.executionId == CHILD
    other = event_pb2.WorkflowNodeMetadata(execution_id=events.EXECUTION)
    record = apply_node_event(record, events.node(Phase.FAILED, 3, workflow_node_metadata=other))
    assert record.node.closure.workflow_node_metadata.executionId == CHILD


def test_creation_keeps_the_cache_outcome_only_with_its_catalog_key(events) -> None:
    plain = event_pb2.TaskNodeMetadata(
        cache_status=catalog_pb2.CACHE_MISS, checkpoint_uri="s3://b/ckpt"
    )
    record = events.run_node(events.node(Phase.QUEUED, 1, task_node_metadata=plain))
    assert record.node.closure.task_node_metadata == node_execution_pb2.TaskNodeMetadata(
        checkpoint_uri="s3://b/ckpt"
    )
    key = catalog_pb2.CatalogMetadata(dataset_id=events.TASK)
    keyed = event_pb2.TaskNodeMetadata(cache_status=catalog_pb2.CACHE_HIT, catalog_key=key)
    record = events.run_node(events.node(Phase.QUEUED, 1, task_node_metadata=keyed))
    assert record.node.closure.task_node_metadata == node_execution_pb2.TaskNodeMetadata(
        cache_status=catalog_pb2.CACHE_HIT, catalog_key=key
    )


def test_updates_replace_the_task_node_metadata(events) -> None:
    first = event_pb2.TaskNodeMetadata(
        cache_status=catalog_pb2.CACHE_MISS,
        catalog_key=catalog_pb2.CatalogMetadata(dataset_id=events.TASK),
        checkpoint_uri="s3://b/ckpt",
    )
    later = event_pb2.TaskNodeMetadata(cache_status=catalog_pb2.CACHE_POPULATED)
    record = events.run_node(
        events.node(Phase.RUNNING, 1, task_node_metadata=first),
        events.node(Phase.SUCCEEDED, 2, task_node_metadata=later),
    )
    assert record.node.closure.task_node_metadata == node_execution_pb2.TaskNodeMetadata(
        cache_status=catalog_pb2.CACHE_POPULATED
    )


def test_the_dynamic_workflow_is_kept_once_set(events) -> None:
    dynamic = event_pb2.TaskNodeMetadata(
        dynamic_workflow=event_pb2.DynamicWorkflowNodeMetadata(
            dynamic_job_spec_uri="s3://b/futures.pb"
        )
    )
    record = apply_node_event(
        None, events.node(Phase.QUEUED, 1, task_node_metadata=dynamic), _dynamic("a")
    )
    assert record.dynamic_workflow == _dynamic("a")
    assert record.dynamic_job_spec_uri == ""
    assert record.node.closure.dynamic_job_spec_uri == ""
    record = apply_node_event(record, events.node(Phase.RUNNING, 2))
    assert record.dynamic_workflow == _dynamic("a")
    record = apply_node_event(
        record, events.node(Phase.DYNAMIC_RUNNING, 3, task_node_metadata=dynamic), _dynamic("b")
    )
    assert record.dynamic_workflow == _dynamic("b")
    assert record.dynamic_job_spec_uri == "s3://b/futures.pb"
    assert record.node.closure.dynamic_job_spec_uri == "s3://b/futures.pb"
    record = apply_node_event(record, events.node(Phase.SUCCEEDED, 4))
    assert record.dynamic_workflow == _dynamic("b")
    assert record.dynamic_job_spec_uri == "s3://b/futures.pb"


def test_flags_are_only_ever_set(events) -> None:
    record = events.run_node(
        events.node(Phase.QUEUED, 1, is_dynamic=True),
        events.node(Phase.RUNNING, 2, is_parent=True),
        events.node(Phase.DYNAMIC_RUNNING, 3, is_array=True),
        events.node(Phase.SUCCEEDED, 4),
    )
    metadata = record.node.metadata
    assert (metadata.is_parent_node, metadata.is_dynamic, metadata.is_array) == (True, True, True)


def test_updates_keep_the_creation_metadata_and_parents(events) -> None:
    record = events.run_node(
        events.node(
            Phase.QUEUED,
            1,
            retry_group="2",
            parent_node_metadata=event_pb2.ParentNodeExecutionMetadata(node_id="up"),
            event_version=1,
        ),
        events.node(Phase.RUNNING, 2, retry_group="3", event_version=3),
    )
    assert record.node.metadata.retry_group == "2"
    assert record.parent_id == "up"
    assert record.event_version == 1


def test_a_node_may_go_back_to_queued(events) -> None:
    record = events.run_node(events.node(Phase.RUNNING, 1), events.node(Phase.QUEUED, 2))
    assert record.node.closure.phase == Phase.QUEUED


def test_applying_leaves_the_stored_record_untouched(events) -> None:
    stored = events.run_node(events.node(Phase.RUNNING, 1))
    before = node_execution_pb2.NodeExecution()
    before.CopyFrom(stored.node)
    apply_node_event(
        stored, events.node(Phase.SUCCEEDED, 2, output_uri="s3://b/out", is_parent=True)
    )
    assert stored.node == before


def test_a_duplicate_names_the_phase_and_node(events) -> None:
    with pytest.raises(faults.AlreadyExists, match=r"RUNNING.*p/d/n/n1"):
        events.run_node(events.node(Phase.RUNNING, 1), events.node(Phase.RUNNING, 2))
