"""Project use cases, and the project/domain gate every registration passes (admin.md §1.2)."""

from __future__ import annotations

from collections.abc import Sequence

from flyteidl.admin import project_pb2

from flightdeck_admin.domain import projects
from flightdeck_admin.domain.errors import EntityNotFound, MissingField, ProjectNotUsable
from flightdeck_admin.service.ports import ProjectStore
from flightdeck_platform import faults


class Projects:
    def __init__(self, store: ProjectStore, domains: Sequence[str]) -> None:
        self._store = store
        self._domains = tuple(domains)

    def domains(self) -> list[project_pb2.Domain]:
        return [project_pb2.Domain(id=d, name=d) for d in self._domains]

    def _with_domains(self, project: project_pb2.Project) -> project_pb2.Project:
        project.domains.extend(self.domains())
        return project

    async def register(self, project: project_pb2.Project) -> None:
        projects.validate_project(project, name_required=True)
        await self._store.insert(project)

    async def seed(self, project_ids: Sequence[str]) -> None:
        """Registers each project that does not exist yet (the sandbox's ``flytesnacks``)."""
        for project_id in project_ids:
            try:
                await self.register(project_pb2.Project(id=project_id, name=project_id))
            except faults.AlreadyExists:
                continue

    async def update(self, project: project_pb2.Project) -> None:
        projects.validate_project_id(project.id)
        stored = await self._store.get(project.id)
        projects.validate_project(project, name_required=False)
        await self._store.replace(projects.merge_update(stored, project))

    async def get(self, project_id: str) -> project_pb2.Project:
        if not project_id:
            raise MissingField("project_id")
        return self._with_domains(await self._store.get(project_id))

    async def list(self, request: project_pb2.ProjectListRequest) -> project_pb2.Projects:
        found, token = await self._store.list_page(request)
        return project_pb2.Projects(projects=[self._with_domains(p) for p in found], token=token)

    async def require_active(self, project_id: str, domain: str) -> project_pb2.Project:
        """The gate of registrations, launches and project-domain attributes; returns the
        project as stored."""
        try:
            project = await self._store.get(project_id)
        except EntityNotFound:
            raise ProjectNotUsable(
                f"failed to validate that project [{project_id}] and domain [{domain}] are "
                "registered, err: [project not found]"
            ) from None
        if project.state != projects.ACTIVE:
            raise ProjectNotUsable(
                f"project [{project_id}] is not active",
                details=[project_pb2.InactiveProject(id=project_id)],
            )
        if domain not in self._domains:
            raise ProjectNotUsable(f"domain [{domain}] is unrecognized by system")
        return project
