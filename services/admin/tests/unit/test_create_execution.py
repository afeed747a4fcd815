"""CreateExecution on the launch-plan path and GetExecution (admin.md §3.1, §3.5),
with in-memory fakes and a local object store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from flyteidl.admin import (
    common_pb2,
    execution_pb2,
    launch_plan_pb2,
    matchable_resource_pb2,
    project_pb2,
    workflow_pb2,
)
from flyteidl.core import identifier_pb2, interface_pb2, literals_pb2, security_pb2, types_pb2

from flightdeck_admin.domain.attributes import AttributeKey
from flightdeck_admin.domain.errors import (
    EntityAlreadyExists,
    EntityNotFound,
    MissingField,
    ProjectNotUsable,
)
from flightdeck_admin.domain.executions import InputsRejected
from flightdeck_admin.domain.executions_launch import (
    EXECUTION_CREATED,
    SingleTaskLaunchUnsupported,
)
from flightdeck_admin.service.attributes import MatchableAttributes
from flightdeck_admin.service.executions import Executions
from flightdeck_admin.service.projects import Projects
from flightdeck_admin.store.executions_memory import InMemoryExecutionStore
from flightdeck_admin.store.memory import InMemoryProjectStore
from flightdeck_admin.store.memory_attributes import InMemoryMatchableAttributeStore
from flightdeck_storage import LocalObjectStore, layout, literals

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
INT = types_pb2.LiteralType(simple=types_pb2.INTEGER)
LP_ID = identifier_pb2.Identifier(
    resource_type=identifier_pb2.LAUNCH_PLAN,
    project="p",
    domain="development",
    name="lp",
    version="v1",
)
WF_ID = identifier_pb2.Identifier(
    resource_type=identifier_pb2.WORKFLOW,
    project="p",
    domain="development",
    name="wf",
    version="v1",
)


def _int(value: int) -> literals_pb2.Literal:
    return literals_pb2.Literal(
        scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=value))
    )


class _LaunchPlans:
    def __init__(self) -> None:
        self.stored: dict[bytes, launch_plan_pb2.LaunchPlan] = {}

    async def get(self, launch_plan_id: identifier_pb2.Identifier) -> launch_plan_pb2.LaunchPlan:
        try:
            return self.stored[launch_plan_id.SerializeToString(deterministic=True)]
        except KeyError:
            raise EntityNotFound("launch plan not found") from None


class _Workflows:
    def __init__(self) -> None:
        self.stored: dict[bytes, workflow_pb2.Workflow] = {}

    async def get(self, workflow_id: identifier_pb2.Identifier) -> workflow_pb2.Workflow:
        try:
            return self.stored[workflow_id.SerializeToString(deterministic=True)]
        except KeyError:
            raise EntityNotFound("workflow not found") from None


class World:
    def __init__(self, root: Path) -> None:
        self.executions = InMemoryExecutionStore()
        self.launch_plans = _LaunchPlans()
        self.workflows = _Workflows()
        self.project_store = InMemoryProjectStore()
        projects = Projects(self.project_store, ["development"])
        self.attribute_store = InMemoryMatchableAttributeStore()
        self.attributes = MatchableAttributes(self.attribute_store, projects)
        self.blobs = LocalObjectStore(root)
        defaults = matchable_resource_pb2.WorkflowExecutionConfig(max_parallelism=25)
        self.use_case = Executions(
            self.executions,
            self.launch_plans,
            self.workflows,
            projects,
            self.attributes,
            self.blobs,
            defaults,
            clock=lambda: NOW,
        )

    async def register(self) -> None:
        await self.project_store.insert(project_pb2.Project(id="p", name="p"))
        expected = interface_pb2.ParameterMap(
            parameters={
                "x": interface_pb2.Parameter(var=interface_pb2.Variable(type=INT), required=True),
                "y": interface_pb2.Parameter(var=interface_pb2.Variable(type=INT), default=_int(7)),
            }
        )
        launch_plan = launch_plan_pb2.LaunchPlan(id=LP_ID)
        launch_plan.spec.workflow_id.CopyFrom(WF_ID)
        launch_plan.spec.labels.values["team"] = "ml"
        launch_plan.closure.expected_inputs.CopyFrom(expected)
        self.launch_plans.stored[LP_ID.SerializeToString(deterministic=True)] = launch_plan
        workflow = workflow_pb2.Workflow(id=WF_ID)
        self.workflows.stored[WF_ID.SerializeToString(deterministic=True)] = workflow


@pytest.fixture
async def world(tmp_path: Path) -> World:
    created = World(tmp_path)
    await created.register()
    return created


def _request(name: str = "", **inputs: int) -> execution_pb2.ExecutionCreateRequest:
    request = execution_pb2.ExecutionCreateRequest(project="p", domain="development", name=name)
    request.spec.launch_plan.CopyFrom(LP_ID)
    for key, value in inputs.items():
        request.inputs.literals[key].CopyFrom(_int(value))
    return request


async def test_create_stores_the_execution_with_the_reference_closure(world: World) -> None:
    execution_id = await world.use_case.create(_request("run1", x=1))
    assert (execution_id.project, execution_id.domain, execution_id.name) == (
        "p",
        "development",
        "run1",
    )
    stored = await world.use_case.get(execution_id)
    closure = stored.closure
    assert closure.phase == 0
    assert closure.created_at.ToDatetime(UTC) == NOW == closure.updated_at.ToDatetime(UTC)
    assert closure.workflow_id == WF_ID
    assert closure.state_change_details.state == execution_pb2.EXECUTION_ACTIVE
    assert stored.spec.max_parallelism == 25
    assert stored.spec.security_context.HasField("run_as")
    assert dict(stored.spec.labels.values) == {"team": "ml"}
    assert stored.spec.metadata.system_metadata.namespace == "p-development"
    assert not stored.spec.inputs.literals


async def test_create_offloads_merged_and_user_inputs_at_the_reference_layout(
    world: World,
) -> None:
    execution_id = await world.use_case.create(_request("run1", x=1))
    record = await world.executions.get(execution_id)
    inputs_key = layout.execution_data("p", "development", "run1", "inputs")
    assert record.inputs_uri == world.blobs.native_url(inputs_key)
    merged = await literals.read_literal_map(world.blobs, inputs_key)
    assert dict(merged.literals) == {"x": _int(1), "y": _int(7)}
    user_key = layout.execution_data("p", "development", "run1", "user_inputs")
    assert record.user_inputs_uri == world.blobs.native_url(user_key)
    assert dict((await literals.read_literal_map(world.blobs, user_key)).literals) == {"x": _int(1)}
    assert [m.kind for m in record.pending_messages] == [EXECUTION_CREATED]
    assert record.pending_messages[0].execution_id == execution_id


async def test_a_name_is_generated_when_none_is_given(world: World) -> None:
    execution_id = await world.use_case.create(_request(x=1))
    assert len(execution_id.name) == 20 and execution_id.name.startswith("a")


async def test_a_duplicate_name_already_exists_and_keeps_the_first(world: World) -> None:
    await world.use_case.create(_request("run1", x=1))
    with pytest.raises(EntityAlreadyExists):
        await world.use_case.create(_request("run1", x=2))
    stored = await world.executions.get(
        identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="development", name="run1")
    )
    inputs = await literals.read_literal_map(world.blobs, world.blobs.key_of(stored.inputs_uri))
    assert inputs.literals["x"] == _int(1)


@pytest.mark.parametrize(
    ("inputs", "message"),
    [({}, "expected_inputs x missing"), ({"x": 1, "z": 2}, "invalid input z")],
)
async def test_inputs_that_do_not_fit_are_refused_naming_the_input(
    world: World, inputs: dict[str, int], message: str
) -> None:
    with pytest.raises(InputsRejected, match=message):
        await world.use_case.create(_request("run1", **inputs))
    with pytest.raises(EntityNotFound):
        await world.use_case.get(
            identifier_pb2.WorkflowExecutionIdentifier(
                project="p", domain="development", name="run1"
            )
        )


async def test_a_mistyped_input_is_refused_naming_it(world: World) -> None:
    request = _request("run1")
    request.inputs.literals["x"].scalar.primitive.string_value = "one"
    with pytest.raises(InputsRejected, match="invalid x input wrong type"):
        await world.use_case.create(request)


async def test_request_shape_checks_name_the_field(world: World) -> None:
    request = _request("run1", x=1)
    request.project = ""
    with pytest.raises(MissingField, match="project"):
        await world.use_case.create(request)
    request = _request("run1", x=1)
    request.spec.launch_plan.version = ""
    with pytest.raises(MissingField, match=r"launch_plan\.version"):
        await world.use_case.create(request)
    request = _request("run1", x=1)
    request.spec.launch_plan.resource_type = identifier_pb2.TASK
    with pytest.raises(SingleTaskLaunchUnsupported):
        await world.use_case.create(request)


async def test_unknown_project_and_launch_plan_are_refused(world: World) -> None:
    request = _request("run1", x=1)
    request.project = "absent"
    with pytest.raises(ProjectNotUsable):
        await world.use_case.create(request)
    request = _request("run1", x=1)
    request.spec.launch_plan.version = "v9"
    with pytest.raises(EntityNotFound):
        await world.use_case.create(request)


async def test_matchable_execution_config_fills_what_request_and_launch_plan_leave_unset(
    world: World,
) -> None:
    config = matchable_resource_pb2.WorkflowExecutionConfig(
        max_parallelism=5,
        raw_output_data_config=common_pb2.RawOutputDataConfig(output_location_prefix="s3://b/raw"),
        security_context=security_pb2.SecurityContext(
            run_as=security_pb2.Identity(k8s_service_account="runner")
        ),
        annotations=common_pb2.Annotations(values={"note": "x"}),
        labels=common_pb2.Labels(values={"from": "attrs"}),
    )
    await world.attributes.update_workflow(
        "p",
        "development",
        "wf",
        matchable_resource_pb2.MatchingAttributes(workflow_execution_config=config),
    )
    request = _request("run1", x=1)
    request.spec.max_parallelism = 3
    spec = (await world.use_case.get(await world.use_case.create(request))).spec
    assert spec.max_parallelism == 3
    assert spec.raw_output_data_config.output_location_prefix == "s3://b/raw"
    assert spec.security_context.run_as.k8s_service_account == "runner"
    assert dict(spec.annotations.values) == {"note": "x"}
    assert dict(spec.labels.values) == {"team": "ml"}, "the launch plan's labels come first"
    assert await world.attributes.effective(AttributeKey(6, "p", "development", "wf"))


async def test_get_of_an_unknown_execution_is_not_found_with_the_reference_message(
    world: World,
) -> None:
    missing = identifier_pb2.WorkflowExecutionIdentifier(
        project="p", domain="development", name="nope"
    )
    with pytest.raises(EntityNotFound, match="missing entity of type execution"):
        await world.use_case.get(missing)
    with pytest.raises(MissingField, match="name"):
        await world.use_case.get(
            identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="development")
        )
