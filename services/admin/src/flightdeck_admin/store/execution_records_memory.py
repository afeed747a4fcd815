"""In-memory fakes of the execution-record ports, holding the very documents the events
projector writes (flightdeck_records codecs) so that the Mongo adapters and these fakes answer
the same contract suite."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import flightdeck_listing as listing
from flightdeck_admin.domain.executions_launch import execution_not_found
from flightdeck_admin.domain.node_executions import node_execution_not_found
from flightdeck_admin.domain.task_executions import task_execution_not_found
from flightdeck_admin.service.record_ports import (
    ExecutionId,
    NodeExecutionId,
    NodeParent,
    RecordedExecution,
    TaskExecutionId,
)
from flightdeck_admin.store import node_executions as node_store
from flightdeck_admin.store import task_executions as task_store
from flightdeck_admin.store.execution_reads import INPUTS_URI
from flightdeck_records import executions, node_executions, task_executions
from flightdeck_records.node_executions import NodeRecord
from flightdeck_records.task_executions import TaskRecord

Document = dict[str, Any]


class _Documents:
    def __init__(self) -> None:
        self.documents: dict[Any, Document] = {}

    def put(self, document: Mapping[str, Any]) -> None:
        """Inserts or replaces by ``_id``, as the projector upserts."""
        self.documents[document["_id"]] = copy.deepcopy(dict(document))

    def _where(self, conditions: Mapping[str, Any]) -> Iterable[Document]:
        return (
            document
            for document in self.documents.values()
            if all(document.get(field) == value for field, value in conditions.items())
        )

    def _page(
        self, schema: listing.ListingSchema, request: Any, conditions: Mapping[str, Any]
    ) -> tuple[list[Any], str]:
        arguments = listing.arguments_of(request)
        plan = listing.plan_listing(
            schema, arguments.filters, arguments.sort_by, arguments.limit, arguments.token
        )
        return listing.select_page(plan, list(self._where(conditions)))


class InMemoryExecutionReader(_Documents):
    def put(self, document: Mapping[str, Any]) -> None:
        """An ``executions`` document as admin inserts it (``_id``: the execution's key)."""
        key = "/".join(
            document[f] for f in (executions.PROJECT, executions.DOMAIN, executions.NAME)
        )
        super().put({**document, "_id": key})

    async def get(self, execution_id: ExecutionId) -> RecordedExecution:
        for document in self._where(executions.identity(execution_id)):
            return RecordedExecution(
                executions.execution_of(document), document.get(INPUTS_URI, "")
            )
        raise execution_not_found(execution_id)


class InMemoryNodeExecutionStore(_Documents):
    async def get(self, node_id: NodeExecutionId) -> NodeRecord:
        document = self.documents.get(node_executions.node_key(node_id))
        if document is None:
            raise node_execution_not_found(node_id)
        return node_executions.node_record_of(document)

    async def list_page(
        self, execution_id: ExecutionId, parent: NodeParent, request: Any
    ) -> tuple[list[NodeRecord], str]:
        conditions = node_store.listed(execution_id, parent)
        page, token = self._page(node_store.schema_for(parent), request, conditions)
        return [node_executions.node_record_of(d) for d in page], token

    async def parents_among(self, execution_id: ExecutionId, node_ids: Sequence[str]) -> set[str]:
        named = {
            d[node_executions.PARENT_ID]
            for d in self._where(node_store.execution_scope(execution_id))
        }
        return named & set(node_ids)

    async def launchers_among(self, task_keys: Sequence[str]) -> set[str]:
        named = {d[node_executions.PARENT_TASK_EXECUTION_ID] for d in self.documents.values()}
        return named & set(task_keys)


class InMemoryTaskExecutionStore(_Documents):
    async def get(self, task_id: TaskExecutionId) -> TaskRecord:
        document = self.documents.get(task_executions.task_key(task_id))
        if document is None:
            raise task_execution_not_found(task_id)
        return task_executions.task_record_of(document)

    async def list_page(
        self, node_id: NodeExecutionId, request: Any
    ) -> tuple[list[TaskRecord], str]:
        conditions = task_store.attempts_of(node_id)
        page, token = self._page(listing.TASK_EXECUTIONS, request, conditions)
        return [task_executions.task_record_of(d) for d in page], token
