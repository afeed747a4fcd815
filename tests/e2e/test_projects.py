"""Projects and domains through the edge, over gRPC and REST."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import grpc
import httpx
import pytest
from flyteidl.admin import project_pb2
from flyteidl.service import admin_pb2_grpc

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

DOMAINS = ["development", "staging", "production"]


@pytest.fixture
async def admin(edge_grpc_target: str) -> AsyncIterator[admin_pb2_grpc.AdminServiceStub]:
    async with grpc.aio.insecure_channel(edge_grpc_target) as channel:
        yield admin_pb2_grpc.AdminServiceStub(channel)


def _new_id() -> str:
    return f"p-{uuid.uuid4().hex[:12]}"


async def _failure(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call  # type: ignore[misc]
    return raised.value


async def test_register_then_get_carries_the_configured_domains(admin) -> None:  # type: ignore[no-untyped-def]
    project_id = _new_id()
    await admin.RegisterProject(
        project_pb2.ProjectRegisterRequest(
            project=project_pb2.Project(id=project_id, name="Snacks", description="d")
        )
    )
    project = await admin.GetProject(project_pb2.ProjectGetRequest(id=project_id))
    assert (project.id, project.name, project.description) == (project_id, "Snacks", "d")
    assert [d.id for d in project.domains] == DOMAINS
    domains = await admin.GetDomains(project_pb2.GetDomainRequest())
    assert [d.id for d in domains.domains] == DOMAINS


async def test_registering_twice_already_exists(admin) -> None:  # type: ignore[no-untyped-def]
    request = project_pb2.ProjectRegisterRequest(
        project=project_pb2.Project(id=_new_id(), name="n")
    )
    await admin.RegisterProject(request)
    error = await _failure(admin.RegisterProject(request))
    assert error.code() is grpc.StatusCode.ALREADY_EXISTS


async def test_bad_input_names_the_field(admin) -> None:  # type: ignore[no-untyped-def]
    cases = {
        "project_id": project_pb2.Project(id="Not_A_Label", name="n"),
        "project_name": project_pb2.Project(id=_new_id()),
    }
    for field, project in cases.items():
        error = await _failure(
            admin.RegisterProject(project_pb2.ProjectRegisterRequest(project=project))
        )
        assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert field in error.details()
    missing = await _failure(admin.GetProject(project_pb2.ProjectGetRequest(id=_new_id())))
    assert missing.code() is grpc.StatusCode.NOT_FOUND


async def test_update_archives_and_keeps_the_name(admin) -> None:  # type: ignore[no-untyped-def]
    project_id = _new_id()
    await admin.RegisterProject(
        project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id=project_id, name="keep"))
    )
    await admin.UpdateProject(
        project_pb2.Project(id=project_id, state=project_pb2.Project.ARCHIVED)
    )
    project = await admin.GetProject(project_pb2.ProjectGetRequest(id=project_id))
    assert (project.name, project.state) == ("keep", project_pb2.Project.ARCHIVED)
    unknown = await _failure(admin.UpdateProject(project_pb2.Project(id=_new_id(), name="x")))
    assert unknown.code() is grpc.StatusCode.NOT_FOUND


async def test_projects_over_rest(edge_http_url: str) -> None:
    project_id = _new_id()
    async with httpx.AsyncClient(base_url=edge_http_url) as client:
        created = await client.post(
            "/api/v1/projects", json={"project": {"id": project_id, "name": "rest"}}
        )
        updated = await client.put(
            f"/api/v1/projects/{project_id}", json={"description": "via put"}
        )
        fetched = await client.get(f"/api/v1/projects/{project_id}")
        duplicate = await client.post(
            "/api/v1/projects", json={"project": {"id": project_id, "name": "rest"}}
        )
    assert created.status_code == 200 and updated.status_code == 200
    body = fetched.json()
    assert (body["name"], body["description"], body["state"]) == ("rest", "via put", "ACTIVE")
    assert duplicate.status_code == 409 and duplicate.json()["code"] == 6
