from __future__ import annotations

import pytest
from flyteidl.core import identifier_pb2, literals_pb2
from google.protobuf.message import Message

from flightdeck_events.domain.requests import (
    execution_of_event,
    validate_node_event,
    validate_task_event,
    validate_workflow_event,
)
from flightdeck_platform import faults

LIMIT = 1_000


def _outputs() -> literals_pb2.LiteralMap:
    outputs = literals_pb2.LiteralMap()
    outputs.literals["o"].scalar.primitive.string_value = "x" * 500
    return outputs


def _without(request: Message, path: str) -> Message:
    *parents, field = path.split(".")
    message = request
    for name in parents:
        message = getattr(message, name)
    message.ClearField(field)
    return request


def test_complete_requests_pass(events) -> None:
    validate_workflow_event(events.workflow(0, 0), LIMIT)
    validate_node_event(events.node(0, 0), LIMIT)
    validate_task_event(events.task(0, 0), LIMIT)


@pytest.mark.parametrize("field", ["event", "event.execution_id", "event.occurred_at"])
def test_workflow_event_fields_are_required(events, field: str) -> None:
    with pytest.raises(faults.MissingField) as raised:
        validate_workflow_event(_without(events.workflow(0, 0), field), LIMIT)
    assert raised.value.field == field


@pytest.mark.parametrize(
    "field",
    ["event", "event.id", "event.id.execution_id", "event.id.node_id", "event.occurred_at"],
)
def test_node_events_must_name_their_execution_node_and_time(events, field: str) -> None:
    with pytest.raises(faults.MissingField) as raised:
        validate_node_event(_without(events.node(0, 0), field), LIMIT)
    assert raised.value.field == field


@pytest.mark.parametrize(
    "field",
    [
        "event",
        "event.occurred_at",
        "event.parent_node_execution_id",
        "event.parent_node_execution_id.execution_id",
        "event.parent_node_execution_id.node_id",
        "event.parent_node_execution_id.execution_id.project",
        "event.parent_node_execution_id.execution_id.domain",
        "event.parent_node_execution_id.execution_id.name",
        "event.task_id",
        "event.task_id.project",
        "event.task_id.domain",
        "event.task_id.name",
        "event.task_id.version",
    ],
)
def test_task_event_fields_are_required(events, field: str) -> None:
    with pytest.raises(faults.MissingField) as raised:
        validate_task_event(_without(events.task(0, 0), field), LIMIT)
    assert raised.value.field == field
    assert raised.value.message == f"missing {field}"


@pytest.mark.parametrize("kind", [identifier_pb2.WORKFLOW, identifier_pb2.UNSPECIFIED])
def test_task_events_name_a_task(events, kind: int) -> None:
    request = events.task(0, 0)
    request.event.task_id.resource_type = kind  # type: ignore[assignment]
    with pytest.raises(faults.InvalidField) as raised:
        validate_task_event(request, LIMIT)
    assert raised.value.field == "event.task_id.resource_type"
    assert "expected task" in raised.value.message


def test_inline_workflow_and_task_outputs_are_limited(events) -> None:
    workflow, task = events.workflow(0, 0), events.task(0, 0)
    workflow.event.output_data.CopyFrom(_outputs())
    task.event.output_data.CopyFrom(_outputs())
    size = _outputs().ByteSize()
    validate_workflow_event(workflow, size)
    validate_task_event(task, size)
    with pytest.raises(faults.ResourceExhausted, match=f"{size} bytes > {size - 1} bytes"):
        validate_workflow_event(workflow, size - 1)
    with pytest.raises(faults.ResourceExhausted):
        validate_task_event(task, size - 1)


def test_inline_node_outputs_are_not_limited_as_in_the_reference(events) -> None:
    request = events.node(0, 0)
    request.event.output_data.CopyFrom(_outputs())
    validate_node_event(request, 1)


def test_events_are_keyed_by_their_workflow_execution(events) -> None:
    assert execution_of_event(events.workflow(0, 0)) == events.EXECUTION
    assert execution_of_event(events.node(0, 0)) == events.EXECUTION
    assert execution_of_event(events.task(0, 0)) == events.EXECUTION
