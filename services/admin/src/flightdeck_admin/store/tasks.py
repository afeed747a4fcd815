"""Tasks in MongoDB: the admin ``Task`` (id, closure, short description) as the blob."""

from __future__ import annotations

from flyteidl.admin import task_pb2
from flyteidl.core import identifier_pb2
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from flightdeck_admin.domain.errors import EntityAlreadyExists, EntityNotFound
from flightdeck_admin.store.documents import blob_of, message_from, now
from flightdeck_admin.store.versioned import describe, id_filter

COLLECTION = "tasks"


class MongoTaskStore:
    def __init__(self, collection: AsyncCollection) -> None:
        self._tasks = collection

    async def insert(self, task: task_pb2.Task, digest: str, task_type: str) -> None:
        moment = now()
        stored = task_pb2.Task()
        stored.CopyFrom(task)
        stored.closure.created_at.FromDatetime(moment)
        document = {
            **id_filter(task.id),
            "created_at": moment,
            "updated_at": moment,
            "type": task_type,
            "short_description": task.short_description,
            "digest": digest,
            "blob": blob_of(stored),
        }
        try:
            await self._tasks.insert_one(document)
        except DuplicateKeyError as error:
            raise EntityAlreadyExists(f"task [{describe(task.id)}] already exists") from error

    async def _find(self, task_id: identifier_pb2.Identifier, *fields: str) -> dict:  # type: ignore[type-arg]
        document = await self._tasks.find_one(id_filter(task_id), projection=list(fields))
        if document is None:
            raise EntityNotFound(f"task [{describe(task_id)}] not found")
        return document

    async def get(self, task_id: identifier_pb2.Identifier) -> task_pb2.Task:
        return message_from(await self._find(task_id, "blob"), task_pb2.Task)

    async def digest(self, task_id: identifier_pb2.Identifier) -> str:
        return str((await self._find(task_id, "digest"))["digest"])
