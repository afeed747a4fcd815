"""Matchable attribute use cases (admin.md §6.2): project, project-domain and workflow levels,
each behind its gate, and the effective record a launch uses."""

from __future__ import annotations

from typing import Protocol

from flyteidl.admin import project_pb2

from flightdeck_admin.domain import attributes
from flightdeck_admin.domain.attributes import (
    AttributeKey,
    AttributesChange,
    MatchableRecord,
    MatchingAttributes,
    WorkflowExecutionConfig,
)
from flightdeck_admin.domain.errors import (
    EntityNotFound,
    InvalidField,
    MissingField,
    ProjectNotUsable,
)
from flightdeck_admin.domain.projects import ACTIVE


class MatchableAttributeStore(Protocol):
    async def put(self, record: MatchableRecord) -> None:
        """Creates or wholly replaces the record at ``record.key``."""

    async def amend(self, key: AttributeKey, change: AttributesChange) -> None:
        """Stores ``change(current)`` at ``key`` (``current`` is None when nothing is stored).
        Atomic per key: a concurrent writer's update is never lost. Raises
        AttributeUpdateContended when conflicts keep recurring."""

    async def get(self, key: AttributeKey) -> MatchableRecord:
        """The record at exactly ``key``; raises EntityNotFound."""

    async def candidates(self, query: AttributeKey) -> list[MatchableRecord]:
        """Every record of ``query``'s type whose each scope part is empty or equal to the
        query's; at least those, in any order."""

    async def delete(self, key: AttributeKey) -> None:
        """Removes the record at exactly ``key``; nothing stored there is not an error."""

    async def list(self, resource_type: int) -> list[MatchableRecord]:
        """Every record of that type, in any order."""


class ProjectDirectory(Protocol):
    """What the attribute use cases need of the project use cases (``Projects`` fits)."""

    async def require_active(self, project_id: str, domain: str) -> None: ...

    async def get(self, project_id: str) -> project_pb2.Project: ...


class MatchableAttributes:
    def __init__(
        self,
        store: MatchableAttributeStore,
        projects: ProjectDirectory,
        execution_defaults: WorkflowExecutionConfig | None = None,
    ) -> None:
        self._store = store
        self._projects = projects
        if execution_defaults is None:
            execution_defaults = WorkflowExecutionConfig()
        self._execution_defaults = execution_defaults

    async def update_project_domain(
        self, project: str, domain: str, matching: MatchingAttributes | None
    ) -> None:
        await self._require_project_domain(project, domain)
        await self._write(attributes.record_of(matching, project, domain))

    async def get_project_domain(
        self, project: str, domain: str, resource_type: int
    ) -> MatchableRecord:
        await self._require_project_domain(project, domain)
        return await self.effective(AttributeKey(resource_type, project, domain))

    async def delete_project_domain(self, project: str, domain: str, resource_type: int) -> None:
        await self._require_project_domain(project, domain)
        await self._store.delete(AttributeKey(resource_type, project, domain))

    async def update_workflow(
        self, project: str, domain: str, workflow: str, matching: MatchingAttributes | None
    ) -> None:
        await self._require_workflow(project, domain, workflow)
        await self._write(attributes.record_of(matching, project, domain, workflow))

    async def get_workflow(
        self, project: str, domain: str, workflow: str, resource_type: int
    ) -> MatchableRecord:
        await self._require_workflow(project, domain, workflow)
        return await self.effective(AttributeKey(resource_type, project, domain, workflow))

    async def delete_workflow(
        self, project: str, domain: str, workflow: str, resource_type: int
    ) -> None:
        await self._require_workflow(project, domain, workflow)
        await self._store.delete(AttributeKey(resource_type, project, domain, workflow))

    async def update_project(self, project: str, matching: MatchingAttributes | None) -> None:
        await self._require_active_project(project)
        await self._write(attributes.record_of(matching, project))

    async def get_project(self, project: str, resource_type: int) -> MatchingAttributes:
        """The project-level record only; execution configs are completed with the configured
        defaults, which also stand in when the project has none."""
        await self._registered(project, "exists")
        key = AttributeKey(resource_type, project)
        try:
            stored = (await self._store.get(key)).attributes
        except EntityNotFound:
            if resource_type != attributes.MatchableResource.WORKFLOW_EXECUTION_CONFIG:
                raise
            return MatchingAttributes(workflow_execution_config=self._execution_defaults)
        return self._with_execution_defaults(stored)

    async def delete_project(self, project: str, resource_type: int) -> None:
        await self._require_active_project(project)
        await self._store.delete(AttributeKey(resource_type, project))

    async def list(self, resource_type: int) -> list[MatchableRecord]:
        if resource_type not in attributes.MatchableResource.values():
            raise InvalidField("resource_type", f"{resource_type} is not a matchable resource")
        return attributes.listing_order(await self._store.list(resource_type))

    async def effective(self, query: AttributeKey) -> MatchableRecord:
        """The record that applies to ``query`` (most specific wins); raises EntityNotFound,
        below which callers fall back to configuration."""
        return attributes.select(await self._store.candidates(query), query)

    async def _write(self, record: MatchableRecord) -> None:
        """Plugin overrides merge with what is stored, so they need an atomic read-modify-write;
        every other type is replaced whole."""
        incoming = record.attributes
        if incoming.WhichOneof("target") == "plugin_overrides":
            await self._store.amend(record.key, lambda stored: attributes.updated(stored, incoming))
        else:
            await self._store.put(record)

    def _with_execution_defaults(self, stored: MatchingAttributes) -> MatchingAttributes:
        if stored.WhichOneof("target") != "workflow_execution_config":
            return stored
        merged = attributes.fill_unset(stored.workflow_execution_config, self._execution_defaults)
        return MatchingAttributes(workflow_execution_config=merged)

    async def _require_project_domain(self, project: str, domain: str) -> None:
        if not project:
            raise MissingField("project")
        await self._projects.require_active(project, domain)

    async def _require_workflow(self, project: str, domain: str, workflow: str) -> None:
        await self._require_project_domain(project, domain)
        if not workflow:
            raise MissingField("name")

    async def _require_active_project(self, project: str) -> None:
        stored = await self._registered(project, "is registered")
        if stored.state != ACTIVE:
            raise ProjectNotUsable(f"project [{project}] is not active")

    async def _registered(self, project: str, claim: str) -> project_pb2.Project:
        if not project:
            raise MissingField("project")
        try:
            return await self._projects.get(project)
        except EntityNotFound:
            raise ProjectNotUsable(
                f"failed to validate that project [{project}] {claim}, err: [project not found]"
            ) from None
