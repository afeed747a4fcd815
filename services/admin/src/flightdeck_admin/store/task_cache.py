"""Eviction's side of the task cache and of the node executions, in MongoDB. The cache layout
and its reservations are ``flightdeck_records.task_cache`` (the executor populates it); the
node execution's cache status is written as the projector writes it (``cache_status`` and the
blob), conditionally on the blob read, so an update in between is not overwritten."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from flyteidl.core import identifier_pb2
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from flightdeck_admin.domain import cache_eviction as rules
from flightdeck_records import node_executions, task_cache, task_executions
from flightdeck_records.documents import BLOB
from flightdeck_records.node_executions import NodeRecord
from flightdeck_records.task_executions import TaskRecord

GRACE_MULTIPLIER = 3
"""datacatalog's: a reservation lasts three heartbeats."""


class NodeChanged(Exception):
    """The node execution changed between the read and the eviction's update."""


class MongoTaskCacheEntries:
    def __init__(self, database: AsyncDatabase) -> None:
        self._entries = database[task_cache.ARTIFACTS]
        self._reservations = database[task_cache.RESERVATIONS]

    async def reserve(self, key: str, owner: str, heartbeat: timedelta) -> str:
        now = datetime.now(UTC)
        claim = task_cache.reservation_document(owner, now + heartbeat * GRACE_MULTIPLIER)
        try:
            taken = await self._reservations.find_one_and_update(
                task_cache.claimable(key, owner, now),
                {"$set": claim},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            taken = await self._reservations.find_one({"_id": key})
        return "" if taken is None else str(taken[task_cache.OWNER])

    async def release(self, key: str, owner: str) -> None:
        await self._reservations.delete_one({"_id": key, task_cache.OWNER: owner})

    async def delete(self, key: str, artifact_id: str) -> None:
        await self._entries.delete_one({"_id": key, task_cache.ARTIFACT_ID: artifact_id})


class MongoCachedNodes:
    def __init__(self, database: AsyncDatabase) -> None:
        self._nodes = database[node_executions.COLLECTION]
        self._tasks = database[task_executions.COLLECTION]

    async def launched_by(self, task_keys: Sequence[str]) -> list[NodeRecord]:
        if not task_keys:
            return []
        query = {node_executions.PARENT_TASK_EXECUTION_ID: {"$in": list(task_keys)}}
        return [node_executions.node_record_of(d) async for d in self._nodes.find(query)]

    async def attempts_of(
        self, nodes: Sequence[identifier_pb2.NodeExecutionIdentifier]
    ) -> list[TaskRecord]:
        if not nodes:
            return []
        query = {"$or": [_attempts_filter(node) for node in nodes]}
        return [task_executions.task_record_of(d) async for d in self._tasks.find(query)]

    async def mark_evicted(self, record: NodeRecord) -> None:
        node = record.node
        changed = await self._nodes.update_one(
            {
                "_id": node_executions.node_key(node.id),
                BLOB: node.SerializeToString(deterministic=True),
            },
            {
                "$set": {
                    node_executions.CACHE_STATUS: "CACHE_EVICTED",
                    BLOB: rules.evicted(node).SerializeToString(deterministic=True),
                    "updated_at": datetime.now(UTC),
                }
            },
        )
        if changed.matched_count == 0:
            raise NodeChanged(f"node execution {node.id.node_id} changed while being evicted")


def _attempts_filter(node: identifier_pb2.NodeExecutionIdentifier) -> dict[str, str]:
    execution = node.execution_id
    return {
        task_executions.EXECUTION_PROJECT: execution.project,
        task_executions.EXECUTION_DOMAIN: execution.domain,
        task_executions.EXECUTION_NAME: execution.name,
        task_executions.NODE_ID: node.node_id,
    }
