"""The task cache in MongoDB (layout: ``flightdeck_records.task_cache``). Reservations follow
datacatalog's: an expiry of ``3 heartbeats`` that the holder extends, taken by anyone once it
has passed; the upsert of an unclaimable one hits the ``_id`` and reads the holder instead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flyteidl.core import identifier_pb2
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, DuplicateKeyError

from flightdeck_executor.domain.cache_keys import CacheKey
from flightdeck_executor.service.ports import StoreUnavailable
from flightdeck_platform import faults
from flightdeck_records import task_cache as layout
from flightdeck_records.task_cache import CacheEntry

GRACE_MULTIPLIER = 3
"""datacatalog's ``heartbeatGracePeriodMultiplier``: a holder may miss two heartbeats."""

_translated = faults.translated(
    (ConnectionFailure,), lambda error: StoreUnavailable(f"MongoDB is unavailable: {error}")
)


def _key(key: CacheKey) -> str:
    dataset = key.dataset
    return layout.entry_key(dataset.project, dataset.domain, dataset.name, dataset.version, key.tag)


def _dataset(key: CacheKey) -> dict[str, str]:
    dataset = key.dataset
    return {
        "project": dataset.project,
        "domain": dataset.domain,
        "name": dataset.name,
        "version": dataset.version,
    }


def _now() -> datetime:
    # Millisecond precision, as BSON keeps it, so what is written compares as it was meant.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class MongoTaskCache:
    def __init__(self, database: AsyncDatabase) -> None:
        self._entries = database[layout.ARTIFACTS]
        self._reservations = database[layout.RESERVATIONS]

    @_translated
    async def get(self, key: CacheKey, task_id: identifier_pb2.Identifier) -> CacheEntry | None:
        document = await self._entries.find_one({"_id": _key(key)})
        return None if document is None else layout.entry_of(document, task_id)

    @_translated
    async def put(self, key: CacheKey, entry: CacheEntry) -> str:
        document = self._document(key, entry)
        try:
            await self._entries.insert_one(document)
        except DuplicateKeyError:
            kept = await self._entries.find_one({"_id": document["_id"]}, {layout.ARTIFACT_ID: 1})
            if kept is not None:
                return str(kept[layout.ARTIFACT_ID])
            # Evicted between the two calls: the entry is ours to add after all.
            await self._entries.replace_one({"_id": document["_id"]}, document, upsert=True)
        return entry.artifact_id

    @_translated
    async def update(self, key: CacheKey, entry: CacheEntry) -> str:
        document = self._document(key, entry)
        await self._entries.replace_one({"_id": document["_id"]}, document, upsert=True)
        return entry.artifact_id

    @_translated
    async def reserve(self, key: CacheKey, owner: str, heartbeat: timedelta) -> str:
        now = _now()
        claim = layout.reservation_document(owner, now + heartbeat * GRACE_MULTIPLIER)
        try:
            taken = await self._reservations.find_one_and_update(
                layout.claimable(_key(key), owner, now),
                {"$set": claim},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            taken = await self._reservations.find_one({"_id": _key(key)})
        # None: released between the two calls; the next round claims it.
        return "" if taken is None else str(taken[layout.OWNER])

    @_translated
    async def release(self, key: CacheKey, owner: str) -> None:
        await self._reservations.delete_one({"_id": _key(key), layout.OWNER: owner})

    def _document(self, key: CacheKey, entry: CacheEntry) -> dict[str, object]:
        return layout.entry_document(_key(key), _dataset(key), key.tag, entry, _now())
