"""Whether a node execution exists, read from the events projector's ``node_executions``
collection (flightdeck_records): CreateExecution checks a child's parent node with it."""

from __future__ import annotations

from typing import Any

from flyteidl.core import identifier_pb2
from pymongo.asynchronous.collection import AsyncCollection

from flightdeck_records import node_executions

COLLECTION = node_executions.COLLECTION


class MongoParentNodes:
    def __init__(self, collection: AsyncCollection[dict[str, Any]]) -> None:
        self._nodes = collection

    async def exists(self, node_execution_id: identifier_pb2.NodeExecutionIdentifier) -> bool:
        key = node_executions.node_key(node_execution_id)
        return await self._nodes.find_one({"_id": key}, {"_id": 1}) is not None
