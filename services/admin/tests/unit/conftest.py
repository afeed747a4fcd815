"""The execution use cases wired on in-memory fakes and a local object store, shared by the
execution unit tests."""

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
    task_pb2,
    workflow_pb2,
)
from flyteidl.core import identifier_pb2, interface_pb2, literals_pb2, tasks_pb2, types_pb2

from flightdeck_admin.domain.errors import EntityAlreadyExists, EntityNotFound
from flightdeck_admin.domain.outbox import OutboxMessage
from flightdeck_admin.domain.task_resources import PlatformResources
from flightdeck_admin.service.attributes import MatchableAttributes
from flightdeck_admin.service.executions import Executions, LaunchSettings
from flightdeck_admin.service.executions_lifecycle import ExecutionLifecycle
from flightdeck_admin.service.launches import Launchables
from flightdeck_admin.service.outbox import Outbox
from flightdeck_admin.service.projects import Projects
from flightdeck_admin.store.executions_memory import InMemoryExecutionStore
from flightdeck_admin.store.memory import InMemoryProjectStore, InMemoryTaskStore
from flightdeck_admin.store.memory_attributes import InMemoryMatchableAttributeStore
from flightdeck_storage import LocalObjectStore, literals

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
TASK_ID = identifier_pb2.Identifier(
    resource_type=identifier_pb2.TASK,
    project="p",
    domain="development",
    name="mod.square",
    version="v1",
)


def int_literal(value: int) -> literals_pb2.Literal:
    return literals_pb2.Literal(
        scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=value))
    )


def create_request(name: str = "", **inputs: int) -> execution_pb2.ExecutionCreateRequest:
    request = execution_pb2.ExecutionCreateRequest(project="p", domain="development", name=name)
    request.spec.launch_plan.CopyFrom(LP_ID)
    for key, value in inputs.items():
        request.inputs.literals[key].CopyFrom(int_literal(value))
    return request


class _Versioned:
    """A launch plan or workflow store reduced to what executions use."""

    def __init__(self) -> None:
        self.stored: dict[bytes, object] = {}

    @staticmethod
    def _key(entity_id: identifier_pb2.Identifier) -> bytes:
        return entity_id.SerializeToString(deterministic=True)

    async def get(self, entity_id: identifier_pb2.Identifier):  # type: ignore[no-untyped-def]
        try:
            return self.stored[self._key(entity_id)]
        except KeyError:
            raise EntityNotFound(f"{entity_id.name} not found") from None

    async def insert(self, entity, digest: str = "", kind: str = "") -> None:  # type: ignore[no-untyped-def]
        if self._key(entity.id) in self.stored:
            raise EntityAlreadyExists(f"{entity.id.name} already exists")
        self.stored[self._key(entity.id)] = entity


class _Names:
    def __init__(self) -> None:
        self.metadata_of: dict[tuple[int, str], common_pb2.NamedEntityMetadata] = {}

    async def ensure(self, resource_type: int, entity_id: common_pb2.NamedEntityIdentifier) -> None:
        self.metadata_of.setdefault(
            (resource_type, entity_id.name), common_pb2.NamedEntityMetadata()
        )

    async def metadata(self, resource_type, entity_id):  # type: ignore[no-untyped-def]
        return self.metadata_of[(resource_type, entity_id.name)]

    async def save_metadata(self, resource_type, entity_id, metadata) -> None:  # type: ignore[no-untyped-def]
        self.metadata_of[(resource_type, entity_id.name)] = metadata


class RecordingPublisher:
    """Stands in for Kafka in use-case tests (the real publisher has its own integration test)."""

    def __init__(self) -> None:
        self.published: list[OutboxMessage] = []
        self.failing = False

    async def publish(self, execution_id, message: OutboxMessage) -> None:  # type: ignore[no-untyped-def]
        if self.failing:
            raise ConnectionError("broker unreachable")
        self.published.append(message)


class _ParentNodes:
    def __init__(self) -> None:
        self.known: set[str] = set()

    async def exists(self, node_execution_id: identifier_pb2.NodeExecutionIdentifier) -> bool:
        return f"{node_execution_id.execution_id.name}/{node_execution_id.node_id}" in self.known


class World:
    NOW = NOW
    LP_ID = LP_ID
    WF_ID = WF_ID
    TASK_ID = TASK_ID
    int_literal = staticmethod(int_literal)
    request = staticmethod(create_request)

    def __init__(self, root: Path) -> None:
        self.executions = InMemoryExecutionStore()
        self.launch_plans = _Versioned()
        self.workflows = _Versioned()
        self.tasks = InMemoryTaskStore()
        self.names = _Names()
        self.parents = _ParentNodes()
        self.project_store = InMemoryProjectStore()
        self.projects = Projects(self.project_store, ["development"])
        self.attribute_store = InMemoryMatchableAttributeStore()
        self.attributes = MatchableAttributes(self.attribute_store, self.projects)
        self.blobs = LocalObjectStore(root)
        self.publisher = RecordingPublisher()
        self.outbox = Outbox(self.executions, self.publisher, self.blobs, clock=lambda: NOW)
        launchables = Launchables(
            self.launch_plans,  # type: ignore[arg-type]
            self.workflows,  # type: ignore[arg-type]
            self.tasks,
            self._register_workflow,
            self.names,
        )
        settings = LaunchSettings(
            matchable_resource_pb2.WorkflowExecutionConfig(max_parallelism=25),
            PlatformResources({"cpu": "2", "memory": "200Mi"}, {"cpu": "2", "memory": "1Gi"}),
            parent_node_wait_seconds=0.3,
        )
        self.use_case = Executions(
            self.executions,
            launchables,
            self.projects,
            self.attributes,
            self.parents,
            self.blobs,
            self.outbox,
            settings,
            clock=lambda: NOW,
        )
        self.lifecycle = ExecutionLifecycle(
            self.executions, self.use_case, self.outbox, self.blobs, clock=lambda: NOW
        )

    async def inputs_of(
        self, execution_id: identifier_pb2.WorkflowExecutionIdentifier
    ) -> literals_pb2.LiteralMap:
        """The merged inputs the execution recorded, read back from the object store."""
        stored = await self.executions.get(execution_id)
        return await literals.read_literal_map(self.blobs, self.blobs.key_of(stored.inputs_uri))

    async def _register_workflow(self, request: workflow_pb2.WorkflowCreateRequest) -> None:
        """Stores the skeleton uncompiled: enough for the use case, which only forwards it."""
        workflow = workflow_pb2.Workflow(id=request.id)
        workflow.closure.compiled_workflow.primary.template.CopyFrom(request.spec.template)
        await self.workflows.insert(workflow)

    async def register(self) -> None:
        await self.project_store.insert(
            project_pb2.Project(id="p", name="p", labels=common_pb2.Labels(values={"org": "x"}))
        )
        expected = interface_pb2.ParameterMap(
            parameters={
                "x": interface_pb2.Parameter(var=interface_pb2.Variable(type=INT), required=True),
                "y": interface_pb2.Parameter(
                    var=interface_pb2.Variable(type=INT), default=int_literal(7)
                ),
            }
        )
        launch_plan = launch_plan_pb2.LaunchPlan(id=LP_ID)
        launch_plan.spec.workflow_id.CopyFrom(WF_ID)
        launch_plan.spec.labels.values["team"] = "ml"
        launch_plan.closure.expected_inputs.CopyFrom(expected)
        await self.launch_plans.insert(launch_plan)
        workflow = workflow_pb2.Workflow(id=WF_ID)
        task = workflow.closure.compiled_workflow.tasks.add().template
        task.id.CopyFrom(TASK_ID)
        task.container.image = "python"
        task.container.resources.requests.add(name=tasks_pb2.Resources.CPU, value="4")
        await self.workflows.insert(workflow)
        await self.tasks.insert(_task(), "digest", "python-task")


def _task() -> task_pb2.Task:
    template = tasks_pb2.TaskTemplate(id=TASK_ID, type="python-task")
    template.interface.inputs.variables["n"].type.CopyFrom(INT)
    template.interface.outputs.variables["o0"].type.CopyFrom(INT)
    template.container.image = "python"
    task = task_pb2.Task(id=TASK_ID)
    task.closure.compiled_task.template.CopyFrom(template)
    return task


@pytest.fixture
async def world(tmp_path: Path) -> World:
    created = World(tmp_path)
    await created.register()
    return created
