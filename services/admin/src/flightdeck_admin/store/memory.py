"""In-memory stores with the same contract as the MongoDB ones (tests/contract runs both)."""

from __future__ import annotations

from flyteidl.admin import project_pb2, task_pb2
from flyteidl.core import identifier_pb2

import flightdeck_listing as listing
from flightdeck_admin.domain import identifiers
from flightdeck_admin.domain.errors import EntityAlreadyExists, EntityNotFound


class InMemoryProjectStore:
    def __init__(self) -> None:
        self._projects: dict[str, bytes] = {}

    async def list_page(
        self, request: project_pb2.ProjectListRequest
    ) -> tuple[list[project_pb2.Project], str]:
        arguments = listing.arguments_of(request)
        plan = listing.plan_listing(
            listing.PROJECTS, arguments.filters, arguments.sort_by, arguments.limit, arguments.token
        )
        projects = [project_pb2.Project.FromString(b) for b in self._projects.values()]
        rows = [
            {
                "_id": p.id,
                "identifier": p.id,
                "name": p.name,
                "description": p.description,
                "state": int(p.state),
                "project": p,
            }
            for p in projects
        ]
        page, token = listing.select_page(plan, rows)
        return [row["project"] for row in page], token

    async def insert(self, project: project_pb2.Project) -> None:
        if project.id in self._projects:
            raise EntityAlreadyExists(f"project [{project.id}] already exists")
        self._projects[project.id] = _without_domains(project)

    async def get(self, project_id: str) -> project_pb2.Project:
        if project_id not in self._projects:
            raise EntityNotFound(f"project [{project_id}] not found")
        return project_pb2.Project.FromString(self._projects[project_id])

    async def replace(self, project: project_pb2.Project) -> None:
        if project.id not in self._projects:
            raise EntityNotFound(f"project [{project.id}] not found")
        self._projects[project.id] = _without_domains(project)


def _without_domains(project: project_pb2.Project) -> bytes:
    stored = project_pb2.Project()
    stored.CopyFrom(project)
    del stored.domains[:]
    return stored.SerializeToString()


class InMemoryTaskStore:
    def __init__(self) -> None:
        self._tasks: dict[tuple[int, str, str, str, str], tuple[bytes, str]] = {}

    async def insert(self, task: task_pb2.Task, digest: str, task_type: str) -> None:
        key = identifiers.key(task.id)
        if key in self._tasks:
            raise EntityAlreadyExists(f"task [{identifiers.describe(task.id)}] already exists")
        stored = task_pb2.Task()
        stored.CopyFrom(task)
        stored.closure.created_at.GetCurrentTime()
        self._tasks[key] = (stored.SerializeToString(), digest)

    def _entry(self, task_id: identifier_pb2.Identifier) -> tuple[bytes, str]:
        entry = self._tasks.get(identifiers.key(task_id))
        if entry is None:
            raise identifiers.missing_entity(identifiers.TASK, task_id)
        return entry

    async def get(self, task_id: identifier_pb2.Identifier) -> task_pb2.Task:
        return task_pb2.Task.FromString(self._entry(task_id)[0])

    async def digest(self, task_id: identifier_pb2.Identifier) -> str:
        return self._entry(task_id)[1]
