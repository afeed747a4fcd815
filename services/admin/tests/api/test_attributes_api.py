"""Matchable attribute RPCs over a real gRPC server with the standard interceptor chain."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from typing import Any

import grpc
import pytest
from flyteidl.admin import matchable_resource_pb2 as mr
from flyteidl.admin import project_attributes_pb2 as pa
from flyteidl.admin import project_domain_attributes_pb2 as pda
from flyteidl.admin import project_pb2
from flyteidl.admin import workflow_attributes_pb2 as wa
from flyteidl.service import admin_pb2_grpc
from grpc_status import rpc_status

from flightdeck_admin.api.attributes import MatchableAttributesApi
from flightdeck_admin.api.projects import ProjectsApi
from flightdeck_admin.service.attributes import MatchableAttributes
from flightdeck_admin.service.projects import Projects
from flightdeck_admin.store.memory import InMemoryProjectStore
from flightdeck_admin.store.memory_attributes import InMemoryMatchableAttributeStore
from flightdeck_platform.rpc.interceptors import standard_chain
from flightdeck_platform.rpc.server import GrpcEndpoint
from flightdeck_platform.settings import ServerSettings
from flightdeck_proto import services

RT = mr.MatchableResource
IA = grpc.StatusCode.INVALID_ARGUMENT
NF = grpc.StatusCode.NOT_FOUND
DEFAULTS = mr.WorkflowExecutionConfig(
    max_parallelism=25, raw_output_data_config={"output_location_prefix": "s3://defaults"}
)


@pytest.fixture
async def admin() -> AsyncIterator[Any]:
    projects = Projects(InMemoryProjectStore(), ["development", "staging", "production"])
    attributes = MatchableAttributes(InMemoryMatchableAttributeStore(), projects, DEFAULTS)
    apis = [MatchableAttributesApi(attributes), ProjectsApi(projects)]
    endpoint = GrpcEndpoint(ServerSettings(grpc_port=0), standard_chain(), [(services.ADMIN, apis)])
    port = await endpoint.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = admin_pb2_grpc.AdminServiceStub(channel)
        for project_id, state in [("flytesnacks", "ACTIVE"), ("archived", "ARCHIVED")]:
            project = project_pb2.Project(id=project_id, name=project_id, state=state)
            await stub.RegisterProject(project_pb2.ProjectRegisterRequest(project=project))
        yield stub
    await endpoint.stop(0)


async def _failure(call: Awaitable[Any]) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return raised.value


def _queue(*tags: str) -> mr.MatchingAttributes:
    return mr.MatchingAttributes(execution_queue_attributes={"tags": tags})


def _overrides(*task_types: str) -> mr.MatchingAttributes:
    overrides = [mr.PluginOverride(task_type=t, plugin_id=[f"{t}-plugin"]) for t in task_types]
    return mr.MatchingAttributes(plugin_overrides={"overrides": overrides})


def _task_types(matching: mr.MatchingAttributes) -> list[str]:
    return [override.task_type for override in matching.plugin_overrides.overrides]


def _set_project(admin: Any, matching: mr.MatchingAttributes, project: str = "flytesnacks") -> Any:
    return admin.UpdateProjectAttributes(
        pa.ProjectAttributesUpdateRequest(
            attributes=pa.ProjectAttributes(project=project, matching_attributes=matching)
        )
    )


def _set_domain(
    admin: Any,
    matching: mr.MatchingAttributes,
    project: str = "flytesnacks",
    domain: str = "development",
) -> Any:
    attributes = pda.ProjectDomainAttributes(
        project=project, domain=domain, matching_attributes=matching
    )
    return admin.UpdateProjectDomainAttributes(
        pda.ProjectDomainAttributesUpdateRequest(attributes=attributes)
    )


def _set_workflow(admin: Any, matching: mr.MatchingAttributes, workflow: str = "wf") -> Any:
    attributes = wa.WorkflowAttributes(
        project="flytesnacks", domain="development", workflow=workflow, matching_attributes=matching
    )
    return admin.UpdateWorkflowAttributes(wa.WorkflowAttributesUpdateRequest(attributes=attributes))


def _get_domain(admin: Any, resource_type: int, domain: str = "development") -> Any:
    return admin.GetProjectDomainAttributes(
        pda.ProjectDomainAttributesGetRequest(
            project="flytesnacks", domain=domain, resource_type=resource_type
        )
    )


def _get_workflow(admin: Any, resource_type: int, workflow: str = "wf") -> Any:
    return admin.GetWorkflowAttributes(
        wa.WorkflowAttributesGetRequest(
            project="flytesnacks",
            domain="development",
            workflow=workflow,
            resource_type=resource_type,
        )
    )


def _get_project(admin: Any, resource_type: int, project: str = "flytesnacks") -> Any:
    return admin.GetProjectAttributes(
        pa.ProjectAttributesGetRequest(project=project, resource_type=resource_type)
    )


def _list(admin: Any, resource_type: int) -> Any:
    return admin.ListMatchableAttributes(
        mr.ListMatchableAttributesRequest(resource_type=resource_type)
    )


def _gated_calls(admin: Any, project: str, domain: str) -> list[Awaitable[Any]]:
    """Every RPC that passes the project/domain gate, for ``project`` and ``domain``."""
    scope = {"project": project, "domain": domain, "resource_type": RT.EXECUTION_QUEUE}
    workflow = {**scope, "workflow": "wf"}
    update_workflow = wa.WorkflowAttributes(
        project=project, domain=domain, workflow="wf", matching_attributes=_queue("q")
    )
    return [
        _set_domain(admin, _queue("q"), project, domain),
        admin.GetProjectDomainAttributes(pda.ProjectDomainAttributesGetRequest(**scope)),
        admin.DeleteProjectDomainAttributes(pda.ProjectDomainAttributesDeleteRequest(**scope)),
        admin.UpdateWorkflowAttributes(
            wa.WorkflowAttributesUpdateRequest(attributes=update_workflow)
        ),
        admin.GetWorkflowAttributes(wa.WorkflowAttributesGetRequest(**workflow)),
        admin.DeleteWorkflowAttributes(wa.WorkflowAttributesDeleteRequest(**workflow)),
    ]


async def test_project_domain_attributes_round_trip(admin: Any) -> None:
    await _set_domain(admin, _queue("gpu", "fast"))
    got = (await _get_domain(admin, RT.EXECUTION_QUEUE)).attributes
    assert (got.project, got.domain) == ("flytesnacks", "development")
    assert list(got.matching_attributes.execution_queue_attributes.tags) == ["gpu", "fast"]


async def test_an_update_replaces_the_whole_value(admin: Any) -> None:
    resources = mr.MatchingAttributes(task_resource_attributes={"defaults": {"cpu": "1"}})
    await _set_domain(admin, resources)
    await _set_domain(
        admin, mr.MatchingAttributes(task_resource_attributes={"limits": {"cpu": "4"}})
    )
    got = (await _get_domain(admin, RT.TASK_RESOURCE)).attributes.matching_attributes
    assert not got.task_resource_attributes.HasField("defaults")
    assert got.task_resource_attributes.limits.cpu == "4"


async def test_unknown_project_fails_the_gate_of_every_gated_rpc(admin: Any) -> None:
    for call in _gated_calls(admin, "absent", "development"):
        error = await _failure(call)
        assert error.code() is IA
        assert error.details() == (
            "failed to validate that project [absent] and domain [development] are registered, "
            "err: [project not found]"
        )


async def test_inactive_project_fails_the_gate_with_its_detail(admin: Any) -> None:
    for call in _gated_calls(admin, "archived", "development"):
        error = await _failure(call)
        assert error.code() is IA
        assert error.details() == "project [archived] is not active"
        status = rpc_status.from_call(error)
        assert status is not None
        inactive = project_pb2.InactiveProject()
        assert status.details[0].Unpack(inactive)
        assert inactive.id == "archived"


async def test_unknown_domain_fails_the_gate(admin: Any) -> None:
    for call in _gated_calls(admin, "flytesnacks", "qa"):
        error = await _failure(call)
        assert error.code() is IA
        assert error.details() == "domain [qa] is unrecognized by system"


async def test_workflow_rpcs_need_a_workflow_name(admin: Any) -> None:
    scope = {"project": "flytesnacks", "domain": "development", "workflow": ""}
    calls = [
        _set_workflow(admin, _queue("q"), workflow=""),
        admin.GetWorkflowAttributes(wa.WorkflowAttributesGetRequest(**scope)),
        admin.DeleteWorkflowAttributes(wa.WorkflowAttributesDeleteRequest(**scope)),
    ]
    for call in calls:
        error = await _failure(call)
        assert (error.code(), error.details()) == (IA, "missing name")


@pytest.mark.parametrize(
    "matching",
    [mr.MatchingAttributes(), mr.MatchingAttributes(quality_of_service={"tier": 1})],
)
async def test_unrecognized_attribute_types_are_refused(
    admin: Any, matching: mr.MatchingAttributes
) -> None:
    cases = [
        (_set_domain(admin, matching), "flytesnacks-development"),
        (_set_workflow(admin, matching), "flytesnacks-development-wf"),
        (_set_project(admin, matching), "flytesnacks"),
    ]
    for call, request_id in cases:
        error = await _failure(call)
        assert error.code() is IA
        assert error.details() == f"Unrecognized matching attributes type for request {request_id}"


async def test_absent_attributes_are_missing_by_field_name(admin: Any) -> None:
    error = await _failure(admin.UpdateProjectAttributes(pa.ProjectAttributesUpdateRequest()))
    assert (error.code(), error.details()) == (IA, "missing attributes")
    no_matching = pda.ProjectDomainAttributes(project="flytesnacks", domain="development")
    error = await _failure(
        admin.UpdateProjectDomainAttributes(
            pda.ProjectDomainAttributesUpdateRequest(attributes=no_matching)
        )
    )
    assert (error.code(), error.details()) == (IA, "missing matching_attributes")


async def test_get_without_any_record_is_not_found_naming_the_request(admin: Any) -> None:
    error = await _failure(_get_domain(admin, RT.EXECUTION_QUEUE))
    assert error.code() is NF
    assert error.details() == (
        "Resource [{Project:flytesnacks Domain:development Workflow: LaunchPlan: "
        "ResourceType:EXECUTION_QUEUE}] not found"
    )
    error = await _failure(_get_workflow(admin, RT.TASK_RESOURCE))
    assert error.code() is NF
    assert "Workflow:wf LaunchPlan: ResourceType:TASK_RESOURCE" in error.details()


async def test_gets_fall_back_to_less_specific_records(admin: Any) -> None:
    await _set_project(admin, _queue("project"))
    from_project = (await _get_domain(admin, RT.EXECUTION_QUEUE)).attributes
    assert (from_project.project, from_project.domain) == ("flytesnacks", "")
    assert list(from_project.matching_attributes.execution_queue_attributes.tags) == ["project"]

    await _set_domain(admin, _queue("domain"))
    from_domain = (await _get_workflow(admin, RT.EXECUTION_QUEUE)).attributes
    assert (from_domain.domain, from_domain.workflow) == ("development", "")
    assert list(from_domain.matching_attributes.execution_queue_attributes.tags) == ["domain"]

    await _set_workflow(admin, _queue("workflow"))
    exact = (await _get_workflow(admin, RT.EXECUTION_QUEUE)).attributes
    assert (exact.workflow, list(exact.matching_attributes.execution_queue_attributes.tags)) == (
        "wf",
        ["workflow"],
    )
    staging = (await _get_domain(admin, RT.EXECUTION_QUEUE, domain="staging")).attributes
    assert list(staging.matching_attributes.execution_queue_attributes.tags) == ["project"]


async def test_deletes_remove_only_their_own_level(admin: Any) -> None:
    await _set_project(admin, _queue("project"))
    await _set_domain(admin, _queue("domain"))
    await _set_workflow(admin, _queue("workflow"))
    await admin.DeleteProjectDomainAttributes(
        pda.ProjectDomainAttributesDeleteRequest(
            project="flytesnacks", domain="development", resource_type=RT.EXECUTION_QUEUE
        )
    )
    levels = [
        (c.domain, c.workflow) for c in (await _list(admin, RT.EXECUTION_QUEUE)).configurations
    ]
    assert levels == [("development", "wf"), ("", "")]

    await admin.DeleteProjectAttributes(
        pa.ProjectAttributesDeleteRequest(project="flytesnacks", resource_type=RT.EXECUTION_QUEUE)
    )
    levels = [
        (c.domain, c.workflow) for c in (await _list(admin, RT.EXECUTION_QUEUE)).configurations
    ]
    assert levels == [("development", "wf")]


async def test_deleting_nothing_succeeds(admin: Any) -> None:
    await admin.DeleteWorkflowAttributes(
        wa.WorkflowAttributesDeleteRequest(
            project="flytesnacks",
            domain="development",
            workflow="wf",
            resource_type=RT.TASK_RESOURCE,
        )
    )
    await admin.DeleteProjectAttributes(
        pa.ProjectAttributesDeleteRequest(project="flytesnacks", resource_type=RT.TASK_RESOURCE)
    )
    assert len((await _list(admin, RT.TASK_RESOURCE)).configurations) == 0


async def test_list_is_priority_descending_and_by_type(admin: Any) -> None:
    await _set_project(admin, _queue("project"))
    await _set_workflow(admin, _queue("workflow"))
    await _set_domain(admin, _queue("domain"))
    await _set_domain(admin, mr.MatchingAttributes(execution_cluster_label={"value": "other"}))
    listed = (await _list(admin, RT.EXECUTION_QUEUE)).configurations
    assert [(c.project, c.domain, c.workflow, c.launch_plan) for c in listed] == [
        ("flytesnacks", "development", "wf", ""),
        ("flytesnacks", "development", "", ""),
        ("flytesnacks", "", "", ""),
    ]
    assert list(listed[0].attributes.execution_queue_attributes.tags) == ["workflow"]
    assert len((await _list(admin, RT.CLUSTER_RESOURCE)).configurations) == 0


async def test_list_refuses_an_unknown_resource_type(admin: Any) -> None:
    error = await _failure(_list(admin, 42))
    assert error.code() is IA
    assert error.details().startswith("invalid value for resource_type")


async def test_plugin_overrides_merge_by_task_type_at_every_level(admin: Any) -> None:
    await _set_domain(admin, _overrides("spark", "ray"))
    await _set_domain(admin, _overrides("ray", "dask"))
    domain_level = (await _get_domain(admin, RT.PLUGIN_OVERRIDE)).attributes.matching_attributes
    assert _task_types(domain_level) == ["spark", "ray", "dask"]

    await _set_workflow(admin, _overrides("spark"))
    await _set_workflow(admin, _overrides("mpi"))
    workflow_level = (await _get_workflow(admin, RT.PLUGIN_OVERRIDE)).attributes.matching_attributes
    assert _task_types(workflow_level) == ["spark", "mpi"]

    await _set_project(admin, _overrides("spark"))
    await _set_project(admin, _overrides("ray"))
    project_level = (await _get_project(admin, RT.PLUGIN_OVERRIDE)).attributes.matching_attributes
    assert _task_types(project_level) == ["spark", "ray"]


async def test_project_attributes_of_execution_config_complete_with_defaults(admin: Any) -> None:
    absent = (await _get_project(admin, RT.WORKFLOW_EXECUTION_CONFIG)).attributes
    assert absent.project == "flytesnacks"
    assert absent.matching_attributes.workflow_execution_config == DEFAULTS

    config = mr.WorkflowExecutionConfig(max_parallelism=3, labels={"values": {"team": "ml"}})
    await _set_project(admin, mr.MatchingAttributes(workflow_execution_config=config))
    merged = (await _get_project(admin, RT.WORKFLOW_EXECUTION_CONFIG)).attributes
    assert merged.matching_attributes.workflow_execution_config == mr.WorkflowExecutionConfig(
        max_parallelism=3,
        labels={"values": {"team": "ml"}},
        raw_output_data_config={"output_location_prefix": "s3://defaults"},
    )


async def test_project_attributes_are_exact_and_other_types_not_found(admin: Any) -> None:
    await _set_domain(admin, _queue("domain"))
    error = await _failure(_get_project(admin, RT.EXECUTION_QUEUE))
    assert error.code() is NF
    assert error.details() == (
        "Resource [{Project:flytesnacks Domain: Workflow: LaunchPlan: "
        "ResourceType:EXECUTION_QUEUE}] not found"
    )


async def test_project_level_gates(admin: Any) -> None:
    readable = await _get_project(admin, RT.WORKFLOW_EXECUTION_CONFIG, project="archived")
    assert readable.attributes.project == "archived"

    error = await _failure(_get_project(admin, RT.WORKFLOW_EXECUTION_CONFIG, project="absent"))
    assert (error.code(), error.details()) == (
        IA,
        "failed to validate that project [absent] exists, err: [project not found]",
    )
    for call in [
        _set_project(admin, _queue("q"), project="archived"),
        admin.DeleteProjectAttributes(pa.ProjectAttributesDeleteRequest(project="archived")),
    ]:
        error = await _failure(call)
        assert (error.code(), error.details()) == (IA, "project [archived] is not active")
    error = await _failure(_set_project(admin, _queue("q"), project="absent"))
    assert (error.code(), error.details()) == (
        IA,
        "failed to validate that project [absent] is registered, err: [project not found]",
    )
    error = await _failure(_get_project(admin, RT.TASK_RESOURCE, project=""))
    assert (error.code(), error.details()) == (IA, "missing project")
