"""What a CreateExecution runs (admin.md §3.1 steps 2 and 4, §3.2): a launch plan and its
workflow, or, for a task launched directly, the ``.flytegen.`` workflow and launch plan made for
it on its first launch and marked SYSTEM_GENERATED."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from cachetools import LRUCache
from flyteidl.admin import common_pb2, execution_pb2, launch_plan_pb2, task_pb2, workflow_pb2
from flyteidl.core import identifier_pb2

from flightdeck_admin.domain import registration, single_task
from flightdeck_admin.domain.copies import copied
from flightdeck_admin.domain.errors import EntityAlreadyExists
from flightdeck_admin.service.launch_plans import LaunchPlanStore
from flightdeck_admin.service.named_entities import NamedEntityStore, name_of
from flightdeck_admin.service.workflows import WorkflowStore

RegisterWorkflow = Callable[[workflow_pb2.WorkflowCreateRequest], Awaitable[None]]
_GENERATED = common_pb2.SYSTEM_GENERATED


class TaskReader(Protocol):
    async def get(self, task_id: identifier_pb2.Identifier) -> task_pb2.Task:
        """Raises EntityNotFound."""


@dataclass(frozen=True)
class Launchable:
    launch_plan: launch_plan_pb2.LaunchPlan
    workflow: workflow_pb2.Workflow
    single_task: bool = False


class Launchables:
    """A launch plan version and its workflow are immutable once registered, except the plan's
    ACTIVE state, which a launch does not read: resolved pairs are kept (``max_entries`` of
    them, least recently used dropped) and handed out as copies."""

    def __init__(
        self,
        launch_plans: LaunchPlanStore,
        workflows: WorkflowStore,
        tasks: TaskReader,
        register_workflow: RegisterWorkflow,
        names: NamedEntityStore,
        max_entries: int = 1024,
    ) -> None:
        self._launch_plans = launch_plans
        self._workflows = workflows
        self._tasks = tasks
        self._register_workflow = register_workflow
        self._names = names
        self._resolved: LRUCache[bytes, Launchable] = LRUCache(maxsize=max_entries)

    async def resolve(self, request: execution_pb2.ExecutionCreateRequest) -> Launchable:
        entity = request.spec.launch_plan
        if entity.resource_type == identifier_pb2.TASK:
            return await self._single_task(request)
        key = entity.SerializeToString(deterministic=True)
        if (resolved := self._resolved.get(key)) is None:
            launch_plan = await self._launch_plans.get(entity)
            workflow = await self._workflows.get(launch_plan.spec.workflow_id)
            resolved = self._resolved[key] = Launchable(launch_plan, workflow)
        return Launchable(copied(resolved.launch_plan), copied(resolved.workflow))

    async def _single_task(self, request: execution_pb2.ExecutionCreateRequest) -> Launchable:
        task = await self._tasks.get(request.spec.launch_plan)
        template = task.closure.compiled_task.template
        workflow_request = single_task.workflow_request(template)
        with contextlib.suppress(EntityAlreadyExists):  # the same task makes the same workflow
            await self._register_workflow(workflow_request)
        await self._mark_generated(identifier_pb2.WORKFLOW, workflow_request.id)
        plan = await self._generated_plan(single_task.launch_plan(template, request))
        await self._mark_generated(identifier_pb2.LAUNCH_PLAN, plan.id)
        workflow = await self._workflows.get(workflow_request.id)
        return Launchable(plan, workflow, single_task=True)

    async def _generated_plan(self, plan: launch_plan_pb2.LaunchPlan) -> launch_plan_pb2.LaunchPlan:
        """Inserted directly: its workflow id names the task (a reference quirk), which the
        launch plan use case would refuse as an unknown workflow."""
        try:
            await self._launch_plans.insert(plan, registration.digest(plan), "NONE")
        except EntityAlreadyExists:
            return await self._launch_plans.get(plan.id)
        return plan

    async def _mark_generated(self, resource_type: int, entity: identifier_pb2.Identifier) -> None:
        name = name_of(entity)
        await self._names.ensure(resource_type, name)
        metadata = await self._names.metadata(resource_type, name)
        if metadata.state != _GENERATED:
            metadata.state = _GENERATED
            await self._names.save_metadata(resource_type, name, metadata)
