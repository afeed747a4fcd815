"""Executions as the read RPCs see them: the document admin accepted with the events
projector's progress merged in (``flightdeck_records.executions.execution_of``)."""

from __future__ import annotations

from pymongo.asynchronous.collection import AsyncCollection

from flightdeck_admin.domain.executions_launch import execution_not_found
from flightdeck_admin.service.record_ports import ExecutionId, RecordedExecution
from flightdeck_records import executions as records

INPUTS_URI = "inputs_uri"
"""The merged inputs CreateExecution offloaded (admin.md §0.4), beside the record."""


class MongoExecutionReader:
    def __init__(self, collection: AsyncCollection) -> None:
        self._executions = collection

    async def get(self, execution_id: ExecutionId) -> RecordedExecution:
        document = await self._executions.find_one(records.by_key(execution_id))
        if document is None:
            raise execution_not_found(execution_id)
        return RecordedExecution(records.execution_of(document), document.get(INPUTS_URI, ""))
