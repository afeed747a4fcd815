"""Execution use cases: CreateExecution on the launch-plan path (admin.md §3.1) and GetExecution
(§3.5); GetExecutionData lives with the other data reads (service/execution_data.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol, TypeAlias

from flyteidl.admin import execution_pb2, launch_plan_pb2
from flyteidl.core import identifier_pb2, literals_pb2

from flightdeck_admin.domain import executions, executions_launch
from flightdeck_admin.domain.attributes import (
    AttributeKey,
    ExecutionConfigLayer,
    MatchableRecord,
    MatchableResource,
    WorkflowExecutionConfig,
)
from flightdeck_admin.domain.errors import EntityNotFound
from flightdeck_admin.domain.executions_launch import EXECUTION_CREATED, ExecutionRecord
from flightdeck_admin.service.launch_plans import LaunchPlanStore
from flightdeck_admin.service.workflows import WorkflowStore
from flightdeck_storage import ObjectStore, layout, literals

ExecutionId: TypeAlias = identifier_pb2.WorkflowExecutionIdentifier


class ExecutionStore(Protocol):
    async def insert(self, record: ExecutionRecord) -> None:
        """Raises EntityAlreadyExists when (project, domain, name) is taken; nothing is written
        then."""

    async def get(self, execution_id: ExecutionId) -> ExecutionRecord:
        """Raises EntityNotFound."""


class LaunchGate(Protocol):
    async def require_active(self, project_id: str, domain: str) -> None: ...


class AttributeResolver(Protocol):
    async def effective(self, query: AttributeKey) -> MatchableRecord: ...


class Executions:
    def __init__(
        self,
        store: ExecutionStore,
        launch_plans: LaunchPlanStore,
        workflows: WorkflowStore,
        projects: LaunchGate,
        attributes: AttributeResolver,
        blobs: ObjectStore,
        defaults: WorkflowExecutionConfig,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._launch_plans = launch_plans
        self._workflows = workflows
        self._projects = projects
        self._attributes = attributes
        self._blobs = blobs
        self._defaults = defaults
        self._clock = clock

    async def create(self, request: execution_pb2.ExecutionCreateRequest) -> ExecutionId:
        executions_launch.validate_create(request)
        await self._projects.require_active(request.project, request.domain)
        launch_plan = await self._launch_plans.get(request.spec.launch_plan)
        user = executions_launch.user_inputs(request)
        merged = executions.merge_inputs(
            user, launch_plan.spec.fixed_inputs, launch_plan.closure.expected_inputs
        )
        workflow = await self._workflows.get(launch_plan.spec.workflow_id)
        execution_id = ExecutionId(
            project=request.project,
            domain=request.domain,
            name=request.name or executions.generate_name(),
        )
        await self._refuse_taken(execution_id)
        inputs_uri = await self._offload(execution_id, "inputs", merged)
        user_inputs_uri = await self._offload(execution_id, "user_inputs", user)
        config = await self._config(request, launch_plan)
        namespace = f"{request.project}-{request.domain}"
        spec = executions_launch.stored_spec(request, launch_plan, config, namespace)
        execution = executions_launch.new_execution(execution_id, spec, workflow.id, self._clock())
        created = executions_launch.OutboxMessage(EXECUTION_CREATED, execution_id, inputs_uri)
        await self._store.insert(
            ExecutionRecord(execution, inputs_uri, user_inputs_uri, (created,))
        )
        return execution_id

    async def get(self, execution_id: ExecutionId) -> execution_pb2.Execution:
        executions_launch.require_execution_id(execution_id)
        return (await self._store.get(execution_id)).execution

    async def _refuse_taken(self, execution_id: ExecutionId) -> None:
        """Checked before the blobs are written so that a plain retry of a taken name cannot
        overwrite the stored execution's inputs; the unique index still decides a race."""
        try:
            await self._store.get(execution_id)
        except EntityNotFound:
            return
        raise executions_launch.execution_exists(execution_id)

    async def _offload(
        self, execution_id: ExecutionId, item: str, inputs: literals_pb2.LiteralMap
    ) -> str:
        key = layout.execution_data(
            execution_id.project, execution_id.domain, execution_id.name, item
        )
        await literals.write_literal_map(self._blobs, key, inputs)
        return self._blobs.native_url(key)

    async def _config(
        self,
        request: execution_pb2.ExecutionCreateRequest,
        launch_plan: launch_plan_pb2.LaunchPlan,
    ) -> WorkflowExecutionConfig:
        """Request, launch plan, workflow-level then project-level matchable configs, defaults."""
        workflow_name = launch_plan.spec.workflow_id.name
        layers: list[ExecutionConfigLayer] = [request.spec, launch_plan.spec]
        for key in (
            AttributeKey(_WEC, request.project, request.domain, workflow_name),
            AttributeKey(_WEC, request.project),
        ):
            try:
                record = await self._attributes.effective(key)
            except EntityNotFound:
                continue
            layers.append(record.attributes.workflow_execution_config)
        layers.append(self._defaults)
        return executions_launch.resolve_config(layers, [request.spec, launch_plan.spec])


_WEC = MatchableResource.WORKFLOW_EXECUTION_CONFIG
