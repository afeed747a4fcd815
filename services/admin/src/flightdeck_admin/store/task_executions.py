"""Task executions (one document per attempt, ``_id`` = ``task_key``) in MongoDB, read through
the flightdeck_records codecs; the events projector writes them."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

import flightdeck_listing as listing
from flightdeck_admin.domain.task_executions import task_execution_not_found
from flightdeck_admin.service.record_ports import NodeExecutionId, TaskExecutionId
from flightdeck_admin.store.listing import index_models, list_request
from flightdeck_records import task_executions as records
from flightdeck_records.task_executions import TaskRecord

COLLECTION = records.COLLECTION
INDEXES = index_models(listing.TASK_EXECUTIONS)


def attempts_of(node_id: NodeExecutionId) -> dict[str, str]:
    """The implicit conditions of ListTaskExecutions: every attempt of one node execution."""
    execution = node_id.execution_id
    return {
        records.EXECUTION_PROJECT: execution.project,
        records.EXECUTION_DOMAIN: execution.domain,
        records.EXECUTION_NAME: execution.name,
        records.NODE_ID: node_id.node_id,
    }


class MongoTaskExecutionStore:
    def __init__(self, collection: AsyncCollection) -> None:
        self._tasks = collection

    async def get(self, task_id: TaskExecutionId) -> TaskRecord:
        document = await self._tasks.find_one({"_id": records.task_key(task_id)})
        if document is None:
            raise task_execution_not_found(task_id)
        return records.task_record_of(document)

    async def list_page(
        self, node_id: NodeExecutionId, request: Any
    ) -> tuple[list[TaskRecord], str]:
        page = await list_request(
            self._tasks, listing.TASK_EXECUTIONS, request, base_filter=attempts_of(node_id)
        )
        return [records.task_record_of(d) for d in page.documents], page.token
