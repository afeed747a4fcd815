"""Error answers: routing failures, refused requests, and statuses coming back from the RPC."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx
import pytest
from flyteidl.admin import event_pb2
from google.rpc import status_pb2

from flightdeck_platform.rest import RestGateway

if TYPE_CHECKING:
    from conftest import Stack

pytestmark = pytest.mark.asyncio

BINARY = "application/octet-stream"


async def test_unknown_path_is_404_not_found(stack: Stack) -> None:
    response = await stack.client.get("/api/v1/nothing/here")
    assert response.status_code == 404
    assert response.json() == {"code": 5, "message": "Not Found", "details": []}


async def test_known_path_with_wrong_verb_is_405_unimplemented(stack: Stack) -> None:
    response = await stack.client.delete("/api/v1/tasks")
    assert response.status_code == 405
    assert response.json() == {"code": 12, "message": "Method Not Allowed", "details": []}


async def test_rpc_status_with_details_renders_typed_any(stack: Stack) -> None:
    response = await stack.client.post("/api/v1/events/workflows", json={})
    assert response.status_code == 400  # FAILED_PRECONDITION, as grpc-gateway maps it
    body = response.json()
    assert (body["code"], body["message"]) == (9, "execution already ended")
    assert body["details"] == [
        {
            "@type": "type.googleapis.com/flyteidl.admin.EventFailureReason",
            "alreadyInTerminalState": {"currentPhase": "SUCCEEDED"},
        }
    ]


async def test_rpc_status_in_binary_when_binary_was_asked_for(stack: Stack) -> None:
    response = await stack.client.post(
        "/api/v1/events/workflows", content=b"", headers={"accept": BINARY}
    )
    assert response.status_code == 400 and response.headers["content-type"] == BINARY
    status = status_pb2.Status.FromString(response.content)
    reason = event_pb2.EventFailureReason()
    assert status.code == 9 and status.details[0].Unpack(reason)
    assert reason.already_in_terminal_state.current_phase == "SUCCEEDED"


async def test_not_found_from_the_rpc_keeps_message_and_trailers(stack: Stack) -> None:
    response = await stack.client.get("/api/v1/executions/p/d/n")
    assert response.status_code == 404
    assert response.json() == {
        "code": 5,
        "message": "execution p/d/n does not exist",
        "details": [],
    }
    assert response.headers["grpc-metadata-x-reason"] == "no-such-row"


async def test_unknown_query_param_is_400_naming_it(stack: Stack) -> None:
    response = await stack.client.get("/api/v1/tasks/p/d", params={"limit": "1", "bogus": "x"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 3 and "'bogus'" in body["message"]


async def test_unknown_query_param_can_be_ignored_like_grpc_gateway(
    stack: Stack, client_for: Callable[[RestGateway], httpx.AsyncClient]
) -> None:
    gateway = RestGateway(stack.routes, stack.channel, reject_unknown_query=False)
    async with client_for(gateway) as client:
        response = await client.get("/api/v1/tasks/p/d", params={"limit": "1", "bogus": "x"})
    assert response.status_code == 200
    assert stack.recorder.requests["ListTasks"].limit == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("path", "params", "named"),
    [
        ("/api/v1/tasks/p/d", {"limit": "ten"}, "'limit'"),
        ("/api/v1/tasks/p/d", {"sort_by.direction": "SIDEWAYS"}, "'sort_by.direction'"),
        ("/api/v1/tasks/p/d", {"limit.x": "1"}, "'limit.x'"),
        ("/api/v1/named_entities/99/p/d/n", {}, "'resource_type'"),
    ],
)
async def test_bad_parameter_values_are_400_naming_the_parameter(
    stack: Stack, path: str, params: dict[str, str], named: str
) -> None:
    response = await stack.client.get(path, params=params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 3 and named in body["message"]


@pytest.mark.parametrize("content", [b'{"id": ', b'{"no_such_field": 1}', b"[]"])
async def test_malformed_json_body_is_400(stack: Stack, content: bytes) -> None:
    headers = {"content-type": "application/json"}
    response = await stack.client.post("/api/v1/tasks", content=content, headers=headers)
    assert response.status_code == 400
    assert response.json()["code"] == 3
    assert "CreateTask" not in stack.recorder.requests


async def test_malformed_binary_body_is_400(stack: Stack) -> None:
    headers = {"content-type": BINARY}
    response = await stack.client.post("/api/v1/tasks", content=b"\xff\xff", headers=headers)
    assert response.status_code == 400


async def test_grpc_timeout_header_sets_the_deadline(stack: Stack) -> None:
    response = await stack.client.get("/echo/slow", headers={"grpc-timeout": "50m"})
    assert response.status_code == 504 and response.json()["code"] == 4
    response = await stack.client.get("/echo/slow", headers={"grpc-timeout": "soon"})
    assert response.status_code == 400


async def test_unexpected_failure_is_500_without_a_traceback(stack: Stack) -> None:
    # A repeated field cannot be sent alone as binary protobuf: the gateway fails internally.
    response = await stack.client.get("/echo/x/queries", headers={"accept": BINARY})
    assert response.status_code == 500
    assert response.json() == {
        "code": 13,
        "message": "internal error in the REST gateway",
        "details": [],
    }
