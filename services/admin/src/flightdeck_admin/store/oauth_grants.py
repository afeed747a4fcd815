"""The built-in authorization server's pending grants (``PendingGrants``) in MongoDB, shared by
every admin replica. FerretDB implements no TTL index (``expireAfterSeconds`` answers
NotImplemented), so entries carry ``keep_until`` and writes sweep the expired ones, at most
once per ``SWEEP_SECONDS``. Claims are inserts under the unique ``_id``: one winner, the only
race-safe write FerretDB offers."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pymongo import IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from flightdeck_platform.auth.issuer.pending import UnknownGrant

COLLECTION = "oauth_grants"
CLAIMS_COLLECTION = "oauth_grant_claims"
KEEP_UNTIL = "keep_until"
INDEXES = [IndexModel([(KEEP_UNTIL, 1)], name="keep_until")]
SWEEP_SECONDS = 60.0


class MongoPendingGrants:
    def __init__(self, database: AsyncDatabase, clock: Callable[[], float] = time.time) -> None:
        self._entries: AsyncCollection = database[COLLECTION]
        self._claims: AsyncCollection = database[CLAIMS_COLLECTION]
        self._clock = clock
        self._swept_at = float("-inf")

    async def _sweep(self) -> None:
        now = self._clock()
        if now - self._swept_at < SWEEP_SECONDS:
            return
        self._swept_at = now
        for collection in (self._entries, self._claims):
            await collection.delete_many({KEEP_UNTIL: {"$lt": now}})

    async def put(self, key: str, fields: dict[str, Any], keep_until: float) -> None:
        await self._sweep()
        document = {**fields, KEEP_UNTIL: keep_until}
        await self._entries.replace_one({"_id": key}, document, upsert=True)

    async def get(self, key: str) -> dict[str, Any]:
        document = await self._entries.find_one({"_id": key})
        if document is None:
            raise UnknownGrant(key)
        return {k: v for k, v in document.items() if k not in ("_id", KEEP_UNTIL)}

    async def update(self, key: str, fields: dict[str, Any]) -> None:
        result = await self._entries.update_one({"_id": key}, {"$set": fields})
        if result.matched_count == 0:
            raise UnknownGrant(key)

    async def claim(self, key: str, keep_until: float) -> bool:
        await self._sweep()
        try:
            await self._claims.insert_one({"_id": key, KEEP_UNTIL: keep_until})
        except DuplicateKeyError:
            return False
        return True
