"""Node executions in MongoDB, read through the flightdeck_records codecs. The events projector
writes them (``_id`` = ``node_key``); admin only reads, and creates the indexes at start-up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection

import flightdeck_listing as listing
from flightdeck_admin.domain.node_executions import node_execution_not_found
from flightdeck_admin.service.record_ports import ExecutionId, NodeExecutionId, NodeParent
from flightdeck_admin.store.listing import index_models, list_request
from flightdeck_records import node_executions as records
from flightdeck_records.node_executions import NodeRecord

COLLECTION = records.COLLECTION
_SCOPE = (records.EXECUTION_PROJECT, records.EXECUTION_DOMAIN, records.EXECUTION_NAME)


def _index(name: str, *keys: str) -> IndexModel:
    return IndexModel([(key, ASCENDING) for key in keys], name=name)


INDEXES = [
    *index_models(listing.NODE_EXECUTIONS),
    _index("node_top_level", *_SCOPE, records.TOP_LEVEL, "created_at", "_id"),
    _index("node_parent", *_SCOPE, records.PARENT_ID, "created_at", "_id"),
    _index("node_parent_task", records.PARENT_TASK_EXECUTION_ID, "created_at", "_id"),
]


def execution_scope(execution_id: ExecutionId) -> dict[str, str]:
    values = (execution_id.project, execution_id.domain, execution_id.name)
    return dict(zip(_SCOPE, values, strict=True))


def listed(execution_id: ExecutionId, parent: NodeParent) -> dict[str, Any]:
    """The implicit conditions of a node listing, as equalities on document fields."""
    scope: dict[str, Any] = execution_scope(execution_id)
    if parent.task_key:
        return {**scope, records.PARENT_TASK_EXECUTION_ID: parent.task_key}
    if parent.node_id:
        return {**scope, records.PARENT_ID: parent.node_id}
    return {**scope, records.TOP_LEVEL: True}


def schema_for(parent: NodeParent) -> listing.ListingSchema:
    return listing.NODE_EXECUTIONS_FOR_TASK if parent.task_key else listing.NODE_EXECUTIONS


class MongoNodeExecutionStore:
    def __init__(self, collection: AsyncCollection) -> None:
        self._nodes = collection

    async def get(self, node_id: NodeExecutionId) -> NodeRecord:
        document = await self._nodes.find_one({"_id": records.node_key(node_id)})
        if document is None:
            raise node_execution_not_found(node_id)
        return records.node_record_of(document)

    async def list_page(
        self, execution_id: ExecutionId, parent: NodeParent, request: Any
    ) -> tuple[list[NodeRecord], str]:
        page = await list_request(
            self._nodes, schema_for(parent), request, base_filter=listed(execution_id, parent)
        )
        return [records.node_record_of(d) for d in page.documents], page.token

    async def parents_among(self, execution_id: ExecutionId, node_ids: Sequence[str]) -> set[str]:
        if not node_ids:
            return set()
        query = {**execution_scope(execution_id), records.PARENT_ID: {"$in": list(node_ids)}}
        return set(await self._nodes.distinct(records.PARENT_ID, query))

    async def launchers_among(self, task_keys: Sequence[str]) -> set[str]:
        if not task_keys:
            return set()
        field = records.PARENT_TASK_EXECUTION_ID
        return set(await self._nodes.distinct(field, {field: {"$in": list(task_keys)}}))
