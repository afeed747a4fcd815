"""Description entities in MongoDB, written once per registered task or workflow version."""

from __future__ import annotations

from typing import Any

from flyteidl.admin import description_entity_pb2
from flyteidl.core import identifier_pb2
from pymongo import IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

import flightdeck_listing as listing
from flightdeck_admin.domain.errors import EntityNotFound
from flightdeck_admin.store.documents import blob_of, message_from, now
from flightdeck_admin.store.listing import list_request

COLLECTION = "description_entities"
KEY = ("resource_type", "project", "domain", "name", "version")
INDEX = IndexModel([(f, 1) for f in KEY], unique=True, name="description_entity")


def _key(identifier: identifier_pb2.Identifier) -> dict[str, Any]:
    return {field: getattr(identifier, field) for field in KEY}


class MongoDescriptionEntityStore:
    def __init__(self, collection: AsyncCollection) -> None:
        self._entities = collection

    async def ensure(self, entity: description_entity_pb2.DescriptionEntity) -> None:
        """Insert if absent, never overwrite: replaying a registration repairs a missing one."""
        moment = now()
        document = {
            **_key(entity.id),
            "short_description": entity.short_description,
            "link": entity.source_code.link,
            "created_at": moment,
            "updated_at": moment,
            "blob": blob_of(entity),
        }
        try:
            await self._entities.update_one(
                _key(entity.id), {"$setOnInsert": document}, upsert=True
            )
        except DuplicateKeyError:
            return  # a concurrent registration wrote the same entity first

    async def get(
        self, identifier: identifier_pb2.Identifier
    ) -> description_entity_pb2.DescriptionEntity:
        document = await self._entities.find_one(_key(identifier))
        if document is None:
            raise EntityNotFound("entry not found")
        return message_from(document, description_entity_pb2.DescriptionEntity)

    async def list_page(
        self, request: description_entity_pb2.DescriptionEntityListRequest, scope: dict[str, str]
    ) -> tuple[list[description_entity_pb2.DescriptionEntity], str]:
        schema = listing.description_entities(request.resource_type)
        page = await list_request(self._entities, schema, request, base_filter=scope)
        found = [message_from(d, description_entity_pb2.DescriptionEntity) for d in page.documents]
        return found, page.token
