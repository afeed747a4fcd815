"""Launch plan use cases (admin.md §2.3, §2.4)."""

from __future__ import annotations

from typing import Protocol

from flyteidl.admin import launch_plan_pb2
from flyteidl.core import identifier_pb2

from flightdeck_admin.domain import identifiers, launch_plans, registration, schedules
from flightdeck_admin.domain.errors import (
    DifferentStructure,
    EntityAlreadyExists,
    EntityNotFound,
    InvalidField,
    MissingField,
)
from flightdeck_admin.service.named_entities import NameRecorder, name_of
from flightdeck_admin.service.projects import Projects
from flightdeck_admin.service.workflows import WorkflowStore

ACTIVE = launch_plan_pb2.ACTIVE
INACTIVE = launch_plan_pb2.INACTIVE


class LaunchPlanStore(Protocol):
    async def insert(
        self, launch_plan: launch_plan_pb2.LaunchPlan, digest: str, schedule_type: str
    ) -> None:
        """Raises EntityAlreadyExists; stamps created_at/updated_at; state as given."""

    async def get(self, launch_plan_id: identifier_pb2.Identifier) -> launch_plan_pb2.LaunchPlan:
        """Raises EntityNotFound; closure.state reflects activation."""

    async def digest(self, launch_plan_id: identifier_pb2.Identifier) -> str:
        """Raises EntityNotFound."""

    async def activate(self, launch_plan_id: identifier_pb2.Identifier) -> None:
        """Makes this version the one active version of its name."""

    async def deactivate(self, launch_plan_id: identifier_pb2.Identifier) -> None: ...

    async def get_active(self, project: str, domain: str, name: str) -> launch_plan_pb2.LaunchPlan:
        """Raises EntityNotFound when no version of the name is active."""

    async def list_active(
        self, request: launch_plan_pb2.ActiveLaunchPlanListRequest, scope: dict[str, str]
    ) -> tuple[list[launch_plan_pb2.LaunchPlan], str]: ...


class LaunchPlans:
    def __init__(
        self,
        store: LaunchPlanStore,
        workflows: WorkflowStore,
        projects: Projects,
        names: NameRecorder,
    ) -> None:
        self._store = store
        self._names = names
        self._workflows = workflows
        self._projects = projects

    async def create(self, request: launch_plan_pb2.LaunchPlanCreateRequest) -> None:
        if not request.HasField("spec"):
            raise MissingField("spec")
        identifiers.require_complete(request.spec.workflow_id, identifiers.WORKFLOW)
        workflow = await self._workflows.get(request.spec.workflow_id)
        identifiers.require_complete(request.id, identifiers.LAUNCH_PLAN)
        await self._projects.require_active(request.id.project, request.id.domain)
        launch_plans.validate_spec(request.spec)
        interface = workflow.closure.compiled_workflow.primary.template.interface
        expected = launch_plans.expected_inputs(request.spec, interface.inputs)
        launch_plans.validate_schedule(request.spec.entity_metadata.schedule, expected)
        launch_plan = launch_plan_pb2.LaunchPlan(id=request.id, spec=request.spec)
        launch_plan.spec.default_inputs.CopyFrom(expected)
        launch_plan.closure.expected_inputs.CopyFrom(expected)
        launch_plan.closure.expected_outputs.CopyFrom(interface.outputs)
        digest = registration.digest(launch_plan)
        await self._refuse_if_registered(launch_plan, digest)
        launch_plan.closure.state = INACTIVE
        schedule_type = schedules.kind(request.spec.entity_metadata.schedule)
        try:
            await self._store.insert(launch_plan, digest, schedule_type)
        except EntityAlreadyExists:
            await self._refuse_if_registered(launch_plan, digest)
            raise
        await self._names.ensure(identifiers.LAUNCH_PLAN, name_of(request.id))

    async def _refuse_if_registered(
        self, launch_plan: launch_plan_pb2.LaunchPlan, digest: str
    ) -> None:
        try:
            stored_digest = await self._store.digest(launch_plan.id)
        except EntityNotFound:
            return
        if stored_digest == digest:
            await self._names.ensure(identifiers.LAUNCH_PLAN, name_of(launch_plan.id))
            raise EntityAlreadyExists("launch plan with identical structure already exists")
        stored = await self._store.get(launch_plan.id)
        stored.closure.ClearField("state")
        stored.closure.ClearField("created_at")
        stored.closure.ClearField("updated_at")
        raise DifferentStructure(
            f"{launch_plan.id.name} launch plan with different structure already exists. "
            "(Please register a new version of the launch plan):\n"
            + registration.structure_diff(stored, launch_plan)
        )

    async def get(self, launch_plan_id: identifier_pb2.Identifier) -> launch_plan_pb2.LaunchPlan:
        launch_plan_id = identifiers.defaulted(launch_plan_id, identifiers.LAUNCH_PLAN)
        identifiers.require_complete(launch_plan_id, identifiers.LAUNCH_PLAN)
        return await self._store.get(launch_plan_id)

    async def update(self, launch_plan_id: identifier_pb2.Identifier, state: int) -> None:
        launch_plan_id = identifiers.defaulted(launch_plan_id, identifiers.LAUNCH_PLAN)
        identifiers.require_complete(launch_plan_id, identifiers.LAUNCH_PLAN)
        if state not in (ACTIVE, INACTIVE):
            raise InvalidField("state")
        await self._store.get(launch_plan_id)
        if state == ACTIVE:
            await self._store.activate(launch_plan_id)
        else:
            await self._store.deactivate(launch_plan_id)

    async def list_active(
        self, request: launch_plan_pb2.ActiveLaunchPlanListRequest
    ) -> launch_plan_pb2.LaunchPlanList:
        scope = identifiers.project_domain_scope(request.project, request.domain)
        found, token = await self._store.list_active(request, scope)
        return launch_plan_pb2.LaunchPlanList(launch_plans=found, token=token)

    async def get_active(self, project: str, domain: str, name: str) -> launch_plan_pb2.LaunchPlan:
        for field, value in (("project", project), ("domain", domain), ("name", name)):
            if not value:
                raise MissingField(field)
        try:
            return await self._store.get_active(project, domain, name)
        except EntityNotFound:
            raise EntityNotFound(
                f"No active launch plan could be found: {project}:{domain}:{name}"
            ) from None
