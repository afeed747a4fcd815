"""Tasks in MongoDB: the admin ``Task`` (id, closure, short description) as the blob."""

from __future__ import annotations

from flyteidl.admin import task_pb2
from pymongo.asynchronous.collection import AsyncCollection

import flightdeck_listing as listing
from flightdeck_admin.domain.identifiers import TASK
from flightdeck_admin.store.versioned import MongoVersionedStore

COLLECTION = "tasks"


class MongoTaskStore(MongoVersionedStore[task_pb2.Task]):
    def __init__(self, collection: AsyncCollection) -> None:
        super().__init__(collection, task_pb2.Task, "task", (listing.TASKS, listing.TASK_IDS), TASK)

    async def insert(self, task: task_pb2.Task, digest: str, task_type: str) -> None:
        await self._insert(task, digest, type=task_type, short_description=task.short_description)
