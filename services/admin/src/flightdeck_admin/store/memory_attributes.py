"""In-memory matchable attributes with the MongoDB store's contract (tests/contract runs both).

Nothing here awaits between reading and writing a key, so every change is atomic on the event
loop, which is what the real store achieves with versioned conditional updates."""

from __future__ import annotations

from flightdeck_admin.domain.attributes import (
    AttributeKey,
    AttributesChange,
    MatchableRecord,
    MatchingAttributes,
    not_found,
)


class InMemoryMatchableAttributeStore:
    def __init__(self) -> None:
        self._records: dict[AttributeKey, bytes] = {}

    async def put(self, record: MatchableRecord) -> None:
        self._records[record.key] = record.attributes.SerializeToString()

    async def amend(self, key: AttributeKey, change: AttributesChange) -> None:
        stored = self._records.get(key)
        current = None if stored is None else MatchingAttributes.FromString(stored)
        self._records[key] = change(current).SerializeToString()

    async def get(self, key: AttributeKey) -> MatchableRecord:
        if key not in self._records:
            raise not_found(key)
        return self._record(key)

    async def candidates(self, query: AttributeKey) -> list[MatchableRecord]:
        return [self._record(key) for key in self._records if key.covers(query)]

    async def delete(self, key: AttributeKey) -> None:
        self._records.pop(key, None)

    async def list(self, resource_type: int) -> list[MatchableRecord]:
        return [self._record(key) for key in self._records if key.resource_type == resource_type]

    def _record(self, key: AttributeKey) -> MatchableRecord:
        return MatchableRecord(key, MatchingAttributes.FromString(self._records[key]))
