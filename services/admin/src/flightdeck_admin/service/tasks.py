"""Task use cases: CreateTask, GetTask (admin.md §2.1)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from flyteidl.admin import task_pb2
from flyteidl.core import compiler_pb2, identifier_pb2, tasks_pb2

from flightdeck_admin.domain import identifiers, registration, tasks
from flightdeck_admin.domain.errors import DifferentStructure, EntityAlreadyExists
from flightdeck_admin.service.description_entities import (
    DescriptionEntityStore,
    of_registration,
)
from flightdeck_admin.service.named_entities import NameRecorder, name_of
from flightdeck_admin.service.projects import Projects

CompileTask = Callable[[tasks_pb2.TaskTemplate], compiler_pb2.CompiledTask]


class TaskStore(Protocol):
    async def insert(self, task: task_pb2.Task, digest: str, task_type: str) -> None:
        """Raises EntityAlreadyExists when the id is taken; sets closure.created_at."""

    async def get(self, task_id: identifier_pb2.Identifier) -> task_pb2.Task:
        """Raises EntityNotFound."""

    async def digest(self, task_id: identifier_pb2.Identifier) -> str:
        """Raises EntityNotFound."""


class Tasks:
    def __init__(
        self,
        store: TaskStore,
        projects: Projects,
        limits: tasks.ResourceLimits,
        compile_task: CompileTask,
        descriptions: DescriptionEntityStore,
        names: NameRecorder,
    ) -> None:
        self._store = store
        self._descriptions = descriptions
        self._names = names
        self._projects = projects
        self._limits = limits
        self._compile = compile_task

    async def create(self, request: task_pb2.TaskCreateRequest) -> task_pb2.Task:
        identifiers.require_complete(request.id, identifiers.TASK)
        await self._projects.require_active(request.id.project, request.id.domain)
        tasks.validate_spec(request.spec, self._limits)
        template = tasks_pb2.TaskTemplate()
        template.CopyFrom(request.spec.template)
        template.id.CopyFrom(request.id)
        task = task_pb2.Task(
            id=request.id,
            closure=task_pb2.TaskClosure(compiled_task=self._compile(template)),
            short_description=request.spec.description.short_description,
        )
        digest = registration.digest(task.closure.compiled_task)
        try:
            await self._store.insert(task, digest, template.type)
        except EntityAlreadyExists:
            await self._refuse_duplicate(request, task, digest)
        await self._describe(request)
        return task

    async def _describe(self, request: task_pb2.TaskCreateRequest) -> None:
        """The records beside a version: written after it, and again on a replay."""
        await self._names.ensure(identifiers.TASK, name_of(request.id))
        if request.spec.HasField("description"):
            await self._descriptions.ensure(of_registration(request.id, request.spec.description))

    async def _refuse_duplicate(
        self, request: task_pb2.TaskCreateRequest, task: task_pb2.Task, digest: str
    ) -> None:
        if await self._store.digest(request.id) == digest:
            await self._describe(request)  # repairs a description lost to a crash in between
            raise EntityAlreadyExists("task with identical structure already exists") from None
        stored = await self._store.get(request.id)
        raise DifferentStructure(
            f"{request.id.name} task with different structure already exists. (Please register a "
            "new version of the task):\n"
            + registration.structure_diff(stored.closure.compiled_task, task.closure.compiled_task),
        ) from None

    async def get(self, task_id: identifier_pb2.Identifier) -> task_pb2.Task:
        task_id = identifiers.defaulted(task_id, identifiers.TASK)
        identifiers.require_complete(task_id, identifiers.TASK)
        return await self._store.get(task_id)
