"""The task cache as the engine sees it (spec/executor.md §6); the adapter is
``store/task_cache.py``. Errors other than those named are the store's outage: the round that
met one is retried, as propeller retries a catalog lookup that failed."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from flyteidl.core import identifier_pb2

from flightdeck_executor.domain.cache_keys import CacheKey
from flightdeck_records.task_cache import CacheEntry


class TaskCache(Protocol):
    async def get(self, key: CacheKey, task_id: identifier_pb2.Identifier) -> CacheEntry | None:
        """The entry under ``key``, its source rebuilt for ``task_id``; None on a miss."""

    async def put(self, key: CacheKey, entry: CacheEntry) -> str:
        """Adds the entry unless one is there already (a concurrent run's, or this round's
        own before a crash); returns the artifact id now under the key."""

    async def update(self, key: CacheKey, entry: CacheEntry) -> str:
        """Replaces whatever is under the key (``overwrite_cache``)."""

    async def reserve(self, key: CacheKey, owner: str, heartbeat: timedelta) -> str:
        """Takes or extends the reservation for ``owner``; returns who holds it now."""

    async def release(self, key: CacheKey, owner: str) -> None:
        """Drops ``owner``'s reservation; nothing when it holds none."""
