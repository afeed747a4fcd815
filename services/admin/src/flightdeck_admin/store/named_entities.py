"""Named entities in MongoDB: one document per (resource type, project, domain, name), written
when the first version registers, carrying the entity's metadata (description, state)."""

from __future__ import annotations

from typing import Any

from flyteidl.admin import common_pb2
from pymongo import IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

import flightdeck_listing as listing
from flightdeck_admin.store.documents import now
from flightdeck_admin.store.listing import list_request

COLLECTION = "named_entities"
KEY = ("resource_type", "project", "domain", "name")
INDEX = IndexModel([(f, 1) for f in KEY], unique=True, name="named_entity")


def _key(resource_type: int, entity_id: common_pb2.NamedEntityIdentifier) -> dict[str, Any]:
    return {
        "resource_type": resource_type,
        "project": entity_id.project,
        "domain": entity_id.domain,
        "name": entity_id.name,
    }


def _entity(document: dict[str, Any]) -> common_pb2.NamedEntity:
    return common_pb2.NamedEntity(
        resource_type=document["resource_type"],
        id=common_pb2.NamedEntityIdentifier(
            project=document["project"], domain=document["domain"], name=document["name"]
        ),
        metadata=common_pb2.NamedEntityMetadata(
            description=document.get("description", ""), state=document.get("state", 0)
        ),
    )


class MongoNamedEntityStore:
    def __init__(self, collection: AsyncCollection) -> None:
        self._entities = collection

    async def ensure(self, resource_type: int, entity_id: common_pb2.NamedEntityIdentifier) -> None:
        """Insert if absent; replaying a registration repairs one lost to a crash."""
        moment = now()
        defaults = {"description": "", "state": 0, "created_at": moment, "updated_at": moment}
        try:
            await self._entities.update_one(
                _key(resource_type, entity_id),
                {"$setOnInsert": {**_key(resource_type, entity_id), **defaults}},
                upsert=True,
            )
        except DuplicateKeyError:
            return  # a concurrent registration of another version wrote it first

    async def exists(self, resource_type: int, entity_id: common_pb2.NamedEntityIdentifier) -> bool:
        found = await self._entities.find_one(_key(resource_type, entity_id), projection=["_id"])
        return found is not None

    async def metadata(
        self, resource_type: int, entity_id: common_pb2.NamedEntityIdentifier
    ) -> common_pb2.NamedEntityMetadata:
        document = await self._entities.find_one(_key(resource_type, entity_id))
        return common_pb2.NamedEntityMetadata() if document is None else _entity(document).metadata

    async def save_metadata(
        self,
        resource_type: int,
        entity_id: common_pb2.NamedEntityIdentifier,
        metadata: common_pb2.NamedEntityMetadata,
    ) -> None:
        update = {"description": metadata.description, "state": int(metadata.state)}
        await self._entities.update_one(
            _key(resource_type, entity_id), {"$set": {**update, "updated_at": now()}}, upsert=True
        )

    async def list_page(
        self, request: common_pb2.NamedEntityListRequest
    ) -> tuple[list[common_pb2.NamedEntity], str]:
        scope = {
            "resource_type": request.resource_type,
            "project": request.project,
            "domain": request.domain,
        }
        page = await list_request(
            self._entities, listing.NAMED_ENTITIES, request, base_filter=scope
        )
        return [_entity(d) for d in page.documents], page.token
