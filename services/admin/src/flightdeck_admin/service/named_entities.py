"""Named entity use cases: GetNamedEntity, UpdateNamedEntity."""

from __future__ import annotations

from typing import Protocol

from flyteidl.admin import common_pb2
from flyteidl.core import identifier_pb2

from flightdeck_admin.domain import named_entities
from flightdeck_admin.domain.errors import EntityNotFound


class NameRecorder(Protocol):
    async def ensure(self, resource_type: int, entity_id: common_pb2.NamedEntityIdentifier) -> None:
        """Record that a version of the name exists (insert if absent)."""


class NamedEntityStore(NameRecorder, Protocol):
    async def list_page(
        self, request: common_pb2.NamedEntityListRequest
    ) -> tuple[list[common_pb2.NamedEntity], str]: ...

    async def exists(self, resource_type: int, entity_id: common_pb2.NamedEntityIdentifier) -> bool:
        """Whether any version of that name is registered."""

    async def metadata(
        self, resource_type: int, entity_id: common_pb2.NamedEntityIdentifier
    ) -> common_pb2.NamedEntityMetadata:
        """The stored metadata, or the default (active, no description)."""

    async def save_metadata(
        self,
        resource_type: int,
        entity_id: common_pb2.NamedEntityIdentifier,
        metadata: common_pb2.NamedEntityMetadata,
    ) -> None: ...


class NamedEntities:
    def __init__(self, store: NamedEntityStore) -> None:
        self._store = store

    async def _require(
        self, resource_type: int, entity_id: common_pb2.NamedEntityIdentifier
    ) -> None:
        named_entities.validate_name(resource_type, entity_id)
        if not await self._store.exists(resource_type, entity_id):
            raise EntityNotFound(
                f"entity {entity_id.project}:{entity_id.domain}:{entity_id.name} does not exist"
            )

    async def get(self, request: common_pb2.NamedEntityGetRequest) -> common_pb2.NamedEntity:
        await self._require(request.resource_type, request.id)
        metadata = await self._store.metadata(request.resource_type, request.id)
        return common_pb2.NamedEntity(
            resource_type=request.resource_type, id=request.id, metadata=metadata
        )

    async def update(self, request: common_pb2.NamedEntityUpdateRequest) -> None:
        named_entities.validate_metadata(request)
        await self._require(request.resource_type, request.id)
        stored = await self._store.metadata(request.resource_type, request.id)
        await self._store.save_metadata(
            request.resource_type, request.id, named_entities.merged(stored, request.metadata)
        )

    async def list(self, request: common_pb2.NamedEntityListRequest) -> common_pb2.NamedEntityList:
        named_entities.validate_name(
            request.resource_type,
            common_pb2.NamedEntityIdentifier(
                project=request.project, domain=request.domain, name="-"
            ),
        )
        entities, token = await self._store.list_page(request)
        return common_pb2.NamedEntityList(entities=entities, token=token)


def name_of(identifier: identifier_pb2.Identifier) -> common_pb2.NamedEntityIdentifier:
    return common_pb2.NamedEntityIdentifier(
        project=identifier.project, domain=identifier.domain, name=identifier.name
    )
