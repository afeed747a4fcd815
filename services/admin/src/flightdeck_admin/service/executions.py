"""Execution use cases: CreateExecution (admin.md §3.1, §3.2) and GetExecution (§3.5);
GetExecutionData lives with the other data reads (service/execution_data.py)."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TypeAlias

from flyteidl.admin import common_pb2, execution_pb2, project_pb2
from flyteidl.core import identifier_pb2, literals_pb2
from opentelemetry import trace

from flightdeck_admin.domain import executions, executions_launch, outbox
from flightdeck_admin.domain.attributes import (
    AttributeKey,
    ExecutionConfigLayer,
    MatchableRecord,
    MatchableResource,
    MatchingAttributes,
    WorkflowExecutionConfig,
)
from flightdeck_admin.domain.errors import EntityNotFound
from flightdeck_admin.domain.executions_launch import ExecutionRecord, LaunchSource
from flightdeck_admin.domain.task_resources import PlatformResources, with_platform_resources
from flightdeck_admin.service.launches import Launchable, Launchables
from flightdeck_admin.service.outbox import Checkpoint, Outbox, no_checkpoint
from flightdeck_storage import ObjectStore, layout

ExecutionId: TypeAlias = identifier_pb2.WorkflowExecutionIdentifier

# The span attribute naming the execution a call created (``project/domain/name``): a trace
# UI finds the run's trace by it (the console links to that search).
EXECUTION_TAG = "flightdeck.execution.id"


class ExecutionStore(Protocol):
    async def insert(self, record: ExecutionRecord, now: datetime) -> None:
        """Raises EntityAlreadyExists when (project, domain, name) is taken; nothing is written
        then."""

    async def get(self, execution_id: ExecutionId) -> ExecutionRecord:
        """Raises EntityNotFound."""

    async def phase(self, execution_id: ExecutionId) -> str:
        """The phase's name; raises EntityNotFound."""

    async def request_abort(
        self,
        execution_id: ExecutionId,
        abort: execution_pb2.AbortMetadata,
        message: outbox.OutboxMessage,
        now: datetime,
    ) -> bool:
        """ABORTING + abort metadata + the message, unless terminal (then False)."""

    async def update_state(
        self,
        execution_id: ExecutionId,
        change: execution_pb2.ExecutionStateChangeDetails,
        now: datetime,
    ) -> None:
        """Raises EntityNotFound."""

    async def count_active(self, project: str, domain: str, launch_plan: str) -> int: ...

    async def list_page(
        self, request: common_pb2.ResourceListRequest, filters: str
    ) -> tuple[list[execution_pb2.Execution], str]: ...


class ProjectReader(Protocol):
    async def require_active(self, project_id: str, domain: str) -> project_pb2.Project: ...


class AttributeResolver(Protocol):
    async def effective(self, query: AttributeKey) -> MatchableRecord: ...


class ParentNodes(Protocol):
    async def exists(self, node_execution_id: identifier_pb2.NodeExecutionIdentifier) -> bool: ...


@dataclass(frozen=True)
class LaunchSettings:
    defaults: WorkflowExecutionConfig
    platform_resources: PlatformResources = field(default_factory=lambda: PlatformResources({}, {}))
    max_nesting: int = 20
    """Levels of child executions (launch-plan nodes) below a top-level one."""
    parent_node_wait_seconds: float = 10.0
    """How long a child's CreateExecution waits for its parent node execution to be projected:
    propeller launches a launch-plan node's child right after the gateway acknowledged the
    node's QUEUED event, which the projector writes a moment later."""


class Executions:
    def __init__(
        self,
        store: ExecutionStore,
        launchables: Launchables,
        projects: ProjectReader,
        attributes: AttributeResolver,
        parents: ParentNodes,
        blobs: ObjectStore,
        deliveries: Outbox,
        settings: LaunchSettings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        checkpoint: Checkpoint = no_checkpoint,
    ) -> None:
        self._store = store
        self._launchables = launchables
        self._projects = projects
        self._attributes = attributes
        self._parents = parents
        self._blobs = blobs
        self._outbox = deliveries
        self._settings = settings
        self._clock = clock
        self._checkpoint = checkpoint

    async def create(
        self,
        request: execution_pb2.ExecutionCreateRequest,
        recovery_source: ExecutionId | None = None,
        principal: str = "",
    ) -> ExecutionId:
        """``principal``: the authenticated caller, recorded in the spec's metadata."""
        executions_launch.validate_create(request)
        project, launch = await _together(
            self._projects.require_active(request.project, request.domain),
            self._launchables.resolve(request),
        )
        matching = await self._matching(request, launch)
        user = executions_launch.user_inputs(request)
        plan = launch.launch_plan
        merged = executions.merge_inputs(user, plan.spec.fixed_inputs, plan.closure.expected_inputs)
        execution_id = ExecutionId(
            project=request.project,
            domain=request.domain,
            name=request.name or executions.generate_name(),
        )
        tag = f"{execution_id.project}/{execution_id.domain}/{execution_id.name}"
        trace.get_current_span().set_attribute(EXECUTION_TAG, tag)
        spec, handed = await self._specs(request, launch, project, matching, principal)
        await self._check_concurrency(request, launch)
        now = self._clock()
        notified = handed.notifications.notifications
        execution = executions_launch.new_execution(
            execution_id, spec, launch.workflow.id, now, notified
        )
        details, user_inputs_uri = await self._write_launch_data(
            execution, launch, merged, user, recovery_source, matching
        )
        details = dataclasses.replace(details, spec=handed)
        record = ExecutionRecord(
            execution,
            details.inputs_uri,
            user_inputs_uri,
            (outbox.execution_created(execution, details, now),),
        )
        await self._store.insert(record, now)
        self._checkpoint("after_insert")
        await self._outbox.try_deliver(execution_id, record.pending_messages)
        return execution_id

    async def _matching(
        self, request: execution_pb2.ExecutionCreateRequest, launch: Launchable
    ) -> LaunchAttributes:
        """Every matchable attribute a launch reads, fetched at once: they are independent."""
        workflow_id = launch.workflow.id
        found = await _together(
            self._attribute(AttributeKey(_WEC, request.project, request.domain, workflow_id.name)),
            self._attribute(AttributeKey(_WEC, request.project)),
            self._attribute(
                AttributeKey(MatchableResource.CLUSTER_ASSIGNMENT, request.project, request.domain)
            ),
            self._attribute(
                AttributeKey(
                    MatchableResource.TASK_RESOURCE,
                    workflow_id.project,
                    workflow_id.domain,
                    workflow_id.name,
                )
            ),
        )
        return LaunchAttributes(*found)

    async def _specs(
        self,
        request: execution_pb2.ExecutionCreateRequest,
        launch: Launchable,
        project: project_pb2.Project,
        matching: LaunchAttributes,
        principal: str = "",
    ) -> tuple[execution_pb2.ExecutionSpec, execution_pb2.ExecutionSpec]:
        """Steps 7 and 9 to 11: the stored spec (the request's, with its parent) and the one
        handed to the executor (with the resolved config, labels and cluster)."""
        config = self._config(request, launch, matching)
        namespace = f"{request.project}-{request.domain}"
        spec = executions_launch.stored_spec(
            request, config, namespace, launch.single_task, principal
        )
        if request.spec.metadata.HasField("parent_node_execution"):
            parent = await self._parent(request.spec.metadata.parent_node_execution)
            executions_launch.inherit(spec, parent, self._settings.max_nesting)
        source = LaunchSource.of(launch.launch_plan, launch.single_task)
        handed = executions_launch.executor_spec(spec, source, config, dict(project.labels.values))
        stored = matching.cluster_assignment
        assignment = executions_launch.cluster_assignment(
            request.spec.cluster_assignment, stored.cluster_assignment if stored else None
        )
        if assignment.cluster_pool_name:
            handed.cluster_assignment.CopyFrom(assignment)
        return spec, handed

    async def _parent(
        self, node_execution_id: identifier_pb2.NodeExecutionIdentifier
    ) -> executions_launch.ParentExecution:
        if not await self._parent_projected(node_execution_id):
            raise EntityNotFound(
                f"parent node execution {node_execution_id.node_id} of execution "
                f"{node_execution_id.execution_id.name} not found"
            )
        parent = await self._store.get(node_execution_id.execution_id)
        return executions_launch.parent_of(parent.execution)

    async def _parent_projected(
        self, node_execution_id: identifier_pb2.NodeExecutionIdentifier
    ) -> bool:
        """Polls the projection until the node execution shows or the wait is over: flyteadmin
        finds the node it stored in the event's own request, and so must a child here."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._settings.parent_node_wait_seconds
        pause = 0.05
        while not await self._parents.exists(node_execution_id):
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(min(pause, max(0.0, deadline - loop.time())))
            pause = min(pause * 2, 0.5)
        return True

    async def _check_concurrency(
        self, request: execution_pb2.ExecutionCreateRequest, launch: Launchable
    ) -> None:
        spec = launch.launch_plan.spec
        if launch.single_task or not spec.HasField("concurrency_policy"):
            return
        running = await self._store.count_active(
            request.project, request.domain, launch.launch_plan.id.name
        )
        executions_launch.check_concurrency(spec.concurrency_policy, running)

    async def _write_launch_data(
        self,
        execution: execution_pb2.Execution,
        launch: Launchable,
        merged: literals_pb2.LiteralMap,
        user: literals_pb2.LiteralMap,
        recovery_source: ExecutionId | None,
        matching: LaunchAttributes,
    ) -> tuple[outbox.Launch, str]:
        """Writes the objects the executor reads (inputs and the compiled closure can be many
        megabytes: the execution's document only points at them, far from MongoDB's 16 MiB),
        under keys of this call alone, so a racing call for the same name cannot clobber them.
        Returns the launch and the user inputs' URI."""
        execution_id = execution.id
        stored = matching.task_resources
        resources = self._settings.platform_resources.overridden_by(
            stored.task_resource_attributes if stored else None
        )
        closure = with_platform_resources(launch.workflow.closure, resources)
        call = uuid.uuid4().hex[:16]
        keys = {
            item: layout.execution_launch_data(
                execution_id.project, execution_id.domain, execution_id.name, call, item
            )
            for item in _BLOBS
        }
        await _together(
            self._blobs.write(keys["inputs"], merged.SerializeToString()),
            self._blobs.write(keys["user_inputs"], user.SerializeToString()),
            self._blobs.write(keys["workflow_closure"], closure.SerializeToString()),
        )
        return (
            outbox.Launch(
                launch_entity=execution.spec.launch_plan,
                inputs_uri=self._blobs.native_url(keys["inputs"]),
                compiled_workflow_uri=self._blobs.native_url(keys["workflow_closure"]),
                blobs=(),
                recovery_source=recovery_source,
            ),
            self._blobs.native_url(keys["user_inputs"]),
        )

    async def _attribute(self, key: AttributeKey) -> MatchingAttributes | None:
        try:
            return (await self._attributes.effective(key)).attributes
        except EntityNotFound:
            return None

    async def get(self, execution_id: ExecutionId) -> execution_pb2.Execution:
        executions_launch.require_execution_id(execution_id)
        return (await self._store.get(execution_id)).execution

    def _config(
        self,
        request: execution_pb2.ExecutionCreateRequest,
        launch: Launchable,
        matching: LaunchAttributes,
    ) -> WorkflowExecutionConfig:
        """Request, launch plan (none for a task), workflow-level then project-level matchable
        configs, defaults (admin.md §6.3)."""
        layers: list[ExecutionConfigLayer] = [request.spec]
        legacy: list[executions_launch.LegacyAuth] = [request.spec]
        if not launch.single_task:
            layers.append(launch.launch_plan.spec)
            legacy.append(launch.launch_plan.spec)
        for stored in (matching.workflow_config, matching.project_config):
            if stored is not None:
                layers.append(stored.workflow_execution_config)
        layers.append(self._settings.defaults)
        return executions_launch.resolve_config(layers, legacy)


@dataclass(frozen=True)
class LaunchAttributes:
    """The matchable attributes that apply to one launch (None: none stored)."""

    workflow_config: MatchingAttributes | None
    project_config: MatchingAttributes | None
    cluster_assignment: MatchingAttributes | None
    task_resources: MatchingAttributes | None


async def _together(*reads: Awaitable[Any]) -> list[Any]:
    """Runs independent reads at once; a failure is raised as if they had run in order (the
    first one's first), so the caller answers what the sequential checks would have."""
    outcomes = await asyncio.gather(*reads, return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return outcomes


_WEC = MatchableResource.WORKFLOW_EXECUTION_CONFIG
_BLOBS = ("inputs", "user_inputs", "workflow_closure")
