"""In-process caches in front of the reads every launch and registration repeats.

Each admin replica keeps its own, so a write through another replica is seen here after at most
``ttl_seconds``; a write through this replica invalidates its entries at once. Values are
protobuf messages, which callers may change: a hit hands out a copy."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

from cachetools import TTLCache
from flyteidl.admin import project_pb2

from flightdeck_admin.domain.attributes import AttributeKey, AttributesChange, MatchableRecord
from flightdeck_admin.domain.copies import copied
from flightdeck_admin.service.attributes import MatchableAttributeStore
from flightdeck_admin.service.ports import ProjectStore

Value = TypeVar("Value")


class _Expiring(Generic[Value]):
    def __init__(self, max_entries: int, ttl_seconds: float) -> None:
        self._entries: TTLCache[Hashable, Value] | None = (
            TTLCache(maxsize=max_entries, ttl=ttl_seconds) if ttl_seconds > 0 else None
        )

    def get(self, key: Hashable) -> Value | None:
        return None if self._entries is None else self._entries.get(key)

    def put(self, key: Hashable, value: Value) -> None:
        if self._entries is not None:
            self._entries[key] = value

    def forget(self, key: Hashable | None = None) -> None:
        """One entry, or every entry when ``key`` is None."""
        if self._entries is None:
            return
        if key is None:
            self._entries.clear()
        else:
            self._entries.pop(key, None)


class CachedProjectStore:
    """Projects are read by every registration and launch, and written rarely."""

    def __init__(self, store: ProjectStore, max_entries: int, ttl_seconds: float) -> None:
        self._store = store
        self._cache: _Expiring[project_pb2.Project] = _Expiring(max_entries, ttl_seconds)

    async def get(self, project_id: str) -> project_pb2.Project:
        if (hit := self._cache.get(project_id)) is None:
            hit = await self._store.get(project_id)
            self._cache.put(project_id, hit)
        return copied(hit)

    async def insert(self, project: project_pb2.Project) -> None:
        self._cache.forget(project.id)
        await self._store.insert(project)

    async def replace(self, project: project_pb2.Project) -> None:
        try:
            await self._store.replace(project)
        finally:
            self._cache.forget(project.id)

    async def list_page(
        self, request: project_pb2.ProjectListRequest
    ) -> tuple[list[project_pb2.Project], str]:
        return await self._store.list_page(request)


class CachedAttributeStore:
    """A launch resolves four matchable attributes; each resolution reads the candidates of one
    resource type and scope. Any write through this replica empties the cache: writes are rare
    and a record may be a candidate of many queries."""

    def __init__(
        self, store: MatchableAttributeStore, max_entries: int, ttl_seconds: float
    ) -> None:
        self._store = store
        self._candidates: _Expiring[list[MatchableRecord]] = _Expiring(max_entries, ttl_seconds)

    async def candidates(self, query: AttributeKey) -> list[MatchableRecord]:
        if (hit := self._candidates.get(query)) is None:
            hit = await self._store.candidates(query)
            self._candidates.put(query, hit)
        return [_copied_record(record) for record in hit]

    async def put(self, record: MatchableRecord) -> None:
        try:
            await self._store.put(record)
        finally:
            self._candidates.forget()

    async def amend(self, key: AttributeKey, change: AttributesChange) -> None:
        try:
            await self._store.amend(key, change)
        finally:
            self._candidates.forget()

    async def delete(self, key: AttributeKey) -> None:
        try:
            await self._store.delete(key)
        finally:
            self._candidates.forget()

    async def get(self, key: AttributeKey) -> MatchableRecord:
        return await self._store.get(key)

    async def list(self, resource_type: int) -> list[MatchableRecord]:
        return await self._store.list(resource_type)


def _copied_record(record: MatchableRecord) -> MatchableRecord:
    return MatchableRecord(record.key, copied(record.attributes))
