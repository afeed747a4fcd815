import json

import pytest
from flyteidl.admin import common_pb2, project_pb2

from flightdeck_platform.rest.codec import BINARY, JSON, BodyError, negotiate


@pytest.mark.parametrize(
    ("content_type", "accept", "inbound", "outbound"),
    [
        (None, None, JSON, JSON),
        ("application/json; charset=utf-8", "*/*", JSON, JSON),
        ("application/octet-stream", "application/octet-stream", BINARY, BINARY),
        ("application/x-protobuf", None, BINARY, BINARY),
        ("application/octet-stream", "application/json", BINARY, JSON),
        (None, "application/json, application/octet-stream;q=0.9", JSON, BINARY),
        (None, "application/json, text/plain, */*", JSON, JSON),
    ],
)
def test_negotiation(content_type: str, accept: str, inbound: object, outbound: object) -> None:
    assert negotiate(content_type, accept) == (inbound, outbound)


def test_json_uses_json_names_and_emits_unpopulated_fields() -> None:
    rendered = json.loads(JSON.encode(common_pb2.ResourceListRequest(limit=3)))
    assert rendered["limit"] == 3
    assert rendered["token"] == "" and rendered["filters"] == ""
    assert rendered["sortBy"] is None  # unset messages are null, as Go's EmitUnpopulated writes
    assert "sort_by" not in rendered


def test_json_enums_are_names_and_int64_strings() -> None:
    from flyteidl.admin import execution_pb2

    execution = execution_pb2.Execution()
    execution.spec.metadata.system_metadata.execution_cluster = "c"
    execution.closure.computed_inputs.literals["a"].scalar.primitive.integer = 7
    rendered = json.loads(JSON.encode(execution))
    system = rendered["spec"]["metadata"]["systemMetadata"]
    assert system == {"executionCluster": "c", "namespace": ""}
    assert rendered["spec"]["metadata"]["mode"] == "MANUAL"
    assert rendered["spec"]["launchPlan"] is None and rendered["spec"]["labels"] is None
    assert rendered["closure"]["phase"] == "UNDEFINED"
    literal = rendered["closure"]["computedInputs"]["literals"]["a"]
    assert literal["scalar"]["primitive"]["integer"] == "7"
    assert literal["metadata"] == {} and literal["hash"] == ""
    assert literal["scalar"]["primitive"] == {"integer": "7"}  # oneof members stay out


def test_json_decode_accepts_both_name_styles_and_rejects_unknown_fields() -> None:
    message = common_pb2.ResourceListRequest()
    JSON.decode(b'{"sort_by": {"key": "k"}, "limit": 2, "id": {"project": "p"}}', message, None)
    JSON.decode(b'{"sortBy": {"direction": "ASCENDING"}}', message, None)
    assert message.sort_by.key == "k" and message.sort_by.direction == common_pb2.Sort.ASCENDING
    for bad in (b'{"nope": 1}', b"{", b"[1]", b"[]", b"\xff"):
        with pytest.raises(BodyError):
            JSON.decode(bad, common_pb2.ResourceListRequest(), None)


def test_body_field_decodes_into_that_field() -> None:
    field = project_pb2.ProjectRegisterRequest.DESCRIPTOR.fields_by_name["project"]
    message = project_pb2.ProjectRegisterRequest()
    JSON.decode(b'{"id": "p1"}', message, field)
    BINARY.decode(project_pb2.Project(name="n").SerializeToString(), message, field)
    assert message.project.id == "p1" and message.project.name == "n"
    assert json.loads(JSON.encode(message, field))["id"] == "p1"


def test_binary_round_trip_and_garbage() -> None:
    message = common_pb2.ResourceListRequest(limit=5, filters="eq(project,x)")
    decoded = common_pb2.ResourceListRequest()
    BINARY.decode(BINARY.encode(message), decoded, None)
    assert decoded == message
    with pytest.raises(BodyError):
        BINARY.decode(b"\xff\xff\xff", common_pb2.ResourceListRequest(), None)


def test_unset_messages_are_null_at_every_depth_but_oneofs_stay_out() -> None:
    from flyteidl.admin import task_pb2
    from flyteidl.core import compiler_pb2, identifier_pb2, tasks_pb2

    task = task_pb2.Task(
        id=identifier_pb2.Identifier(name="t"),
        closure=task_pb2.TaskClosure(compiled_task=compiler_pb2.CompiledTask()),
    )
    rendered = json.loads(JSON.encode(task))
    assert rendered["closure"]["createdAt"] is None
    assert rendered["closure"]["compiledTask"]["template"] is None
    assert rendered["shortDescription"] == ""
    template = json.loads(JSON.encode(tasks_pb2.TaskTemplate()))
    assert "container" not in template and "k8sPod" not in template  # the target oneof
    assert template["interface"] is None
