"""What the use cases need from the outside world; adapters in store/ implement these."""

from __future__ import annotations

from typing import Protocol

from flyteidl.admin import project_pb2


class ProjectStore(Protocol):
    async def insert(self, project: project_pb2.Project) -> None:
        """Raises EntityAlreadyExists when the id is taken."""

    async def get(self, project_id: str) -> project_pb2.Project:
        """Raises EntityNotFound."""

    async def replace(self, project: project_pb2.Project) -> None:
        """Raises EntityNotFound when the project does not exist."""

    async def list_page(
        self, request: project_pb2.ProjectListRequest
    ) -> tuple[list[project_pb2.Project], str]:
        """One page and the token of the next ('' when there is none)."""
