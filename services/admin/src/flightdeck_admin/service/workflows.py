"""Workflow use cases: CreateWorkflow (compile, then store), GetWorkflow (admin.md §2.2)."""

from __future__ import annotations

from typing import Protocol

from flyteidl.admin import launch_plan_pb2, workflow_pb2
from flyteidl.core import identifier_pb2

import flightdeck_compiler as compiler
from flightdeck_admin.domain import identifiers, registration, workflows
from flightdeck_admin.domain.errors import EntityAlreadyExists, EntityNotFound, MissingField
from flightdeck_admin.service.description_entities import (
    DescriptionEntityStore,
    of_registration,
)
from flightdeck_admin.service.named_entities import NameRecorder, name_of
from flightdeck_admin.service.projects import Projects
from flightdeck_admin.service.tasks import TaskStore


class WorkflowStore(Protocol):
    async def insert(self, workflow: workflow_pb2.Workflow, digest: str) -> None:
        """Raises EntityAlreadyExists when the id is taken; sets closure.created_at."""

    async def get(self, workflow_id: identifier_pb2.Identifier) -> workflow_pb2.Workflow:
        """Raises EntityNotFound."""

    async def digest(self, workflow_id: identifier_pb2.Identifier) -> str:
        """Raises EntityNotFound."""


class LaunchPlanReader(Protocol):
    async def get(self, launch_plan_id: identifier_pb2.Identifier) -> launch_plan_pb2.LaunchPlan:
        """Raises EntityNotFound."""


class Workflows:
    def __init__(
        self,
        store: WorkflowStore,
        tasks: TaskStore,
        launch_plans: LaunchPlanReader,
        projects: Projects,
        descriptions: DescriptionEntityStore,
        names: NameRecorder,
        max_nodes: int = workflows.MAX_WORKFLOW_NODES,
    ) -> None:
        self._store = store
        self._descriptions = descriptions
        self._names = names
        self._tasks = tasks
        self._launch_plans = launch_plans
        self._projects = projects
        self._max_nodes = max_nodes

    async def create(self, request: workflow_pb2.WorkflowCreateRequest) -> None:
        identifiers.require_complete(request.id, identifiers.WORKFLOW)
        await self._projects.require_active(request.id.project, request.id.domain)
        if not request.spec.HasField("template"):
            raise MissingField("spec.template")
        spec = workflow_pb2.WorkflowSpec()
        spec.CopyFrom(request.spec)
        spec.template.id.CopyFrom(request.id)
        closure = await self._compile(spec)
        workflows.check_size(closure, self._max_nodes)
        workflow = workflow_pb2.Workflow(
            id=request.id, short_description=spec.description.short_description
        )
        workflow.closure.compiled_workflow.CopyFrom(closure)
        digest = registration.digest(closure)
        await self._refuse_if_registered(request, digest)
        try:
            await self._store.insert(workflow, digest)
        except EntityAlreadyExists:
            await self._refuse_if_registered(request, digest)
            raise
        await self._describe(request)

    async def _describe(self, request: workflow_pb2.WorkflowCreateRequest) -> None:
        """The records beside a version: written after it, and again on a replay."""
        await self._names.ensure(identifiers.WORKFLOW, name_of(request.id))
        if request.spec.HasField("description"):
            await self._descriptions.ensure(of_registration(request.id, request.spec.description))

    async def _compile(self, spec: workflow_pb2.WorkflowSpec):  # type: ignore[no-untyped-def]
        references = compiler.required_references(spec)
        tasks = [
            (await self._required(self._tasks.get, spec, task_id)).closure.compiled_task.template
            for task_id in references.tasks
        ]
        launch_plans = [
            compiler.LaunchPlanInterface.of(
                await self._required(self._launch_plans.get, spec, lp_id), id=lp_id
            )
            for lp_id in references.launch_plans
        ]
        return compiler.compile_workflow(
            spec, compiler.index_tasks(tasks), compiler.index_launch_plans(launch_plans)
        )

    @staticmethod
    async def _required(get, spec, reference):  # type: ignore[no-untyped-def]
        try:
            return await get(reference)
        except EntityNotFound:
            raise workflows.MissingReference(spec.template.id, reference) from None

    async def _refuse_if_registered(
        self, request: workflow_pb2.WorkflowCreateRequest, digest: str
    ) -> None:
        try:
            stored = await self._store.digest(request.id)
        except EntityNotFound:
            return
        if stored == digest:
            await self._describe(request)  # repairs records lost to a crash in between
        workflows.refuse_existing(request.id, same_structure=stored == digest)

    async def get(self, workflow_id: identifier_pb2.Identifier) -> workflow_pb2.Workflow:
        workflow_id = identifiers.defaulted(workflow_id, identifiers.WORKFLOW)
        identifiers.require_complete(workflow_id, identifiers.WORKFLOW)
        return await self._store.get(workflow_id)
