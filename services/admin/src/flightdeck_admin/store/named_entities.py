"""Named entities over MongoDB: existence from the versioned collections, metadata in its own."""

from __future__ import annotations

from typing import Any

from flyteidl.admin import common_pb2
from flyteidl.core import identifier_pb2
from pymongo import IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from flightdeck_admin.store import launch_plans, tasks, workflows
from flightdeck_admin.store.documents import now

METADATA_COLLECTION = "named_entity_metadata"
METADATA_KEY = ("resource_type", "project", "domain", "name")
METADATA_INDEX = IndexModel([(f, 1) for f in METADATA_KEY], unique=True, name="named_entity")

VERSIONED_COLLECTIONS = {
    identifier_pb2.TASK: tasks.COLLECTION,
    identifier_pb2.WORKFLOW: workflows.COLLECTION,
    identifier_pb2.LAUNCH_PLAN: launch_plans.COLLECTION,
}


def _name(entity_id: common_pb2.NamedEntityIdentifier) -> dict[str, str]:
    return {"project": entity_id.project, "domain": entity_id.domain, "name": entity_id.name}


def _key(resource_type: int, entity_id: common_pb2.NamedEntityIdentifier) -> dict[str, Any]:
    return {"resource_type": resource_type, **_name(entity_id)}


class MongoNamedEntityStore:
    def __init__(self, database: AsyncDatabase) -> None:
        self._database = database
        self._metadata = database[METADATA_COLLECTION]

    async def exists(self, resource_type: int, entity_id: common_pb2.NamedEntityIdentifier) -> bool:
        collection = self._database[VERSIONED_COLLECTIONS[resource_type]]
        return await collection.find_one(_name(entity_id), projection=["_id"]) is not None

    async def metadata(
        self, resource_type: int, entity_id: common_pb2.NamedEntityIdentifier
    ) -> common_pb2.NamedEntityMetadata:
        document = await self._metadata.find_one(_key(resource_type, entity_id))
        if document is None:
            return common_pb2.NamedEntityMetadata()
        return common_pb2.NamedEntityMetadata(
            description=document["description"], state=document["state"]
        )

    async def save_metadata(
        self,
        resource_type: int,
        entity_id: common_pb2.NamedEntityIdentifier,
        metadata: common_pb2.NamedEntityMetadata,
    ) -> None:
        await self._metadata.update_one(
            _key(resource_type, entity_id),
            {
                "$set": {
                    "description": metadata.description,
                    "state": int(metadata.state),
                    "updated_at": now(),
                }
            },
            upsert=True,
        )
