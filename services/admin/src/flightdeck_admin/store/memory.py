"""In-memory stores with the same contract as the MongoDB ones (tests/contract runs both)."""

from __future__ import annotations

from flyteidl.admin import project_pb2

from flightdeck_admin.domain.errors import EntityAlreadyExists, EntityNotFound


class InMemoryProjectStore:
    def __init__(self) -> None:
        self._projects: dict[str, bytes] = {}

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
