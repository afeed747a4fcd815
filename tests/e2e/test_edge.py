"""Every service through the single edge endpoint, with real flyteidl stubs and plain HTTP."""

from __future__ import annotations

import grpc
import httpx
import pytest
from flyteidl.admin import version_pb2
from flyteidl.service import admin_pb2_grpc, identity_pb2, identity_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


async def test_get_version_answers_through_the_edge(edge_grpc_target: str) -> None:
    async with grpc.aio.insecure_channel(edge_grpc_target) as channel:
        response = await admin_pb2_grpc.AdminServiceStub(channel).GetVersion(
            version_pb2.GetVersionRequest(), timeout=10
        )
    assert response.control_plane_version.Version


async def test_rest_version_is_json_with_proto_field_names(edge_http_url: str) -> None:
    async with httpx.AsyncClient(base_url=edge_http_url) as client:
        response = await client.get("/api/v1/version")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert set(response.json()["controlPlaneVersion"]) == {"Build", "Version", "BuildTime"}


async def test_rest_version_as_binary_protobuf(edge_http_url: str) -> None:
    async with httpx.AsyncClient(base_url=edge_http_url) as client:
        response = await client.get(
            "/api/v1/version", headers={"Accept": "application/octet-stream"}
        )
    assert response.headers["content-type"] == "application/octet-stream"
    assert version_pb2.GetVersionResponse.FromString(response.content).control_plane_version.Version


@pytest.mark.parametrize("service", ["admin", "events", "dataproxy", "signals"])
async def test_health_is_serving_on_every_service(edge_grpc_target: str, service: str) -> None:
    async with grpc.aio.insecure_channel(edge_grpc_target) as channel:
        response = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=""),
            metadata=(("flightdeck-service", service),),
            timeout=10,
        )
    assert response.status == health_pb2.HealthCheckResponse.SERVING


async def test_admin_health_answers_for_flyteadmin(edge_grpc_target: str) -> None:
    async with grpc.aio.insecure_channel(edge_grpc_target) as channel:
        response = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="flyteadmin"), timeout=10
        )
    assert response.status == health_pb2.HealthCheckResponse.SERVING


async def _code_and_message(call: object) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call  # type: ignore[misc]
    return raised.value.code(), raised.value.details() or ""


async def test_unbuilt_methods_answer_unimplemented_naming_the_method(
    edge_grpc_target: str,
) -> None:
    async with grpc.aio.insecure_channel(edge_grpc_target) as channel:
        calls = {
            "IdentityService/UserInfo": identity_pb2_grpc.IdentityServiceStub(channel).UserInfo(
                identity_pb2.UserInfoRequest()
            ),
        }
        for method, call in calls.items():
            code, message = await _code_and_message(call)
            assert code is grpc.StatusCode.UNIMPLEMENTED, method
            assert method in message, message


async def test_rest_error_body_for_an_unbuilt_method(edge_http_url: str) -> None:
    async with httpx.AsyncClient(base_url=edge_http_url) as client:
        response = await client.get("/me")
    assert response.status_code == 501
    body = response.json()
    assert body["code"] == grpc.StatusCode.UNIMPLEMENTED.value[0]
    assert "IdentityService/UserInfo" in body["message"]
    assert body["details"] == []


async def test_rest_query_parameters_are_validated_against_the_request(edge_http_url: str) -> None:
    async with httpx.AsyncClient(base_url=edge_http_url) as client:
        bad_number = await client.get("/api/v1/projects", params={"limit": "many"})
        unknown = await client.get("/api/v1/projects", params={"no_such_field": "1"})
        good = await client.get("/api/v1/projects", params={"limit": "3", "sort_by.key": "name"})
    assert bad_number.status_code == 400 and "limit" in bad_number.json()["message"]
    assert unknown.status_code == 200, "unknown parameters are ignored, as grpc-gateway does"
    assert good.status_code == 200 and isinstance(good.json()["projects"], list)


async def test_rest_path_parameters_are_typed_by_the_request(edge_http_url: str) -> None:
    async with httpx.AsyncClient(base_url=edge_http_url) as client:
        by_number = await client.get(
            "/api/v1/named_entities/1/flytesnacks/development", params={"limit": "5"}
        )
        not_an_enum = await client.get("/api/v1/named_entities/tasks/flytesnacks/development")
    assert by_number.status_code == 200
    assert isinstance(by_number.json()["entities"], list)
    assert not_an_enum.status_code == 400
    assert "resource_type" in not_an_enum.json()["message"]


async def test_rest_routes_reach_each_service(edge_http_url: str) -> None:
    async with httpx.AsyncClient(base_url=edge_http_url) as client:
        upload = await client.post("/api/v1/dataproxy/artifact_urn", json={"project": "p"})
        signal = await client.post("/api/v1/signals", json={})
        data = await client.get("/api/v1/data", params={"flyte_url": "not-a-flyte-url"})
        event = await client.post("/api/v1/events/workflows", json={})
        project = await client.put("/api/v1/projects/never-registered", json={"name": "n"})
    # Only the data proxy, the signals service and the events gateway serve these paths: their own
    # validation answers.
    assert (upload.status_code, upload.json()["message"]) == (400, "missing domain")
    assert (signal.status_code, signal.json()["message"]) == (400, "missing id")
    assert data.status_code == 400 and "invalid flyte url" in data.json()["message"]
    assert (event.status_code, event.json()["message"]) == (400, "missing event")
    assert project.status_code == 404
    assert project.json()["message"] == "project [never-registered] not found"


async def test_healthcheck_and_metrics_over_http(edge_http_url: str) -> None:
    async with httpx.AsyncClient(base_url=edge_http_url) as client:
        health = await client.get("/healthcheck")
        await client.get("/api/v1/version")
        metrics = await client.get("/metrics")
    assert health.status_code == 200
    handled = {
        (sample.labels["grpc_method"], sample.labels["grpc_code"]): sample.value
        for family in text_string_to_metric_families(metrics.text)
        for sample in family.samples
        if sample.name == "grpc_server_handled_total"
    }
    assert handled[("GetVersion", "OK")] >= 1
