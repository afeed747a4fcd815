"""Versioned entities (tasks, workflows, launch plans): one document per (project, domain,
name, version), unique, so concurrent registrations of one id leave one record."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from flyteidl.admin import common_pb2
from flyteidl.core import identifier_pb2
from google.protobuf.message import Message
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from flightdeck_admin.domain.errors import EntityAlreadyExists
from flightdeck_admin.domain.identifiers import missing_entity
from flightdeck_admin.store.documents import blob_of, message_from, now
from flightdeck_admin.store.listing import list_request
from flightdeck_listing import ListingSchema

ID_FIELDS = ("project", "domain", "name", "version")

UNIQUE_ID_INDEX = IndexModel([(f, ASCENDING) for f in ID_FIELDS], unique=True, name="identifier")

Entity = TypeVar("Entity", bound=Message)


def id_filter(identifier: identifier_pb2.Identifier) -> dict[str, Any]:
    return {field: getattr(identifier, field) for field in ID_FIELDS}


def describe(identifier: identifier_pb2.Identifier) -> str:
    return "/".join(getattr(identifier, field) for field in ID_FIELDS)


class MongoVersionedStore(Generic[Entity]):
    """The entity message (with ``id`` and ``closure.created_at``) is the blob; ``promoted``
    fields sit beside it for queries."""

    def __init__(
        self,
        collection: AsyncCollection,
        message_type: type[Entity],
        kind: str,
        schemas: tuple[ListingSchema, ListingSchema],
        resource_type: int,
    ) -> None:
        self._collection = collection
        self._type = message_type
        self._kind = kind
        self._resource_type = resource_type
        self._schema, self._ids_schema = schemas

    async def _insert(self, entity: Entity, digest: str, **promoted: Any) -> None:
        moment = now()
        stored = self._type()
        stored.CopyFrom(entity)
        stored.closure.created_at.FromDatetime(moment)  # type: ignore[attr-defined]
        entity_id = entity.id  # type: ignore[attr-defined]
        document = {
            **id_filter(entity_id),
            **promoted,
            "created_at": moment,
            "updated_at": moment,
            "digest": digest,
            "blob": blob_of(stored),
        }
        try:
            await self._collection.insert_one(document)
        except DuplicateKeyError as error:
            raise EntityAlreadyExists(
                f"{self._kind} [{describe(entity_id)}] already exists"
            ) from error

    async def _find(self, entity_id: identifier_pb2.Identifier, field: str) -> dict[str, Any]:
        document = await self._collection.find_one(id_filter(entity_id), projection=[field])
        if document is None:
            raise missing_entity(self._resource_type, entity_id)
        return document

    async def get(self, entity_id: identifier_pb2.Identifier) -> Entity:
        return message_from(await self._find(entity_id, "blob"), self._type)

    async def digest(self, entity_id: identifier_pb2.Identifier) -> str:
        return str((await self._find(entity_id, "digest"))["digest"])

    def _from_document(self, document: dict[str, Any]) -> Entity:
        return message_from(document, self._type)

    async def list_page(self, request: Any, scope: dict[str, str]) -> tuple[list[Entity], str]:
        page = await list_request(self._collection, self._schema, request, base_filter=scope)
        return [self._from_document(d) for d in page.documents], page.token

    async def list_ids(
        self, request: Any, scope: dict[str, str]
    ) -> tuple[list[common_pb2.NamedEntityIdentifier], str]:
        page = await list_request(self._collection, self._ids_schema, request, base_filter=scope)
        names = [
            common_pb2.NamedEntityIdentifier(
                project=d["project"], domain=d["domain"], name=d["name"]
            )
            for d in page.documents
        ]
        return names, page.token
