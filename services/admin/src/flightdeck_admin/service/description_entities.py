"""Description entities: recorded beside tasks and workflows, read by GetDescriptionEntity."""

from __future__ import annotations

from typing import Protocol

from flyteidl.admin import description_entity_pb2
from flyteidl.core import identifier_pb2

from flightdeck_admin.domain import identifiers
from flightdeck_admin.domain.errors import MissingField


class DescriptionEntityStore(Protocol):
    async def ensure(self, entity: description_entity_pb2.DescriptionEntity) -> None:
        """Insert if absent; never overwrite."""

    async def get(
        self, identifier: identifier_pb2.Identifier
    ) -> description_entity_pb2.DescriptionEntity:
        """Raises EntityNotFound."""

    async def list_page(
        self, request: description_entity_pb2.DescriptionEntityListRequest, scope: dict[str, str]
    ) -> tuple[list[description_entity_pb2.DescriptionEntity], str]: ...


def of_registration(
    entity_id: identifier_pb2.Identifier, spec: description_entity_pb2.DescriptionEntity
) -> description_entity_pb2.DescriptionEntity:
    entity = description_entity_pb2.DescriptionEntity()
    entity.CopyFrom(spec)
    entity.id.CopyFrom(entity_id)
    return entity


class DescriptionEntities:
    def __init__(self, store: DescriptionEntityStore) -> None:
        self._store = store

    async def get(
        self, identifier: identifier_pb2.Identifier
    ) -> description_entity_pb2.DescriptionEntity:
        identifier = identifiers.defaulted(identifier, identifiers.TASK)
        identifiers.require_complete(identifier, identifier.resource_type)
        entity = await self._store.get(identifier)
        entity.long_description.SetInParent()
        entity.source_code.SetInParent()
        return entity

    async def list(
        self, request: description_entity_pb2.DescriptionEntityListRequest
    ) -> description_entity_pb2.DescriptionEntityList:
        if not request.id.name:
            raise MissingField("name")
        scope = identifiers.named_scope(request.id.project, request.id.domain, request.id.name)
        found, token = await self._store.list_page(request, scope)
        return description_entity_pb2.DescriptionEntityList(descriptionEntities=found, token=token)
