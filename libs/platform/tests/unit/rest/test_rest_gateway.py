"""The gateway end to end over a real gRPC server: requests built from path, query and body,
responses in JSON or binary protobuf, metadata forwarded both ways."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

import pytest
from flyteidl.admin import common_pb2, project_pb2, task_pb2
from flyteidl.core import identifier_pb2

if TYPE_CHECKING:
    from conftest import Stack

pytestmark = pytest.mark.asyncio

BINARY = "application/octet-stream"


async def test_nested_path_params_are_percent_decoded(stack: Stack) -> None:
    response = await stack.client.get("/api/v1/tasks/flyte%20snacks/development/wf.t%2F1/v%3A1")
    assert response.status_code == 200
    seen = stack.recorder.requests["GetTask"]
    assert seen.id == identifier_pb2.Identifier(  # type: ignore[attr-defined]
        project="flyte snacks", domain="development", name="wf.t/1", version="v:1"
    )
    assert response.json()["id"]["name"] == "wf.t/1"


async def test_json_uses_json_names_and_emits_unpopulated_fields(stack: Stack) -> None:
    response = await stack.client.get("/api/v1/tasks/p/d/n/v")
    body = response.json()
    assert response.headers["content-type"] == "application/json"
    assert body["shortDescription"] == "" and "short_description" not in body
    assert body["id"]["resourceType"] == "UNSPECIFIED" and body["id"]["org"] == ""


async def test_initial_metadata_comes_back_as_grpc_metadata_headers(stack: Stack) -> None:
    response = await stack.client.get("/api/v1/tasks/p/d/n/v")
    assert response.headers["grpc-metadata-x-served-by"] == "test-admin"


@pytest.mark.parametrize("direction", ["ASCENDING", "1"])
async def test_query_params_set_nested_fields_and_enums(stack: Stack, direction: str) -> None:
    query = {
        "limit": "10",
        "token": "abc",
        "filters": "eq(project,x)+value_in(phase,A;B)",
        "sort_by.key": "created_at",
        "sort_by.direction": direction,
    }
    response = await stack.client.get("/api/v1/tasks/p/d", params=query)
    assert response.status_code == 200
    assert response.json()["token"] == "next-page"
    seen = stack.recorder.requests["ListTasks"]
    assert seen == common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project="p", domain="d"),
        limit=10,
        token="abc",
        filters="eq(project,x)+value_in(phase,A;B)",
        sort_by=common_pb2.Sort(key="created_at", direction=common_pb2.Sort.ASCENDING),
    )


async def test_query_cannot_override_fields_bound_by_the_path(stack: Stack) -> None:
    await stack.client.get("/api/v1/tasks/p/d", params={"id.project": "other", "id.name": "n"})
    seen = stack.recorder.requests["ListTasks"]
    assert (seen.id.project, seen.id.name) == ("p", "n")  # type: ignore[attr-defined]


async def test_repeated_and_well_known_query_params(stack: Stack) -> None:
    meta = base64.urlsafe_b64encode(b"\xfb\xefmeta").decode().rstrip("=")
    query = [
        ("queries", "up"),
        ("queries", "down"),
        ("start_time", "2024-05-01T00:00:00Z"),
        ("step", "1.5s"),
        ("resource_meta", meta),
        ("task_category.version", "2"),
    ]
    response = await stack.client.get("/echo/spark", params=query)
    body = response.json()
    assert body["taskType"] == "spark" and body["queries"] == ["up", "down"]
    assert body["startTime"] == "2024-05-01T00:00:00Z" and body["step"] == "1.500s"
    assert base64.b64decode(body["resourceMeta"]) == b"\xfb\xefmeta"
    assert body["taskCategory"] == {"name": "", "version": 2}


async def test_create_task_reads_the_whole_body_in_either_name_style(stack: Stack) -> None:
    body = {
        "id": {"resourceType": "TASK", "project": "p", "domain": "d", "name": "t", "version": "1"},
        "spec": {"template": {"type": "python-task", "metadata": {"discoverable": True}}},
    }
    response = await stack.client.post("/api/v1/tasks", json=body)
    assert response.status_code == 200 and response.json() == {}
    seen = stack.recorder.requests["CreateTask"]
    assert seen.id.resource_type == identifier_pb2.TASK  # type: ignore[attr-defined]
    assert seen.spec.template.metadata.discoverable  # type: ignore[attr-defined]


async def test_put_takes_the_body_then_the_path_variable(stack: Stack) -> None:
    body = {"id": "from-body", "name": "Flyte Snacks", "state": "ARCHIVED"}
    response = await stack.client.put("/api/v1/projects/flytesnacks", json=body)
    assert response.status_code == 200
    assert stack.recorder.requests["UpdateProject"] == project_pb2.Project(
        id="flytesnacks", name="Flyte Snacks", state=project_pb2.Project.ARCHIVED
    )


async def test_enum_path_param_given_by_number(stack: Stack) -> None:
    response = await stack.client.get("/api/v1/named_entities/1/p/d/wf")
    assert response.json()["resourceType"] == "TASK"
    seen = stack.recorder.requests["GetNamedEntity"]
    assert seen.resource_type == identifier_pb2.TASK  # type: ignore[attr-defined]


async def test_binary_protobuf_in_and_out(stack: Stack) -> None:
    request = task_pb2.TaskCreateRequest(id=identifier_pb2.Identifier(name="bin"))
    headers = {"content-type": BINARY, "accept": BINARY}
    response = await stack.client.post(
        "/api/v1/tasks", content=request.SerializeToString(), headers=headers
    )
    assert response.headers["content-type"] == BINARY
    assert task_pb2.TaskCreateResponse.FromString(response.content) == task_pb2.TaskCreateResponse()
    assert stack.recorder.requests["CreateTask"] == request


async def test_binary_accept_gives_binary_response_to_a_get(stack: Stack) -> None:
    response = await stack.client.get("/api/v1/tasks/p/d/n/v", headers={"accept": BINARY})
    assert response.headers["content-type"] == BINARY
    assert task_pb2.Task.FromString(response.content).id.version == "v"


async def test_literal_route_beats_a_variable_route(stack: Stack) -> None:
    body = {"id": {"project": "p", "domain": "d", "name": "run1"}, "name": "run2"}
    response = await stack.client.post("/api/v1/executions/relaunch", json=body)
    assert response.json()["id"]["name"] == "run1-again"
    assert "Echo" not in stack.recorder.requests
    await stack.client.post("/api/v1/executions/anything")
    assert stack.recorder.requests["Echo"].task_type == "anything"  # type: ignore[attr-defined]


async def test_body_field_and_response_body_field(stack: Stack) -> None:
    response = await stack.client.post("/echo/spark/category", json={"name": "gpu", "version": 3})
    assert response.json() == {"name": "gpu", "version": 3}
    seen = stack.recorder.requests["Echo"]
    assert seen.task_type == "spark" and seen.task_category.name == "gpu"  # type: ignore[attr-defined]


async def test_response_body_may_be_a_repeated_field(stack: Stack) -> None:
    response = await stack.client.get("/echo/x/queries", params=[("queries", "a")])
    assert response.json() == ["a"]


async def test_double_star_variable_with_custom_verb(stack: Stack) -> None:
    response = await stack.client.get("/echo/types/a/b%2Fc:peek")
    assert response.json()["taskType"] == "types/a/b%2Fc"


async def test_selected_headers_are_forwarded_as_metadata(stack: Stack) -> None:
    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    headers = {
        "traceparent": traceparent,
        "flyte-authorization": "Bearer abc",
        "Grpc-Metadata-X-Tenant": "acme",
        "grpc-metadata-trace-bin": base64.b64encode(b"\x00\x01").decode(),
        "grpc-metadata-connection": "close",
        "x-unrelated": "dropped",
        "x-forwarded-for": "10.0.0.1",
    }
    await stack.client.get("/api/v1/tasks/p/d/n/v", headers=headers)
    seen = stack.recorder.metadata["GetTask"]
    # The call continues the caller's trace (its client span may stand between them).
    assert seen["traceparent"].split("-")[1] == traceparent.split("-")[1]
    assert seen["flyte-authorization"] == "Bearer abc"
    assert seen["x-tenant"] == "acme" and seen["trace-bin"] == b"\x00\x01"
    assert "x-unrelated" not in seen and "connection" not in seen
    assert seen["x-forwarded-for"] == "10.0.0.1, 127.0.0.1"
    assert seen["x-forwarded-host"] == "flightdeck.test"
