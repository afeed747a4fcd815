"""Matchable attributes in MongoDB, keyed by (project, domain, workflow, launch plan, resource
type), the serialized MatchingAttributes in ``blob``.

Each key holds numbered revisions and its value is the highest one. A write inserts the next
revision under a unique index, so of two writers that read the same revision exactly one
succeeds and the other re-reads and retries. Inserts are the only contended write because
FerretDB 1.x evaluates an update's filter apart from its write: two ``{_id, version}``-guarded
updates of one document both match, and one change is lost. Revisions are never deleted (a
re-inserted old revision number would let a stale writer win), only flagged ``superseded`` so
that reads skip them; deletion writes a tombstone revision."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from flightdeck_admin.domain.attributes import (
    AttributeKey,
    AttributesChange,
    AttributeUpdateContended,
    MatchableRecord,
    MatchableResource,
    MatchingAttributes,
    not_found,
    resource_type_name,
)
from flightdeck_admin.store.documents import BLOB, blob_of, message_from, now

COLLECTION = "matchable_attributes"

KEY_FIELDS = ("project", "domain", "workflow", "launch_plan", "resource_type")

INDEXES: list[IndexModel] = [
    IndexModel(
        [*((field, ASCENDING) for field in KEY_FIELDS), ("revision", DESCENDING)],
        unique=True,
        name="matchable_attributes_key_revision",
    ),
    IndexModel([("resource_type", ASCENDING), ("superseded", ASCENDING)]),
]

MAX_ATTEMPTS = 32
"""Each lost attempt means another writer's revision landed, so this bounds only pathological
contention on one key."""

LIVE = {"superseded": False}


def _key_fields(key: AttributeKey) -> dict[str, Any]:
    return {
        "project": key.project,
        "domain": key.domain,
        "workflow": key.workflow,
        "launch_plan": key.launch_plan,
        "resource_type": resource_type_name(key.resource_type),
    }


def _key_of(document: dict[str, Any]) -> AttributeKey:
    return AttributeKey(
        resource_type=MatchableResource.Value(document["resource_type"]),
        project=document["project"],
        domain=document["domain"],
        workflow=document["workflow"],
        launch_plan=document["launch_plan"],
    )


def _revision(document: dict[str, Any] | None) -> int:
    return 0 if document is None else int(document["revision"])


def _value(document: dict[str, Any] | None) -> MatchingAttributes | None:
    """The stored attributes; None when nothing was ever stored or the latest is a tombstone."""
    if document is None or document[BLOB] is None:
        return None
    return message_from(document, MatchingAttributes)


def _current(documents: list[dict[str, Any]]) -> list[MatchableRecord]:
    """The live value of each key among ``documents``: its highest revision, unless deleted."""
    latest: dict[AttributeKey, dict[str, Any]] = {}
    for document in documents:
        key = _key_of(document)
        if _revision(document) > _revision(latest.get(key)):
            latest[key] = document
    values = {key: _value(document) for key, document in latest.items()}
    return [MatchableRecord(key, value) for key, value in values.items() if value is not None]


def _contended(key: AttributeKey) -> AttributeUpdateContended:
    return AttributeUpdateContended(
        f"attributes [{key.describe()}] kept changing concurrently; retry the update"
    )


class MongoMatchableAttributeStore:
    def __init__(self, collection: AsyncCollection) -> None:
        self._attributes = collection

    async def put(self, record: MatchableRecord) -> None:
        await self.amend(record.key, lambda _current: record.attributes)

    async def amend(self, key: AttributeKey, change: AttributesChange) -> None:
        for _ in range(MAX_ATTEMPTS):
            latest = await self._latest(key)
            if await self._write(key, _revision(latest) + 1, change(_value(latest))):
                return
        raise _contended(key)

    async def get(self, key: AttributeKey) -> MatchableRecord:
        value = _value(await self._latest(key))
        if value is None:
            raise not_found(key)
        return MatchableRecord(key, value)

    async def candidates(self, query: AttributeKey) -> list[MatchableRecord]:
        selector = {
            "resource_type": resource_type_name(query.resource_type),
            "project": {"$in": ["", query.project]},
            "domain": {"$in": ["", query.domain]},
            "workflow": {"$in": ["", query.workflow]},
            "launch_plan": {"$in": ["", query.launch_plan]},
            **LIVE,
        }
        return _current([document async for document in self._attributes.find(selector)])

    async def delete(self, key: AttributeKey) -> None:
        for _ in range(MAX_ATTEMPTS):
            latest = await self._latest(key)
            if _value(latest) is None:
                return
            if await self._write(key, _revision(latest) + 1, None):
                return
        raise _contended(key)

    async def list(self, resource_type: int) -> list[MatchableRecord]:
        selector = {"resource_type": resource_type_name(resource_type), **LIVE}
        return _current([document async for document in self._attributes.find(selector)])

    async def _latest(self, key: AttributeKey) -> dict[str, Any] | None:
        found = self._attributes.find(_key_fields(key)).sort("revision", DESCENDING).limit(1)
        return next(iter(await found.to_list()), None)

    async def _write(
        self, key: AttributeKey, revision: int, value: MatchingAttributes | None
    ) -> bool:
        """Inserts ``revision`` of ``key`` (``value`` None: a tombstone); False when another
        writer took that revision first."""
        document = {
            **_key_fields(key),
            "revision": revision,
            "priority": key.priority,
            BLOB: None if value is None else blob_of(value),
            "updated_at": now(),
            **LIVE,
        }
        try:
            await self._attributes.insert_one(document)
        except DuplicateKeyError:
            return False
        await self._attributes.update_many(
            {**_key_fields(key), "revision": {"$lt": revision}, **LIVE},
            {"$set": {"superseded": True}},
        )
        return True
