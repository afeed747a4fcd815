"""Registration of flytekit's real payloads through the edge (catalog issue)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import grpc
import pytest
from flyteidl.admin import common_pb2, project_pb2, task_pb2
from flyteidl.core import identifier_pb2
from flyteidl.service import admin_pb2_grpc
from grpc_status import rpc_status

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


@pytest.fixture
async def admin(edge_grpc_target: str) -> AsyncIterator[admin_pb2_grpc.AdminServiceStub]:
    async with grpc.aio.insecure_channel(edge_grpc_target) as channel:
        yield admin_pb2_grpc.AdminServiceStub(channel)


@pytest.fixture
async def project(admin: admin_pb2_grpc.AdminServiceStub) -> str:
    project_id = f"reg-{uuid.uuid4().hex[:10]}"
    await admin.RegisterProject(
        project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id=project_id, name="reg"))
    )
    return project_id


@pytest.fixture
def tasks(project: str, flyte_fixtures) -> list:  # type: ignore[no-untyped-def,type-arg]
    return [f for f in flyte_fixtures(project, "v1") if f.kind == "task"]


async def _failure(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call  # type: ignore[misc]
    return raised.value


async def test_every_fixture_task_registers_and_reads_back(admin, project: str, tasks) -> None:  # type: ignore[no-untyped-def]
    for fixture in tasks:
        await admin.CreateTask(
            task_pb2.TaskCreateRequest(id=fixture.entity_id, spec=fixture.message)
        )
        task = await admin.GetTask(common_pb2.ObjectGetRequest(id=fixture.entity_id))
        assert task.id == fixture.entity_id
        assert task.closure.compiled_task.template.id == fixture.entity_id
        assert task.closure.created_at.seconds > 0


async def test_reregistration_identical_then_different(admin, project: str, tasks) -> None:  # type: ignore[no-untyped-def]
    fixture = tasks[0]
    request = task_pb2.TaskCreateRequest(id=fixture.entity_id, spec=fixture.message)
    await admin.CreateTask(request)
    identical = await _failure(admin.CreateTask(request))
    assert identical.code() is grpc.StatusCode.ALREADY_EXISTS
    request.spec.template.metadata.retries.retries = 7
    different = await _failure(admin.CreateTask(request))
    assert different.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "task with different structure already exists" in different.details()
    assert "retries" in different.details()


async def test_twenty_concurrent_registrations_leave_one(admin, project: str, tasks) -> None:  # type: ignore[no-untyped-def]
    fixture = tasks[1]
    request = task_pb2.TaskCreateRequest(id=fixture.entity_id, spec=fixture.message)
    outcomes = await asyncio.gather(
        *(admin.CreateTask(request) for _ in range(20)), return_exceptions=True
    )
    failures = [o for o in outcomes if isinstance(o, grpc.aio.AioRpcError)]
    assert len(outcomes) - len(failures) == 1
    assert {f.code() for f in failures} == {grpc.StatusCode.ALREADY_EXISTS}


async def test_the_project_gate(admin, project: str, tasks) -> None:  # type: ignore[no-untyped-def]
    fixture = tasks[0]
    unknown = identifier_pb2.Identifier()
    unknown.CopyFrom(fixture.entity_id)
    unknown.project = f"absent-{uuid.uuid4().hex[:8]}"
    error = await _failure(
        admin.CreateTask(task_pb2.TaskCreateRequest(id=unknown, spec=fixture.message))
    )
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "failed to validate that project" in error.details()
    await admin.UpdateProject(project_pb2.Project(id=project, state=project_pb2.Project.ARCHIVED))
    inactive = await _failure(
        admin.CreateTask(task_pb2.TaskCreateRequest(id=fixture.entity_id, spec=fixture.message))
    )
    assert inactive.code() is grpc.StatusCode.INVALID_ARGUMENT
    status = rpc_status.from_call(inactive)
    assert status is not None
    detail = project_pb2.InactiveProject()
    assert status.details[0].Unpack(detail) and detail.id == project


async def test_bad_task_requests_name_the_field(admin, project: str, tasks) -> None:  # type: ignore[no-untyped-def]
    fixture = tasks[0]
    cases = {
        "missing version": lambda r: r.id.ClearField("version"),
        "unexpected resource type": lambda r: setattr(
            r.id, "resource_type", identifier_pb2.WORKFLOW
        ),
        "missing image": lambda r: r.spec.template.container.ClearField("image"),
        "missing interface": lambda r: r.spec.template.ClearField("interface"),
    }
    for expected, mutate in cases.items():
        request = task_pb2.TaskCreateRequest(id=fixture.entity_id, spec=fixture.message)
        mutate(request)
        error = await _failure(admin.CreateTask(request))
        assert error.code() is grpc.StatusCode.INVALID_ARGUMENT, expected
        assert expected in error.details()
    missing = identifier_pb2.Identifier()
    missing.CopyFrom(fixture.entity_id)
    missing.version = "never"
    not_found = await _failure(admin.GetTask(common_pb2.ObjectGetRequest(id=missing)))
    assert not_found.code() is grpc.StatusCode.NOT_FOUND


async def test_description_entity_is_recorded_with_the_task(admin, project: str, tasks) -> None:  # type: ignore[no-untyped-def]
    from flyteidl.admin import description_entity_pb2

    fixture = tasks[2]
    request = task_pb2.TaskCreateRequest(id=fixture.entity_id, spec=fixture.message)
    request.spec.description.CopyFrom(
        description_entity_pb2.DescriptionEntity(
            short_description="adds numbers",
            long_description=description_entity_pb2.Description(value="a longer story"),
        )
    )
    await admin.CreateTask(request)
    lookup = identifier_pb2.Identifier()
    lookup.CopyFrom(fixture.entity_id)
    lookup.resource_type = identifier_pb2.UNSPECIFIED  # the RPC layer defaults it to TASK
    entity = await admin.GetDescriptionEntity(common_pb2.ObjectGetRequest(id=lookup))
    assert entity.short_description == "adds numbers"
    assert entity.long_description.value == "a longer story"
    assert entity.HasField("source_code")
    task = await admin.GetTask(common_pb2.ObjectGetRequest(id=fixture.entity_id))
    assert task.short_description == "adds numbers"
    listed = await admin.ListDescriptionEntities(
        description_entity_pb2.DescriptionEntityListRequest(
            resource_type=identifier_pb2.TASK,
            id=common_pb2.NamedEntityIdentifier(
                project=project, domain="development", name=fixture.entity_id.name
            ),
            limit=10,
        )
    )
    assert [e.short_description for e in listed.descriptionEntities] == ["adds numbers"]
    lookup.version = "absent"
    missing = await _failure(admin.GetDescriptionEntity(common_pb2.ObjectGetRequest(id=lookup)))
    assert missing.code() is grpc.StatusCode.NOT_FOUND
