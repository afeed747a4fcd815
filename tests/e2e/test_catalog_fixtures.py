"""Every flytekit fixture registers through the edge, in dependency order; the stored closures
carry the expected connections and flytekit's FlyteRemote builds its objects from them."""

from __future__ import annotations

import uuid

import grpc
import pytest
from flyteidl.admin import common_pb2, launch_plan_pb2, project_pb2, task_pb2, workflow_pb2
from flyteidl.core import (
    identifier_pb2,
    interface_pb2,
    literals_pb2,
    tasks_pb2,
    types_pb2,
)
from flyteidl.core import (
    workflow_pb2 as core_workflow_pb2,
)
from flyteidl.service import admin_pb2_grpc

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

REMOTE_LP = identifier_pb2.Identifier(
    resource_type=identifier_pb2.LAUNCH_PLAN,
    project="otherproject",
    domain="development",
    name="some.remote.lp",
    version="abc123",
)
INT = types_pb2.LiteralType(simple=types_pb2.INTEGER)
OPTIONAL_INT = types_pb2.LiteralType(
    union_type=types_pb2.UnionType(variants=[INT, types_pb2.LiteralType(simple=types_pb2.NONE)])
)


def _register_project(admin: admin_pb2_grpc.AdminServiceStub, project_id: str) -> None:
    try:
        admin.RegisterProject(
            project_pb2.ProjectRegisterRequest(
                project=project_pb2.Project(id=project_id, name=project_id)
            )
        )
    except grpc.RpcError as error:
        if error.code() is not grpc.StatusCode.ALREADY_EXISTS:
            raise


def _create(call, request) -> None:  # type: ignore[no-untyped-def]
    """Registration as flytekit does it: ALREADY_EXISTS counts as success."""
    try:
        call(request)
    except grpc.RpcError as error:
        if error.code() is not grpc.StatusCode.ALREADY_EXISTS:
            raise


def _remote_launch_plan(admin: admin_pb2_grpc.AdminServiceStub) -> None:
    """The reference launch plan fixtures/README.md describes: x: int, y: Optional[int] = None
    → o0: int, behind a one-task workflow in otherproject."""
    _register_project(admin, "otherproject")
    interface = interface_pb2.TypedInterface(
        inputs=interface_pb2.VariableMap(
            variables={
                "x": interface_pb2.Variable(type=INT),
                "y": interface_pb2.Variable(type=OPTIONAL_INT),
            }
        ),
        outputs=interface_pb2.VariableMap(variables={"o0": interface_pb2.Variable(type=INT)}),
    )
    task_id = identifier_pb2.Identifier(
        resource_type=identifier_pb2.TASK,
        project="otherproject",
        domain="development",
        name="remote.t",
        version="abc123",
    )
    template = tasks_pb2.TaskTemplate(
        id=task_id,
        type="python-task",
        metadata=tasks_pb2.TaskMetadata(),
        interface=interface,
        container=tasks_pb2.Container(image="remote:1", args=["run"]),
    )
    _create(
        admin.CreateTask,
        task_pb2.TaskCreateRequest(id=task_id, spec=task_pb2.TaskSpec(template=template)),
    )
    workflow_id = identifier_pb2.Identifier()
    workflow_id.CopyFrom(task_id)
    workflow_id.resource_type, workflow_id.name = identifier_pb2.WORKFLOW, "remote.wf"

    def from_start(var: str) -> literals_pb2.Binding:
        return literals_pb2.Binding(
            var=var,
            binding=literals_pb2.BindingData(
                promise=types_pb2.OutputReference(node_id="start-node", var=var)
            ),
        )

    node = core_workflow_pb2.Node(
        id="n0",
        inputs=[from_start("x"), from_start("y")],
        task_node=core_workflow_pb2.TaskNode(reference_id=task_id),
    )
    output = literals_pb2.Binding(
        var="o0",
        binding=literals_pb2.BindingData(promise=types_pb2.OutputReference(node_id="n0", var="o0")),
    )
    workflow = core_workflow_pb2.WorkflowTemplate(
        id=workflow_id, interface=interface, nodes=[node], outputs=[output]
    )
    _create(
        admin.CreateWorkflow,
        workflow_pb2.WorkflowCreateRequest(
            id=workflow_id, spec=workflow_pb2.WorkflowSpec(template=workflow)
        ),
    )
    none = literals_pb2.Literal(scalar=literals_pb2.Scalar(none_type=literals_pb2.Void()))
    spec = launch_plan_pb2.LaunchPlanSpec(
        workflow_id=workflow_id,
        default_inputs=interface_pb2.ParameterMap(
            parameters={
                "y": interface_pb2.Parameter(
                    var=interface_pb2.Variable(type=OPTIONAL_INT), default=none
                )
            }
        ),
    )
    _create(
        admin.CreateLaunchPlan, launch_plan_pb2.LaunchPlanCreateRequest(id=REMOTE_LP, spec=spec)
    )


@pytest.fixture(scope="module")
def catalog(admin, flyte_fixtures) -> tuple[str, list]:  # type: ignore[no-untyped-def,type-arg]
    project = f"cat-{uuid.uuid4().hex[:10]}"
    _register_project(admin, project)
    _remote_launch_plan(admin)
    fixtures = flyte_fixtures(project, "v1")
    for fixture in fixtures:
        fixture.register(admin)
    return project, fixtures


def _connections(closure) -> dict[str, dict[str, list[str]]]:  # type: ignore[no-untyped-def]
    connections = closure.compiled_workflow.primary.connections
    return {
        "downstream": {k: list(v.ids) for k, v in connections.downstream.items()},
        "upstream": {k: list(v.ids) for k, v in connections.upstream.items()},
    }


def test_fixtures_register_and_closures_match_expectations(
    admin, catalog, fixture_expectations
) -> None:  # type: ignore[no-untyped-def]
    _project, fixtures = catalog
    checked = 0
    for fixture in fixtures:
        if fixture.kind != "workflow":
            continue
        workflow = admin.GetWorkflow(common_pb2.ObjectGetRequest(id=fixture.entity_id))
        assert workflow.closure.created_at.seconds > 0
        expected = fixture_expectations.get(fixture.short_name, {})
        if "connections" in expected:
            assert _connections(workflow.closure) == expected["connections"], fixture.short_name
            checked += 1
    assert checked >= 10
    for fixture in fixtures:
        with pytest.raises(grpc.RpcError) as again:
            fixture.register(admin)
        assert again.value.code() is grpc.StatusCode.ALREADY_EXISTS, fixture.entity_id.name


def test_negative_fixtures_are_refused_with_invalid_argument(
    admin, catalog, flyte_fixtures
) -> None:  # type: ignore[no-untyped-def]
    project, _ = catalog
    negatives = flyte_fixtures(project, "v1", negative=True)
    assert len(negatives) == 14
    for fixture in negatives:
        with pytest.raises(grpc.RpcError) as refused:
            fixture.register(admin)
        assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT, fixture.entity_id.name
        assert "failed to compile workflow" in refused.value.details()


def test_launch_plans_carry_expected_inputs_and_activate_one_version(admin, catalog) -> None:  # type: ignore[no-untyped-def]
    project, fixtures = catalog
    fixture = next(f for f in fixtures if f.kind == "launchplan")
    stored = admin.GetLaunchPlan(common_pb2.ObjectGetRequest(id=fixture.entity_id))
    assert stored.closure.state == launch_plan_pb2.INACTIVE
    assert stored.closure.expected_inputs == stored.spec.default_inputs
    admin.UpdateLaunchPlan(
        launch_plan_pb2.LaunchPlanUpdateRequest(id=fixture.entity_id, state=launch_plan_pb2.ACTIVE)
    )
    second = launch_plan_pb2.LaunchPlanCreateRequest(
        id=fixture.entity_id, spec=fixture.message.spec
    )
    second.id.version = "v2"
    admin.CreateLaunchPlan(second)
    admin.UpdateLaunchPlan(
        launch_plan_pb2.LaunchPlanUpdateRequest(id=second.id, state=launch_plan_pb2.ACTIVE)
    )
    active = admin.GetActiveLaunchPlan(
        launch_plan_pb2.ActiveLaunchPlanRequest(
            id=common_pb2.NamedEntityIdentifier(
                project=project, domain="development", name=fixture.entity_id.name
            )
        )
    )
    assert active.id.version == "v2" and active.closure.state == launch_plan_pb2.ACTIVE
    listed = admin.ListActiveLaunchPlans(
        launch_plan_pb2.ActiveLaunchPlanListRequest(
            project=project, domain="development", limit=100
        )
    )
    assert [(lp.id.name, lp.id.version) for lp in listed.launch_plans] == [
        (fixture.entity_id.name, "v2")
    ]
    first = admin.GetLaunchPlan(common_pb2.ObjectGetRequest(id=fixture.entity_id))
    assert first.closure.state == launch_plan_pb2.INACTIVE
    admin.UpdateLaunchPlan(
        launch_plan_pb2.LaunchPlanUpdateRequest(id=second.id, state=launch_plan_pb2.INACTIVE)
    )
    with pytest.raises(grpc.RpcError) as none_active:
        admin.GetActiveLaunchPlan(
            launch_plan_pb2.ActiveLaunchPlanRequest(
                id=common_pb2.NamedEntityIdentifier(
                    project=project, domain="development", name=fixture.entity_id.name
                )
            )
        )
    assert none_active.value.code() is grpc.StatusCode.NOT_FOUND
    assert "No active launch plan could be found" in none_active.value.details()


def test_flyteremote_builds_workflows_and_launch_plans(edge_grpc_target, catalog) -> None:  # type: ignore[no-untyped-def]
    from flytekit.configuration import Config
    from flytekit.remote import FlyteRemote

    project, fixtures = catalog
    remote = FlyteRemote(
        Config.for_endpoint(edge_grpc_target, insecure=True),
        default_project=project,
        default_domain="development",
    )
    names = [
        f.entity_id.name
        for f in fixtures
        if f.kind == "launchplan" and f.entity_id.name.startswith("sample_workflows.")
    ]
    for name in names:
        workflow = remote.fetch_workflow(project, "development", name, "v1")
        assert workflow.id.name == name
        assert len(workflow.flyte_nodes) > 0 or name.endswith("wf_dynamic")
        launch_plan = remote.fetch_launch_plan(project, "development", name, "v1")
        assert launch_plan.workflow_id.name == name


def test_named_entities_exist_with_their_versions(admin, catalog) -> None:  # type: ignore[no-untyped-def]
    project, fixtures = catalog
    task = next(f for f in fixtures if f.kind == "task")
    name = common_pb2.NamedEntityIdentifier(
        project=project, domain="development", name=task.entity_id.name
    )
    fetched = admin.GetNamedEntity(
        common_pb2.NamedEntityGetRequest(resource_type=identifier_pb2.TASK, id=name)
    )
    assert fetched.metadata == common_pb2.NamedEntityMetadata()
    admin.UpdateNamedEntity(
        common_pb2.NamedEntityUpdateRequest(
            resource_type=identifier_pb2.TASK,
            id=name,
            metadata=common_pb2.NamedEntityMetadata(
                description="adds", state=common_pb2.NAMED_ENTITY_ARCHIVED
            ),
        )
    )
    admin.UpdateNamedEntity(
        common_pb2.NamedEntityUpdateRequest(
            resource_type=identifier_pb2.TASK, id=name, metadata=common_pb2.NamedEntityMetadata()
        )
    )
    fetched = admin.GetNamedEntity(
        common_pb2.NamedEntityGetRequest(resource_type=identifier_pb2.TASK, id=name)
    )
    assert (fetched.metadata.description, fetched.metadata.state) == (
        "adds",
        common_pb2.NAMED_ENTITY_ACTIVE,
    )
    cases = {
        grpc.StatusCode.NOT_FOUND: common_pb2.NamedEntityGetRequest(
            resource_type=identifier_pb2.WORKFLOW,
            id=common_pb2.NamedEntityIdentifier(
                project=project, domain="development", name="never"
            ),
        ),
        grpc.StatusCode.INVALID_ARGUMENT: common_pb2.NamedEntityGetRequest(id=name),
    }
    for code, request in cases.items():
        with pytest.raises(grpc.RpcError) as failed:
            admin.GetNamedEntity(request)
        assert failed.value.code() is code


def _page_all(call, request) -> tuple[list, int]:  # type: ignore[no-untyped-def,type-arg]
    """Every item over every page, and how many pages it took."""
    items, pages = [], 0
    while True:
        response = call(request)
        pages += 1
        listed = next(f for f in response.DESCRIPTOR.fields if f.name != "token")
        items.extend(getattr(response, listed.name))
        if not response.token:
            return items, pages
        request.token = response.token


def test_list_rpcs_page_through_the_catalog(admin, catalog) -> None:  # type: ignore[no-untyped-def]
    project, fixtures = catalog
    scope = common_pb2.NamedEntityIdentifier(project=project, domain="development")
    task_names = {f.entity_id.name for f in fixtures if f.kind == "task"}
    tasks, pages = _page_all(
        admin.ListTasks,
        common_pb2.ResourceListRequest(
            id=scope,
            limit=4,
            sort_by=common_pb2.Sort(key="name", direction=common_pb2.Sort.ASCENDING),
        ),
    )
    assert [t.id.name for t in tasks] == sorted(task_names) and pages >= 3
    ids, _ = _page_all(
        admin.ListTaskIds,
        common_pb2.NamedEntityIdentifierListRequest(project=project, domain="development", limit=3),
    )
    assert {i.name for i in ids} == task_names
    workflows, _ = _page_all(admin.ListWorkflows, common_pb2.ResourceListRequest(id=scope, limit=5))
    assert workflows and all(
        len(w.closure.compiled_workflow.primary.template.nodes) == 0 for w in workflows
    )
    assert any(
        w.closure.compiled_workflow.primary.template.interface.inputs.variables for w in workflows
    )
    launch_plans, _ = _page_all(
        admin.ListLaunchPlans,
        common_pb2.ResourceListRequest(id=scope, limit=5, filters="eq(schedule_type,NONE)"),
    )
    assert {lp.id.name for lp in launch_plans} == {
        f.entity_id.name for f in fixtures if f.kind == "launchplan"
    }
    named, _ = _page_all(
        admin.ListNamedEntities,
        common_pb2.NamedEntityListRequest(
            resource_type=identifier_pb2.WORKFLOW, project=project, domain="development", limit=4
        ),
    )
    assert {n.id.name for n in named} == {w.id.name for w in workflows}


def test_list_rpcs_refuse_bad_requests_naming_the_problem(admin, catalog) -> None:  # type: ignore[no-untyped-def]
    project, _ = catalog
    scope = common_pb2.NamedEntityIdentifier(project=project, domain="development")
    cases = {
        "invalid value for filters": common_pb2.ResourceListRequest(
            id=scope, limit=3, filters="eq(name"
        ),
        "unrecognized filter function": common_pb2.ResourceListRequest(
            id=scope, limit=3, filters="has(name,x)"
        ),
        "invalid sort key": common_pb2.ResourceListRequest(
            id=scope, limit=3, sort_by=common_pb2.Sort(key="nope")
        ),
        "limit": common_pb2.ResourceListRequest(id=scope),
        "invalid pagination token": common_pb2.ResourceListRequest(id=scope, limit=3, token="-4"),
        "missing domain": common_pb2.ResourceListRequest(
            id=common_pb2.NamedEntityIdentifier(project=project), limit=3
        ),
    }
    for expected, request in cases.items():
        with pytest.raises(grpc.RpcError) as refused:
            admin.ListTasks(request)
        assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT, expected
        assert expected in refused.value.details()
